"""The batchUpdate registry: what a request kind works on, how kinds register, the dispatcher.

A request kind is a function of (:class:`BatchContext`, request body) returning its reply, or
None for kinds without one; ``@kind("addSheet")`` registers it in :data:`KINDS`.
:func:`apply_request` validates and applies one request to the transaction's copy of the
spreadsheet and returns its reply (``{}`` for kinds without one). Any invalid request raises
``Invalid requests[i].<kind>: <reason>`` (400 INVALID_ARGUMENT) and, because the copy is then
thrown away, nothing of the batch is applied.

This module holds no request kind and imports no kind module: the kind modules import it, and
the package's ``__init__`` imports them so that they register (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .. import exceptions as errors
from .. import fields as masks
from .. import protection, relocation
from ..a1 import Box
from ..grid import COLUMNS, ROWS, Change, Sheet, adjust_grid_range
from ..metadata import follow_dimension_change
from ..ranges import grid_limit_error
from ..spreadsheet import Spreadsheet


class State(Protocol):
    """What a request kind asks of the server's state (``SheetsState``): the caller and new ids
    (from the current operation's random source)."""

    @property
    def caller(self) -> str | None: ...

    def new_sheet_id(self, spreadsheet: Spreadsheet) -> int: ...

    def new_int_id(self) -> int: ...


class RequestError(Exception):
    """A reason to refuse the current request; becomes ``Invalid requests[i].<kind>: ...``."""


@dataclass
class BatchContext:
    """What a request kind works on: the state (caller, new ids) and the transaction's copy."""

    state: State
    spreadsheet: Spreadsheet

    def sheet(self, sheet_id: Any) -> Sheet:
        sheet = self.spreadsheet.sheet_by_id(int(sheet_id or 0))
        if sheet is None:
            raise RequestError(f"No grid with id: {sheet_id or 0}")
        return sheet

    def box(self, grid_range: dict[str, Any], *, clamp: bool = False) -> tuple[Sheet, Box]:
        """A GridRange as a sheet and box; outside the grid is an error unless `clamp`."""
        sheet = self.sheet(grid_range.get("sheetId", 0))
        box = Box(
            int(grid_range.get("startRowIndex", 0)),
            int(grid_range.get("endRowIndex", sheet.row_count)),
            int(grid_range.get("startColumnIndex", 0)),
            int(grid_range.get("endColumnIndex", sheet.col_count)),
        )
        if box.start_row < 0 or box.start_col < 0 or box.rows < 0 or box.cols < 0:
            raise RequestError("Invalid range: the start index must not be after the end index.")
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            if clamp:
                return sheet, Box(
                    box.start_row,
                    min(box.end_row, sheet.row_count),
                    box.start_col,
                    min(box.end_col, sheet.col_count),
                )
            raise RequestError(grid_limit_error(sheet.title, box, sheet).message)
        return sheet, box

    def dimension_range(self, dimension_range: dict[str, Any]) -> tuple[Sheet, str, int, int]:
        """A DimensionRange as (sheet, ROWS or COLUMNS, start, end); its end defaults to the
        sheet's size."""
        sheet = self.sheet(dimension_range.get("sheetId"))
        dimension = dimension_range.get("dimension")
        if dimension not in (ROWS, COLUMNS):
            raise RequestError("range.dimension must be ROWS or COLUMNS.")
        size = sheet.row_count if dimension == ROWS else sheet.col_count
        start = int(dimension_range.get("startIndex", 0))
        end = int(dimension_range.get("endIndex", size))
        if start < 0 or end <= start:
            raise RequestError("range.startIndex must be less than range.endIndex.")
        return sheet, dimension, start, end

    def dimension_changed(self, sheet: Sheet, dimension: str, change: Change) -> None:
        """Keep spreadsheet-level anchors (named ranges, metadata, formula references in every
        tab) on their cells."""
        for named in self.spreadsheet.named_ranges:
            if named["range"].get("sheetId", 0) == sheet.sheet_id:
                adjust_grid_range(named["range"], dimension, change)
        follow_dimension_change(self.spreadsheet, sheet.sheet_id, dimension, change)
        relocation.follow_dimension_change(self.spreadsheet, sheet, dimension, change)


Kind = Callable[[BatchContext, dict[str, Any]], dict[str, Any] | None]
KINDS: dict[str, Kind] = {}


def kind(name: str) -> Callable[[Kind], Kind]:
    """Register the decorated function as the request kind ``name``."""

    def register(function: Kind) -> Kind:
        KINDS[name] = function
        return function

    return register


def apply_request(context: BatchContext, index: int, request: dict[str, Any]) -> dict[str, Any]:
    """Apply one request of a batch; its reply, or ApiError naming requests[index]."""
    if not isinstance(request, dict) or len(request) != 1:
        raise errors.invalid_argument(
            f"Invalid requests[{index}]: exactly one request kind is required."
        )
    ((name, body),) = request.items()
    function = KINDS.get(name)
    if function is None:
        raise errors.invalid_argument(
            f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{index}]': "
            "Cannot find field."
        )
    # Outside the try: Google's refusal names no request (see protection.py).
    protection.check_request(context.spreadsheet, context.state.caller, name, body or {})
    try:
        reply = function(context, body or {})
        refusal = context.spreadsheet.over_limits()  # checked per request, to name it
        if refusal:
            raise RequestError(refusal)
    except RequestError as error:
        raise errors.invalid_request(index, name, str(error)) from None
    except errors.ApiError as error:
        raise errors.invalid_request(index, name, error.message) from None
    except KeyError as error:  # malformed input, not a server fault: 400 rather than 500
        raise errors.invalid_request(index, name, f"Missing field {error.args[0]!r}.") from None
    except (ValueError, TypeError) as error:
        raise errors.invalid_request(index, name, f"Invalid value: {error}") from None
    return {name: reply} if reply is not None else {}


def field_mask(body: dict[str, Any]) -> masks.Mask:
    """The request's ``fields`` mask, which an update kind requires."""
    text = body.get("fields")
    if not text:
        raise RequestError("At least one field must be updated, but none were specified.")
    try:
        return masks.parse(text)
    except masks.MaskSyntaxError:
        raise RequestError(f"Invalid field mask: {text}") from None
