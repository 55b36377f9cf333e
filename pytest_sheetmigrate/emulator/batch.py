"""spreadsheets.batchUpdate: one function per request kind, applied to a working copy.

:func:`apply_request` validates and applies one request to the transaction's copy of the
spreadsheet and returns its reply (``{}`` for kinds without one). Any invalid request raises
``Invalid requests[i].<kind>: <reason>`` (400 INVALID_ARGUMENT) and, because the copy is then
thrown away, nothing of the batch is applied. Kinds on cells live in :mod:`batch_cells`,
data validation and conditional format rules in :mod:`batch_rules`, copyPaste, cutPaste and
autoResizeDimensions in :mod:`batch_paste`.

Sheet and dimension kinds here: addSheet, deleteSheet, duplicateSheet, updateSheetProperties,
updateSpreadsheetProperties, insertDimension, appendDimension, deleteDimension, moveDimension,
updateDimensionProperties, addDimensionGroup, deleteDimensionGroup,
create/update/deleteDeveloperMetadata. duplicateSheet copies values, rich cell data, merges and
groups, but not protected ranges or developer metadata.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import exceptions as errors
from . import fields as masks
from . import protection, relocation
from .a1 import Box
from .grid import COLUMNS, ROWS, Change, Sheet, adjust_grid_range
from .metadata import follow_dimension_change, matches, normalise_location
from .ranges import grid_limit_error
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Spreadsheet,
    normalise_tab_color,
    omit_defaults,
    render_grid_range,
    sheet_properties,
)

if TYPE_CHECKING:
    from .state import SheetsState


class RequestError(Exception):
    """A reason to refuse the current request; becomes ``Invalid requests[i].<kind>: ...``."""


@dataclass
class BatchContext:
    """What a request kind works on: the backend (ids, clock) and the transaction's copy."""

    backend: SheetsState
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
    protection.check_request(context.spreadsheet, context.backend.caller, name, body or {})
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


def _mask(body: dict[str, Any], *, required: bool = True) -> masks.Mask | None:
    text = body.get("fields")
    if not text:
        if required:
            raise RequestError("At least one field must be updated, but none were specified.")
        return None
    try:
        return masks.parse(text)
    except masks.MaskSyntaxError:
        raise RequestError(f"Invalid field mask: {text}") from None


def ordered_properties(properties: dict[str, Any]) -> dict[str, Any]:
    order = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden")
    out = {k: copy.deepcopy(properties[k]) for k in order if k in properties}
    out.update({k: copy.deepcopy(v) for k, v in properties.items() if k not in out})
    return omit_defaults(out)


def check_new_sheet(
    spreadsheet: Spreadsheet, sheet_id: int, title: str, rows: int, cols: int
) -> None:
    """Refuse a new sheet (addSheet, spreadsheets.create) whose id or title is taken."""
    if spreadsheet.sheet_by_id(sheet_id) is not None:
        raise RequestError(f"A sheet with the id {sheet_id} already exists.")
    _check_title(spreadsheet, title)
    if rows < 0 or cols < 0:
        raise RequestError("Invalid grid properties: row and column counts must not be negative.")


def _check_title(spreadsheet: Spreadsheet, title: str, except_id: int | None = None) -> None:
    if not title.strip():
        raise RequestError("The sheet name cannot be empty.")
    for sheet in spreadsheet.sheets:
        if sheet.title.lower() == title.lower() and sheet.sheet_id != except_id:
            raise RequestError(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )


def _place(spreadsheet: Spreadsheet, sheet: Sheet, index: int | None) -> None:
    position = (
        len(spreadsheet.sheets)
        if index is None
        else max(0, min(int(index), len(spreadsheet.sheets)))
    )
    spreadsheet.sheets.insert(position, sheet)
    spreadsheet.reindex()


# --- sheets -----------------------------------------------------------------------------------


