"""batchUpdate request kinds on rows and columns: insertDimension, appendDimension,
deleteDimension, moveDimension, updateDimensionProperties, addDimensionGroup,
deleteDimensionGroup.

Inserting, deleting and moving rows or columns keeps what is anchored to cells on its cells
(:meth:`BatchContext.dimension_changed`: named ranges, developer metadata, formula references).
"""

from __future__ import annotations

from typing import Any

from .. import fields as masks
from ..grid import COLUMNS, ROWS, Change
from ..spreadsheet import render_grid_range
from .registry import BatchContext, RequestError, field_mask, kind


@kind("insertDimension")
def insert_dimension(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = context.dimension_range(body.get("range") or {})
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
    sheet, dimension, start, end = context.dimension_range(body.get("range") or {})
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
    sheet, dimension, start, end = context.dimension_range(body.get("source") or {})
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
    sheet, dimension, start, end = context.dimension_range(body.get("range") or {})
    mask = field_mask(body)
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
    sheet, dimension, start, end = context.dimension_range(body.get("range") or {})
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
    sheet, dimension, start, end = context.dimension_range(body.get("range") or {})
    groups = sheet.dimension_groups[dimension]
    kept = [g for g in groups if (g["range"]["startIndex"], g["range"]["endIndex"]) != (start, end)]
    if len(kept) == len(groups):
        raise RequestError("No dimension group matches the given range.")
    sheet.dimension_groups[dimension] = kept
    return {"dimensionGroups": _render_groups(kept)} if kept else {}
