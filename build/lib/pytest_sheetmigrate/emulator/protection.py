"""Protected ranges and protected sheets: which writes they refuse (sharing mode only).

Pure functions of a spreadsheet, the calling account and the cells a write changes. A protection
(``addProtectedRange`` with a ``range``, or with only a ``sheetId``: the whole sheet, less its
``unprotectedRanges``) refuses a write by an account that is not one of its editors; the
spreadsheet's owner is always one, and a ``warningOnly`` protection refuses nobody (the API
"follows the same permissions model as the Sheets UI", where a warning can be dismissed). With no
caller (sharing off) nothing is refused: the server cannot tell who writes.

The refusal: 400 "You are trying to edit a protected cell or object. Please contact the
spreadsheet owner to remove protection if you need to edit." (node-google-spreadsheet PR 20:
"HTTP error 400"; gspread users report "APIError: [400]: You are trying to edit a protected cell
or object" for values.batchUpdate and for a row deletion by a service account). Status
INVALID_ARGUMENT, and the message without a ``requests[i]`` prefix in batchUpdate: unverified.
The operation raising it is discarded whole (every operation works on a copy).

The cells each batchUpdate kind changes (:func:`request_boxes`): evidence exists for cell values
and row deletion; the other kinds follow "a protected cell or object" by analogy (unverified):
updateCells, repeatCell, appendCells, mergeCells, unmergeCells, sortRange, updateBorders,
setDataValidation, copyPaste (its destination), cutPaste (its source and the block it lands on),
deleteDimension and moveDimension (the whole rows or columns moved or
removed), insertDimension strictly inside a protected span or anywhere in a protected sheet,
appendDimension on a protected sheet, deleteSheet of a protected sheet, and
deleteProtectedRange by an account that may not edit that protection. Not checked: formats of
whole dimensions (updateDimensionProperties), sheet properties, findReplace, editors'
``groups`` and ``domainUsersCanEdit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from . import exceptions as errors
from .a1 import Box
from .grid import Sheet
from .spreadsheet import Spreadsheet

PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
    "to remove protection if you need to edit."
)

Touched = tuple[Sheet, Box]


def protected_error() -> errors.ApiError:
    return errors.invalid_argument(PROTECTED_MESSAGE)


def may_edit(spreadsheet: Spreadsheet, protection: dict[str, Any], caller: str | None) -> bool:
    """Whether ``caller`` may change what ``protection`` covers."""
    if caller is None or caller == spreadsheet.owner or protection.get("warningOnly"):
        return True
    return caller in (protection.get("editors") or {}).get("users", [])


def _grid_box(sheet: Sheet, grid: dict[str, Any]) -> Box:
    """A GridRange as a box, unbounded sides to the grid's edge."""
    return Box(
        int(grid.get("startRowIndex", 0)),
        int(grid.get("endRowIndex", sheet.row_count)),
        int(grid.get("startColumnIndex", 0)),
        int(grid.get("endColumnIndex", sheet.col_count)),
    )


def _protected_grid(spreadsheet: Spreadsheet, protection: dict[str, Any]) -> dict[str, Any]:
    if "namedRangeId" in protection:
        for named in spreadsheet.named_ranges:
            if named["namedRangeId"] == str(protection["namedRangeId"]):
                return dict(named["range"])
    return dict(protection.get("range") or {})


def is_whole_sheet(protection: dict[str, Any]) -> bool:
    """A protected sheet: its range names only the sheet."""
    grid = protection.get("range") or {}
    return "namedRangeId" not in protection and not (set(grid) - {"sheetId"})


def _overlap(a: Box, b: Box) -> Box | None:
    box = Box(
        max(a.start_row, b.start_row),
        min(a.end_row, b.end_row),
        max(a.start_col, b.start_col),
        min(a.end_col, b.end_col),
    )
    return box if box.rows > 0 and box.cols > 0 else None


def _minus(box: Box, cut: Box) -> list[Box]:
    """``box`` less ``cut``: at most four boxes."""
    inner = _overlap(box, cut)
    if inner is None:
        return [box]
    pieces = [
        Box(box.start_row, inner.start_row, box.start_col, box.end_col),
        Box(inner.end_row, box.end_row, box.start_col, box.end_col),
        Box(inner.start_row, inner.end_row, box.start_col, inner.start_col),
        Box(inner.start_row, inner.end_row, inner.end_col, box.end_col),
    ]
    return [p for p in pieces if p.rows > 0 and p.cols > 0]


def _refusing(spreadsheet: Spreadsheet, sheet: Sheet, caller: str | None) -> Iterator[Any]:
    for protection in sheet.protected_ranges:
        if not may_edit(spreadsheet, protection, caller):
            yield protection


def touches(spreadsheet: Spreadsheet, caller: str | None, sheet: Sheet, box: Box) -> bool:
    """Whether changing ``box`` of ``sheet`` changes a cell protected from ``caller``."""
    for protection in _refusing(spreadsheet, sheet, caller):
        grid = _protected_grid(spreadsheet, protection)
        inside = _overlap(box, _grid_box(sheet, grid))
        if inside is None:
            continue
        left = [inside]
        for free in protection.get("unprotectedRanges") or []:
            left = [piece for part in left for piece in _minus(part, _grid_box(sheet, free))]
        if left:
            return True
    return False


def check_cells(spreadsheet: Spreadsheet, caller: str | None, sheet: Sheet, box: Box) -> None:
    """Refuse (raise) a write of ``box`` that changes a cell protected from ``caller``."""
    if (
        caller is not None
        and box.rows > 0
        and box.cols > 0
        and touches(spreadsheet, caller, sheet, box)
    ):
        raise protected_error()


