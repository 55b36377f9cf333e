"""batchUpdate request kinds on sheets and the spreadsheet: addSheet, deleteSheet, duplicateSheet,
updateSheetProperties, updateSpreadsheetProperties.

duplicateSheet copies values, rich cell data, merges and groups, but not protected ranges or
developer metadata. :func:`check_new_sheet` also serves spreadsheets.create.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import fields as masks
from .. import relocation
from ..grid import COLUMNS, ROWS, Change, Sheet
from ..spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Spreadsheet,
    normalise_tab_color,
    omit_defaults,
    sheet_properties,
)
from .registry import BatchContext, RequestError, field_mask, kind


def ordered_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Sheet properties as Google orders and omits them in a reply."""
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


@kind("addSheet")
def add_sheet(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    spreadsheet = context.spreadsheet
    requested = masks.strip_nulls(body.get("properties") or {})
    sheet_id = requested.get("sheetId")
    if sheet_id is None:
        sheet_id = context.state.new_sheet_id(spreadsheet)
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
        new_id = context.state.new_sheet_id(spreadsheet)
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
    mask = field_mask(body)
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
    mask = field_mask(body)
    updated = copy.deepcopy(context.spreadsheet.properties)
    masks.apply_update(updated, body.get("properties") or {}, mask)
    if not updated.get("title"):
        raise RequestError("The spreadsheet title cannot be empty.")
    context.spreadsheet.properties = updated
    return None