@kind("addSheet")
def add_sheet(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    spreadsheet = context.spreadsheet
    requested = masks.strip_nulls(body.get("properties") or {})
    sheet_id = requested.get("sheetId")
    if sheet_id is None:
        sheet_id = context.backend.new_sheet_id(spreadsheet)
    title = requested.get("title")
    if title is None:
        n = len(spreadsheet.sheets) + 1
        while spreadsheet.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    grid = requested.get("gridProperties") or {}
    rows = int(grid.get("rowCount", DEFAULT_ROWS))
    cols = int(grid.get("columnCount", DEFAULT_COLUMNS))
    check_new_sheet(spreadsheet, int(sheet_id), title, rows, cols)
    properties = sheet_properties(int(sheet_id), title, 0, rows, cols)
    properties["gridProperties"].update(
        {k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")}
    )
    for key, value in requested.items():
        if key not in ("sheetId", "title", "index", "gridProperties"):
            properties[key] = value
    normalise_tab_color(properties, None)
    sheet = Sheet(properties)
    _place(spreadsheet, sheet, requested.get("index"))
    return {"properties": ordered_properties(sheet.properties)}


@kind("deleteSheet")
def delete_sheet(context: BatchContext, body: dict[str, Any]) -> None:
    spreadsheet = context.spreadsheet
    sheet = context.sheet(body.get("sheetId"))
    if len(spreadsheet.sheets) == 1:
        raise RequestError("You can't remove all the sheets in a document.")
    spreadsheet.sheets.remove(sheet)
    spreadsheet.reindex()
    relocation.follow_sheet_deleted(spreadsheet, sheet.title)
    spreadsheet.named_ranges = [
        n for n in spreadsheet.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id
    ]
    spreadsheet.developer_metadata = [
        m
        for m in spreadsheet.developer_metadata
        if m["location"].get("sheetId", m["location"].get("dimensionRange", {}).get("sheetId"))
        != sheet.sheet_id
    ]
    return None


@kind("duplicateSheet")
def duplicate_sheet(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    spreadsheet = context.spreadsheet
    source = context.sheet(body.get("sourceSheetId"))
    copied = source.clone()
    new_id = body.get("newSheetId")
    if new_id is None:
        new_id = context.backend.new_sheet_id(spreadsheet)
    elif spreadsheet.sheet_by_id(int(new_id)) is not None:
        raise RequestError(f"A sheet with the id {new_id} already exists.")
    title = body.get("newSheetName") or _copy_title(spreadsheet, source.title)
    _check_title(spreadsheet, title)
    copied.properties["sheetId"] = int(new_id)
    copied.properties["title"] = title
    copied.protected_ranges = []
    for grid_range in copied.merges:
        grid_range["sheetId"] = int(new_id)
    for dimension in (ROWS, COLUMNS):
        for group in copied.dimension_groups[dimension]:
            group["range"]["sheetId"] = int(new_id)
    if copied.basic_filter and "range" in copied.basic_filter:
        copied.basic_filter["range"]["sheetId"] = int(new_id)
    copied.move_rules_to(int(new_id))
    _place(spreadsheet, copied, body.get("insertSheetIndex"))
    return {"properties": ordered_properties(copied.properties)}


def _copy_title(spreadsheet: Spreadsheet, title: str) -> str:
    candidate = f"Copy of {title}"
    n = 2
    while spreadsheet.sheet_by_title(candidate) is not None:
        candidate = f"Copy of {title} {n}"
        n += 1
    return candidate


@kind("updateSheetProperties")
def update_sheet_properties(context: BatchContext, body: dict[str, Any]) -> None:
    spreadsheet = context.spreadsheet
    requested = body.get("properties") or {}
    sheet = context.sheet(requested.get("sheetId"))
    mask = _mask(body)
    updated = copy.deepcopy(sheet.properties)
    masks.apply_update(updated, requested, mask)
    normalise_tab_color(updated, mask)
    updated["sheetId"] = sheet.sheet_id
    updated.setdefault("sheetType", "GRID")
    if updated.get("title") != sheet.title:
        _check_title(spreadsheet, str(updated.get("title", "")), except_id=sheet.sheet_id)
    if updated.get("hidden") and all(
        s.properties.get("hidden") or s is sheet for s in spreadsheet.sheets
    ):
        raise RequestError("You can't hide all the sheets in a document.")
    if updated.get("hidden") is False:
        updated.pop("hidden")
    grid = updated.setdefault("gridProperties", {})
    rows = int(grid.get("rowCount", sheet.row_count))
    cols = int(grid.get("columnCount", sheet.col_count))
    if rows < 1 or cols < 1:
        raise RequestError("Sheet must have at least one row and one column.")
    for key in ("frozenRowCount", "frozenColumnCount"):
        if grid.get(key) == 0:
            grid.pop(key)
    index = updated.pop("index", sheet.properties["index"])
    grid_size = (rows, cols)
    updated["gridProperties"]["rowCount"], updated["gridProperties"]["columnCount"] = (
        sheet.row_count,
        sheet.col_count,
    )
    old_title = sheet.title
    sheet.properties = updated
    sheet.properties["index"] = sheet.properties.get("index", index)
    if sheet.title != old_title:
        relocation.follow_sheet_renamed(spreadsheet, old_title, sheet.title)
    if grid_size != (sheet.row_count, sheet.col_count):
        _resize(context, sheet, *grid_size)
    if index != spreadsheet.sheets.index(sheet):
        spreadsheet.sheets.remove(sheet)
        _place(spreadsheet, sheet, index)
    spreadsheet.reindex()
    return None


def _resize(context: BatchContext, sheet: Sheet, rows: int, cols: int) -> None:
    if rows < sheet.row_count:
        context.dimension_changed(sheet, ROWS, Change("delete", rows, sheet.row_count))
    if cols < sheet.col_count:
        context.dimension_changed(sheet, COLUMNS, Change("delete", cols, sheet.col_count))
    sheet.set_size(rows, cols)


@kind("updateSpreadsheetProperties")
def update_spreadsheet_properties(context: BatchContext, body: dict[str, Any]) -> None:
    mask = _mask(body)
    updated = copy.deepcopy(context.spreadsheet.properties)
    masks.apply_update(updated, body.get("properties") or {}, mask)
    if not updated.get("title"):
        raise RequestError("The spreadsheet title cannot be empty.")
    context.spreadsheet.properties = updated
    return None


# --- dimensions -------------------------------------------------------------------------------


def _dimension_range(
    context: BatchContext, dimension_range: dict[str, Any]
) -> tuple[Sheet, str, int, int]:
    sheet = context.sheet(dimension_range.get("sheetId"))
    dimension = dimension_range.get("dimension")
    if dimension not in (ROWS, COLUMNS):
        raise RequestError("range.dimension must be ROWS or COLUMNS.")
    size = sheet.row_count if dimension == ROWS else sheet.col_count
    start = int(dimension_range.get("startIndex", 0))
    end = int(dimension_range.get("endIndex", size))
    if start < 0 or end <= start:
        raise RequestError("range.startIndex must be less than range.endIndex.")
    return sheet, dimension, start, end


@kind("insertDimension")
def insert_dimension(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension_range(context, body.get("range") or {})
    size = sheet.row_count if dimension == ROWS else sheet.col_count
    if start > size:
        raise RequestError(
            f"range.startIndex ({start}) must be less than or equal to the sheet's "
            f"{'row' if dimension == ROWS else 'column'} count ({size})."
        )
    if start == 0 and body.get("inheritFromBefore"):
        raise RequestError("Cannot inherit properties from before if inserting at the start.")
    sheet.insert(dimension, start, end - start)
    context.dimension_changed(sheet, dimension, Change("insert", start, end))
    # "True to inherit from the dimensions before ..., and false to inherit from the dimensions
    # after" (InsertDimensionRequest reference): format, data validation and pixel size come from
    # the neighbour (now at start - 1, or at end after the shift); at the sheet's end there is
    # no neighbour after.
    if body.get("inheritFromBefore"):
        sheet.inherit(dimension, start, end, start - 1)
    elif start < size:
        sheet.inherit(dimension, start, end, end)
    return None


@kind("appendDimension")
def append_dimension(context: BatchContext, body: dict[str, Any]) -> None:
    sheet = context.sheet(body.get("sheetId"))
    dimension = body.get("dimension")
    length = int(body.get("length", 0))
    if dimension not in (ROWS, COLUMNS) or length < 1:
        raise RequestError("length must be positive and dimension ROWS or COLUMNS.")
    grid = sheet.properties["gridProperties"]
    key = "rowCount" if dimension == ROWS else "columnCount"
    grid[key] = grid[key] + length
    return None


@kind("deleteDimension")
def delete_dimension(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension_range(context, body.get("range") or {})
    size = sheet.row_count if dimension == ROWS else sheet.col_count
    end = min(end, size)
    if start >= size:
        raise RequestError(
            f"range.startIndex ({start}) must be less than the sheet's size ({size})."
        )
    if start == 0 and end == size:
        noun = "rows" if dimension == ROWS else "columns"
        raise RequestError(f"You can't delete all the {noun} on the sheet.")
    sheet.delete(dimension, start, end)
    context.dimension_changed(sheet, dimension, Change("delete", start, end))
    return None


@kind("moveDimension")
def move_dimension(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension_range(context, body.get("source") or {})
    size = sheet.row_count if dimension == ROWS else sheet.col_count
    destination = int(body.get("destinationIndex", 0))
    if end > size or not 0 <= destination <= size:
        raise RequestError("source and destinationIndex must be inside the grid.")
    if start <= destination <= end:
        return None  # moves nothing: every anchor stays where it is
    sheet.move(dimension, start, end, destination)
    context.dimension_changed(sheet, dimension, Change("move", start, end, destination))
    return None


@kind("updateDimensionProperties")
def update_dimension_properties(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension_range(context, body.get("range") or {})
    mask = _mask(body)
    source = body.get("properties") or {}
    properties = sheet.dimension_properties[dimension]
    for index in range(start, end):
        current = dict(properties.get(index, {}))
        masks.apply_update(current, source, mask)
        current = {k: v for k, v in current.items() if v is not False}
        if current:
            properties[index] = current
        else:
            properties.pop(index, None)
    return None


def _render_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**g, "range": render_grid_range(g["range"])} for g in groups]


@kind("addDimensionGroup")
def add_dimension_group(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    sheet, dimension, start, end = _dimension_range(context, body.get("range") or {})
    groups = sheet.dimension_groups[dimension]
    depth = 1 + sum(
        1 for g in groups if g["range"]["startIndex"] <= start and end <= g["range"]["endIndex"]
    )
    groups.append(
        {
            "range": {
                "sheetId": sheet.sheet_id,
                "dimension": dimension,
                "startIndex": start,
                "endIndex": end,
            },
            "depth": depth,
        }
    )
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))
    # Google turns the group control "after" on for the sheet at its first group (recordings).
    control = "rowGroupControlAfter" if dimension == ROWS else "columnGroupControlAfter"
    sheet.properties["gridProperties"].setdefault(control, True)
    return {"dimensionGroups": _render_groups(groups)}


@kind("deleteDimensionGroup")
def delete_dimension_group(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    sheet, dimension, start, end = _dimension_range(context, body.get("range") or {})
    groups = sheet.dimension_groups[dimension]
    kept = [g for g in groups if (g["range"]["startIndex"], g["range"]["endIndex"]) != (start, end)]
    if len(kept) == len(groups):
        raise RequestError("No dimension group matches the given range.")
    sheet.dimension_groups[dimension] = kept
    return {"dimensionGroups": _render_groups(kept)} if kept else {}


# --- developer metadata -----------------------------------------------------------------------


def _check_location(context: BatchContext, location: dict[str, Any]) -> dict[str, Any]:
    try:
        normal = normalise_location(location)
    except ValueError as error:
        raise RequestError(str(error)) from None
    if "sheetId" in normal:
        context.sheet(normal["sheetId"])
    if "dimensionRange" in normal:
        _dimension_range(context, normal["dimensionRange"])
    return normal


@kind("createDeveloperMetadata")
def create_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    requested = masks.strip_nulls(body.get("developerMetadata") or {})
    if not requested.get("metadataKey"):
        raise RequestError("Developer metadata must have a metadataKey.")
    existing = {m["metadataId"] for m in context.spreadsheet.developer_metadata}
    metadata_id = requested.get("metadataId")
    if metadata_id is None:
        metadata_id = context.backend.new_int_id()
        while metadata_id in existing:
            metadata_id = context.backend.new_int_id()
    elif int(metadata_id) in existing:
        raise RequestError(f"Developer metadata with ID {metadata_id} already exists.")
    item: dict[str, Any] = {"metadataId": int(metadata_id), "metadataKey": requested["metadataKey"]}
    if "metadataValue" in requested:
        item["metadataValue"] = requested["metadataValue"]
    item["location"] = _check_location(context, requested.get("location") or {})
    item["visibility"] = requested.get("visibility", "DOCUMENT")
    context.spreadsheet.developer_metadata.append(item)
    return {"developerMetadata": copy.deepcopy(item)}


def _lookups(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lookups = []
    for data_filter in filters:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            raise RequestError(
                "Only developerMetadataLookup data filters are supported by this server."
            )
        lookups.append(lookup)
    return lookups


# What an update may change: every field but metadataId, which is given once, at creation
# (DeveloperMetadata reference: "IDs may be specified when metadata is created").
_UPDATABLE_METADATA = ("metadataKey", "metadataValue", "location", "visibility")


@kind("updateDeveloperMetadata")
def update_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    """``fields: "*"`` stands for every updatable field (UpdateDeveloperMetadataRequest
    reference: 'A single "*" can be used as short-hand for listing every field'); the id always
    survives. An update that leaves a key, location or visibility empty is refused ("Developer
    metadata must always have a visibility specified"); which wording Google uses is unverified."""
    lookups = _lookups(body.get("dataFilters") or [])
    mask = _mask(body) or {}
    if "*" in mask:
        mask = {key: None for key in _UPDATABLE_METADATA}
    mask = {key: sub for key, sub in mask.items() if key != "metadataId"}
    source = body.get("developerMetadata") or {}
    updated = []
    for item in context.spreadsheet.developer_metadata:
        if any(matches(item, lookup) for lookup in lookups):
            masks.apply_update(item, source, mask)
            if not item.get("metadataKey"):
                raise RequestError("Developer metadata must have a metadataKey.")
            if not item.get("visibility"):
                raise RequestError("Developer metadata must always have a visibility specified.")
            if "location" in mask:
                if not item.get("location"):
                    raise RequestError("Developer metadata must have a location.")
                item["location"] = _check_location(context, item["location"])
            updated.append(copy.deepcopy(item))
    return {"developerMetadata": updated} if updated else {}


@kind("deleteDeveloperMetadata")
def delete_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    lookups = _lookups([body.get("dataFilter") or {}])
    kept: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    for item in context.spreadsheet.developer_metadata:
        (deleted if any(matches(item, lookup) for lookup in lookups) else kept).append(item)
    context.spreadsheet.developer_metadata = kept
    return {"deletedDeveloperMetadata": deleted} if deleted else {}


from . import batch_cells, batch_paste, batch_rules  # noqa: E402,F401  (register their kinds)