def check_insert(
    spreadsheet: Spreadsheet, caller: str | None, sheet: Sheet, dimension: str, index: int
) -> None:
    """Refuse rows/columns inserted strictly inside a protected span or into a protected sheet."""
    if caller is None:
        return
    for protection in _refusing(spreadsheet, sheet, caller):
        if is_whole_sheet(protection):
            raise protected_error()
        box = _grid_box(sheet, _protected_grid(spreadsheet, protection))
        start, end = (
            (box.start_row, box.end_row) if dimension == "ROWS" else (box.start_col, box.end_col)
        )
        if start < index < end:
            raise protected_error()


# --- what each batchUpdate kind changes ------------------------------------------------------


def _sheet(spreadsheet: Spreadsheet, sheet_id: Any) -> Sheet | None:
    try:
        return spreadsheet.sheet_by_id(int(sheet_id or 0))
    except (TypeError, ValueError):
        return None


def _range(spreadsheet: Spreadsheet, grid: Any) -> list[Touched]:
    if not isinstance(grid, dict):
        return []
    sheet = _sheet(spreadsheet, grid.get("sheetId"))
    return [] if sheet is None else [(sheet, _grid_box(sheet, grid))]


def _dimension_span(spreadsheet: Spreadsheet, span: Any) -> list[Touched]:
    """Whole rows or columns of a DimensionRange."""
    if not isinstance(span, dict):
        return []
    sheet = _sheet(spreadsheet, span.get("sheetId"))
    if sheet is None:
        return []
    start, end = int(span.get("startIndex", 0)), span.get("endIndex")
    if span.get("dimension") == "COLUMNS":
        return [(sheet, Box(0, sheet.row_count, start, int(end or sheet.col_count)))]
    return [(sheet, Box(start, int(end or sheet.row_count), 0, sheet.col_count))]


def _update_cells(spreadsheet: Spreadsheet, body: dict[str, Any]) -> list[Touched]:
    if "range" in body:
        return _range(spreadsheet, body["range"])
    start = body.get("start") or {}
    rows = body.get("rows") or []
    sheet = _sheet(spreadsheet, start.get("sheetId"))
    if sheet is None:
        return []
    r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
    width = max((len(r.get("values") or []) for r in rows if isinstance(r, dict)), default=0)
    return [(sheet, Box(r0, r0 + len(rows), c0, c0 + width))]


def _append_cells(spreadsheet: Spreadsheet, body: dict[str, Any]) -> list[Touched]:
    sheet = _sheet(spreadsheet, body.get("sheetId"))
    if sheet is None:
        return []
    rows = body.get("rows") or []
    start = sheet.used_box().end_row
    width = max((len(r.get("values") or []) for r in rows if isinstance(r, dict)), default=0)
    return [(sheet, Box(start, start + len(rows), 0, width))]


def _cut_paste(spreadsheet: Spreadsheet, body: dict[str, Any]) -> list[Touched]:
    """The source (cleared) and a source-sized block at the destination cell."""
    source = _range(spreadsheet, body.get("source") or {})
    destination = body.get("destination") or {}
    sheet = _sheet(spreadsheet, destination.get("sheetId"))
    if not source or sheet is None:
        return source
    box = source[0][1]
    r0, c0 = int(destination.get("rowIndex", 0)), int(destination.get("columnIndex", 0))
    return [*source, (sheet, Box(r0, r0 + box.rows, c0, c0 + box.cols))]


_BOXES: dict[str, Callable[[Spreadsheet, dict[str, Any]], list[Touched]]] = {
    "updateCells": _update_cells,
    "repeatCell": lambda s, b: _range(s, b.get("range") or {}),
    "appendCells": _append_cells,
    "mergeCells": lambda s, b: _range(s, b.get("range") or {}),
    "unmergeCells": lambda s, b: _range(s, b.get("range") or {}),
    "sortRange": lambda s, b: _range(s, b.get("range") or {}),
    "updateBorders": lambda s, b: _range(s, b.get("range") or {}),
    "setDataValidation": lambda s, b: _range(s, b.get("range") or {}),
    "deleteDimension": lambda s, b: _dimension_span(s, b.get("range")),
    "moveDimension": lambda s, b: _dimension_span(s, b.get("source")),
    # The whole destination range: a tiled paste fills it (copyPaste reference).
    "copyPaste": lambda s, b: _range(s, b.get("destination") or {}),
    "cutPaste": _cut_paste,
}


def check_request(
    spreadsheet: Spreadsheet, caller: str | None, kind: str, body: dict[str, Any]
) -> None:
    """Refuse (raise) one batchUpdate request that changes what is protected from ``caller``."""
    if caller is None or not isinstance(body, dict):
        return
    for sheet, box in _BOXES.get(kind, lambda s, b: [])(spreadsheet, body):
        check_cells(spreadsheet, caller, sheet, box)
    if kind == "insertDimension":
        span = body.get("range") or {}
        sheet = _sheet(spreadsheet, span.get("sheetId"))
        if sheet is not None:
            dimension = span.get("dimension", "ROWS")
            check_insert(spreadsheet, caller, sheet, dimension, int(span.get("startIndex", 0)))
    elif kind in ("appendDimension", "deleteSheet"):
        sheet = _sheet(spreadsheet, body.get("sheetId"))
        if sheet is not None and any(
            is_whole_sheet(p) for p in _refusing(spreadsheet, sheet, caller)
        ):
            raise protected_error()
    elif kind == "deleteProtectedRange":
        wanted = body.get("protectedRangeId")
        for sheet in spreadsheet.sheets:
            for protection in _refusing(spreadsheet, sheet, caller):
                if str(protection.get("protectedRangeId")) == str(wanted):
                    raise protected_error()
