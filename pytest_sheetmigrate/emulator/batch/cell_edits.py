"""batchUpdate request kinds that edit cells: updateCells, repeatCell, appendCells, mergeCells,
unmergeCells, sortRange, updateBorders.

updateCells, repeatCell and appendCells write values, notes and formats: userEnteredValue goes to
the grid, every other CellData field is stored per cell and echoed back; a dataValidation is
checked as setDataValidation checks it. Borders are stored as their requests, not rendered.

Formats are stored per cell, so a repeatCell of a format over a whole large sheet costs one dict
entry per cell; a repeatCell of a value only (the migration's default values) rewrites rows.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import cells
from .. import fields as masks
from ..a1 import Box
from ..conditions import ConditionError, normalise_validation
from ..grid import Sheet
from ..spreadsheet import normalise_format
from .registry import BatchContext, RequestError, field_mask, kind

_VALUE = "userEnteredValue"


def _value(cell: dict[str, Any]) -> cells.CellValue:
    try:
        return cells.from_extended(cell.get(_VALUE))
    except Exception as error:  # the 50,000-character limit
        raise RequestError(getattr(error, "message", str(error))) from None


def _rich(cell: dict[str, Any]) -> dict[str, Any]:
    out = {
        k: copy.deepcopy(v)
        for k, v in cell.items()
        if k not in (_VALUE, "effectiveValue", "formattedValue")
    }
    if out.get("note") == "":
        del out["note"]
    if out.get("dataValidation"):  # checked and stored as setDataValidation stores it
        try:
            out["dataValidation"] = normalise_validation(out["dataValidation"])
        except ConditionError as error:
            raise RequestError(str(error)) from None
    elif "dataValidation" in out:
        del out["dataValidation"]
    return out


def _merged(
    current: dict[str, Any], rich: dict[str, Any], mask: masks.Mask | None
) -> dict[str, Any]:
    """A cell's rich data after an update; formats echoed as Google does (see normalise_format)."""
    updated = dict(current)
    masks.apply_update(updated, rich, mask)
    if "userEnteredFormat" in updated:
        updated["userEnteredFormat"] = normalise_format(updated["userEnteredFormat"])
    return updated


def _write_cell(sheet: Sheet, row: int, col: int, cell: dict[str, Any], mask: masks.Mask) -> None:
    everything = "*" in mask
    if everything or _VALUE in mask:
        sheet.write(row, col, [[_value(cell)]])
    rich_mask = {k: v for k, v in mask.items() if k != _VALUE}
    if not rich_mask:
        return
    current = dict(sheet.extras.get((row, col), {}))
    updated = _merged(current, _rich(cell), None if everything else rich_mask)
    if updated != current:
        sheet.set_extra(row, col, updated, cleared=current.keys())


def write_cells(sheet: Sheet, box: Box, rows: list[dict[str, Any]], mask: masks.Mask) -> None:
    """Write CellData rows into a box (cells of the box the rows do not reach are cleared)."""
    only_values = set(mask) == {_VALUE}
    for r in range(box.start_row, box.end_row):
        row_cells = (
            (rows[r - box.start_row].get("values") or []) if r - box.start_row < len(rows) else []
        )
        if only_values:
            values = [
                _value(row_cells[c - box.start_col]) if c - box.start_col < len(row_cells) else ""
                for c in range(box.start_col, box.end_col)
            ]
            sheet.write(r, box.start_col, [values])
            continue
        for c in range(box.start_col, box.end_col):
            cell = row_cells[c - box.start_col] if c - box.start_col < len(row_cells) else {}
            _write_cell(sheet, r, c, cell, mask)


@kind("updateCells")
def update_cells(context: BatchContext, body: dict[str, Any]) -> None:
    mask = field_mask(body)
    rows = body.get("rows") or []
    if "range" in body:
        sheet, box = context.box(body["range"])
    else:
        start = body.get("start") or {}
        sheet = context.sheet(start.get("sheetId"))
        height = len(rows)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        sheet, box = context.box(
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": r0,
                "endRowIndex": r0 + height,
                "startColumnIndex": c0,
                "endColumnIndex": c0 + width,
            }
        )
    write_cells(sheet, box, rows, mask)
    return None


@kind("repeatCell")
def repeat_cell(context: BatchContext, body: dict[str, Any]) -> None:
    mask = field_mask(body)
    sheet, box = context.box(body.get("range") or {})
    cell = body.get("cell") or {}
    if "*" in mask or _VALUE in mask:
        sheet.fill(box, _value(cell))
    rich_mask = {k: v for k, v in mask.items() if k != _VALUE}
    if rich_mask:
        rich = _rich(cell)
        for r in range(box.start_row, box.end_row):
            for c in range(box.start_col, box.end_col):
                current = sheet.extras.get((r, c), {})
                updated = _merged(current, rich, None if "*" in mask else rich_mask)
                sheet.set_extra(r, c, updated, cleared=current.keys())
    return None


@kind("appendCells")
def append_cells(context: BatchContext, body: dict[str, Any]) -> None:
    mask = field_mask(body)
    sheet = context.sheet(body.get("sheetId"))
    rows = body.get("rows") or []
    start = sheet.used_box().end_row
    width = max((len(r.get("values") or []) for r in rows), default=0)
    grid = sheet.properties["gridProperties"]
    grid["rowCount"] = max(sheet.row_count, start + len(rows))
    grid["columnCount"] = max(sheet.col_count, width)
    write_cells(sheet, Box(start, start + len(rows), 0, width), rows, mask)
    return None


# --- merges and sorting -----------------------------------------------------------------------


def _intersects(a: dict[str, Any], box: Box) -> bool:
    return (
        a["startRowIndex"] < box.end_row
        and box.start_row < a["endRowIndex"]
        and a["startColumnIndex"] < box.end_col
        and box.start_col < a["endColumnIndex"]
    )


@kind("mergeCells")
def merge_cells(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, box = context.box(body.get("range") or {})
    merge_type = body.get("mergeType", "MERGE_ALL")
    if merge_type == "MERGE_ALL":
        pieces = [box]
    elif merge_type == "MERGE_COLUMNS":
        pieces = [
            Box(box.start_row, box.end_row, c, c + 1) for c in range(box.start_col, box.end_col)
        ]
    elif merge_type == "MERGE_ROWS":
        pieces = [
            Box(r, r + 1, box.start_col, box.end_col) for r in range(box.start_row, box.end_row)
        ]
    else:
        raise RequestError(f"Invalid mergeType: {merge_type}")
    sheet.merges = [m for m in sheet.merges if not _intersects(m, box)]
    for piece in pieces:
        if piece.rows * piece.cols < 2:
            continue
        anchor = sheet.cell(piece.start_row, piece.start_col)
        sheet.fill(piece, "")
        sheet.write(piece.start_row, piece.start_col, [[anchor]])
        sheet.merges.append(
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": piece.start_row,
                "endRowIndex": piece.end_row,
                "startColumnIndex": piece.start_col,
                "endColumnIndex": piece.end_col,
            }
        )
    return None


@kind("unmergeCells")
def unmerge_cells(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, box = context.box(body.get("range") or {})
    sheet.merges = [m for m in sheet.merges if not _intersects(m, box)]
    return None


def _sort_key(value: cells.CellValue) -> tuple[int, Any]:
    kind_ = type(value)
    if kind_ is str:
        return (1, value.lower())
    if kind_ is cells.Boolean:
        return (2, value.value)  # type: ignore[attr-defined]
    inner = value.value  # type: ignore[attr-defined]
    if isinstance(inner, int | float) and not isinstance(inner, bool):
        return (0, inner)
    return (1, str(inner).lower())


@kind("sortRange")
def sort_range(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, box = context.box(body.get("range") or {}, clamp=True)
    rows = [
        [sheet.cell(r, c) for c in range(box.start_col, box.end_col)]
        for r in range(box.start_row, box.end_row)
    ]
    for spec in reversed(body.get("sortSpecs") or []):
        column = int(spec.get("dimensionIndex", 0)) - box.start_col
        if not 0 <= column < box.cols:
            raise RequestError("sortSpecs[].dimensionIndex must be inside the range.")
        filled = [r for r in rows if r[column] != ""]
        blank = [r for r in rows if r[column] == ""]
        filled.sort(
            key=lambda r: _sort_key(r[column]), reverse=spec.get("sortOrder") == "DESCENDING"
        )
        rows = filled + blank
    sheet.write(box.start_row, box.start_col, rows)
    return None


# --- borders ----------------------------------------------------------------------------------


@kind("updateBorders")
def update_borders(context: BatchContext, body: dict[str, Any]) -> None:
    requested = masks.strip_nulls(body)
    sheet, _ = context.box(requested.get("range") or {})
    requested.setdefault("range", {})["sheetId"] = sheet.sheet_id
    sheet.borders.append(requested)
    return None
