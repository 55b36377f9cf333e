"""batchUpdate request kinds that copy and move cells: copyPaste, cutPaste, autoResizeDimensions.

Semantics from Google's reference (CopyPasteRequest, CutPasteRequest, PasteType, and the
discovery document's descriptions):

- **copyPaste** copies ``source`` to ``destination``. "If the range covers a span that's a
  multiple of the source's height or width, then the data will be repeated to fill in the
  destination range. If the range is smaller than the source range, the entire source data will
  still be copied (beyond the end of the destination range)." ``pasteOrientation: TRANSPOSE``
  turns rows into columns. A copied formula's relative references shift by the distance from
  its source cell to its target cell, ``$``-anchored parts stay, a reference shifted off the
  grid becomes ``#REF!`` (the copy semantics of a spreadsheet; :func:`shift_formula`, on
  openpyxl's formula tokenizer; unverified through the API by a recording). ``source`` and
  ``destination`` are GridRanges, each with its own ``sheetId``, so a paste may go from one tab
  to another (a forced rollback pastes a tab copied in by sheets.copyTo onto the worksheet: the
  same cells, so formulas keep their text).
- **cutPaste** moves ``source`` to the ``destination`` coordinate: "All the source data will be
  cut, regardless of what is pasted", so the source is cleared (values and cell data) and then
  the ``pasteType`` part is pasted. Moved formulas keep their text (a cut keeps references;
  unverified through the API). Not implemented: Google also repoints formulas elsewhere that
  referred to the cut cells.
- **pasteType**: PASTE_NORMAL (values, formulas, cell data such as formats and notes, merges),
  PASTE_NO_BORDERS (the same: borders are stored as requests here, never per cell, so no
  paste copies them), PASTE_VALUES (values only, a formula's value in place of the formula),
  PASTE_FORMAT ("the format only, excluding data validation": ``userEnteredFormat``),
  PASTE_FORMULA (values and formulas, no formats), PASTE_DATA_VALIDATION (a cell's
  ``dataValidation``). PASTE_CONDITIONAL_FORMATTING is refused as not implemented, and no paste
  copies conditional format rules.
- **autoResizeDimensions** validates its dimension range. The server renders no text, so a
  column's new width is an estimate from its longest line of text at Google's recorded rate:
  1,024 "A"s in the default font made the column 8,691 pixels wide (gspread's recording
  WorksheetTest.test_auto_resize_columns). A column only grows: one whose text fits keeps its
  width (Google also narrows it; unverified by how much), and row heights stay (fonts, wrapping
  and formats are ignored: approximated).
  ``dataSourceSheetDimensions`` is refused (no data source sheets here).

A destination whose pasted block would pass the grid's edge is refused with the grid-limit error
(unverified: Google may grow the sheet instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.formula.translate import Translator, TranslatorError

from .. import cells
from ..a1 import Box
from ..grid import COLUMNS, ROWS, Sheet
from ..ranges import grid_limit_error
from ..spreadsheet import COLUMN_PIXELS
from .registry import BatchContext, RequestError, kind

PASTE_TYPES = frozenset(
    {
        "PASTE_NORMAL",
        "PASTE_VALUES",
        "PASTE_FORMAT",
        "PASTE_NO_BORDERS",
        "PASTE_FORMULA",
        "PASTE_DATA_VALIDATION",
        "PASTE_CONDITIONAL_FORMATTING",
    }
)
ORIENTATIONS = frozenset({"NORMAL", "TRANSPOSE"})
_FORMAT = "userEnteredFormat"
_VALIDATION = "dataValidation"


def shift_formula(text: str, rows: int, cols: int) -> str:
    """A formula's text copied ``rows`` down and ``cols`` right: each A1 reference's relative
    parts move, ``$`` parts stay; a reference moved off the grid becomes ``#REF!``. Strings,
    numbers, function names and named ranges are left alone (tokens that are not ranges)."""
    try:
        tokens = Tokenizer(text).items
    except TokenizerError:
        return text
    out = ["="]
    for token in tokens:
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            try:
                out.append(Translator.translate_range(token.value, rows, cols))
            except TranslatorError:
                out.append("#REF!")
        else:
            out.append(token.value)
    return "".join(out)


@dataclass(frozen=True)
class _Cell:
    value: cells.CellValue
    extra: dict[str, Any] | None


def _read_block(sheet: Sheet, box: Box) -> list[list[_Cell]]:
    return [
        [
            _Cell(sheet.cell(r, c), sheet.extras.get((r, c)))
            for c in range(box.start_col, box.end_col)
        ]
        for r in range(box.start_row, box.end_row)
    ]


def _merges_inside(sheet: Sheet, box: Box) -> list[Box]:
    inside = []
    for merge in sheet.merges:
        m = _grid_box(merge)
        if (
            box.start_row <= m.start_row
            and m.end_row <= box.end_row
            and box.start_col <= m.start_col
            and m.end_col <= box.end_col
        ):
            inside.append(m)
    return inside


def _grid_box(grid_range: dict[str, Any]) -> Box:
    return Box(
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("endRowIndex", 0)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range.get("endColumnIndex", 0)),
    )


def _overlaps(a: Box, b: Box) -> bool:
    return (
        a.start_row < b.end_row
        and b.start_row < a.end_row
        and a.start_col < b.end_col
        and b.start_col < a.end_col
    )


def _paste_type(body: dict[str, Any]) -> str:
    paste_type = body.get("pasteType") or "PASTE_NORMAL"
    if paste_type not in PASTE_TYPES:
        raise RequestError(f"Invalid pasteType: {paste_type}")
    if paste_type == "PASTE_CONDITIONAL_FORMATTING":
        raise RequestError("PASTE_CONDITIONAL_FORMATTING is not implemented by this server.")
    return str(paste_type)


def _pasted_value(cell: _Cell, paste_type: str, rows: int, cols: int) -> cells.CellValue | None:
    """The value a target cell receives (None: its value stays)."""
    if paste_type in ("PASTE_FORMAT", "PASTE_DATA_VALIDATION"):
        return None
    value = cell.value
    if not isinstance(value, cells.Formula):
        return value
    if paste_type == "PASTE_VALUES":
        return cells.from_raw(value.value)
    if rows == 0 and cols == 0:
        return value
    return cells.formula(shift_formula(value.formula, rows, cols))


def _pasted_extra(cell: _Cell, current: dict[str, Any] | None, paste_type: str) -> dict[str, Any]:
    """A target cell's rich data after the paste."""
    source = dict(cell.extra or {})
    target = dict(current or {})
    if paste_type in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        return source
    if paste_type == "PASTE_FORMULA":  # values and formulas, no formats
        return target
    key = {"PASTE_FORMAT": _FORMAT, "PASTE_DATA_VALIDATION": _VALIDATION}.get(paste_type)
    if key is None:  # PASTE_VALUES
        return target
    target.pop(key, None)
    if key in source:
        target[key] = source[key]
    return target


@kind("copyPaste")
def copy_paste(context: BatchContext, body: dict[str, Any]) -> None:
    paste_type = _paste_type(body)
    orientation = body.get("pasteOrientation") or "NORMAL"
    if orientation not in ORIENTATIONS:
        raise RequestError(f"Invalid pasteOrientation: {orientation}")
    source_sheet, source = context.box(body.get("source") or {})
    target, destination = context.box(body.get("destination") or {})
    if source.rows == 0 or source.cols == 0:
        return None
    block = _read_block(source_sheet, source)
    transpose = orientation == "TRANSPOSE"
    if transpose:
        block = [list(column) for column in zip(*block, strict=True)]
    height, width = len(block), len(block[0])
    repeat_rows = _repeats(destination.rows, height)
    repeat_cols = _repeats(destination.cols, width)
    footprint = Box(
        destination.start_row,
        destination.start_row + height * repeat_rows,
        destination.start_col,
        destination.start_col + width * repeat_cols,
    )
    if footprint.end_row > target.row_count or footprint.end_col > target.col_count:
        raise RequestError(grid_limit_error(target.title, footprint, target).message)
    merges = _merges_inside(source_sheet, source) if paste_type in _WITH_MERGES else []
    if paste_type in _WITH_MERGES:
        _drop_merges(target, footprint)
    for tile_row in range(repeat_rows):
        for tile_col in range(repeat_cols):
            top = destination.start_row + tile_row * height
            left = destination.start_col + tile_col * width
            _paste_tile(target, top, left, block, source, paste_type, transpose)
            for merge in merges:
                _add_merge(target, _placed(merge, source, top, left, transpose))
    return None


_WITH_MERGES = frozenset({"PASTE_NORMAL", "PASTE_NO_BORDERS"})


def _paste_tile(
    target: Sheet,
    top: int,
    left: int,
    block: list[list[_Cell]],
    source: Box,
    paste_type: str,
    transpose: bool,
) -> None:
    rows_out: list[list[cells.CellValue | None]] = []
    for i, row in enumerate(block):
        out: list[cells.CellValue | None] = []
        for j, cell in enumerate(row):
            r, c = top + i, left + j
            source_r, source_c = (
                (source.start_row + j, source.start_col + i)
                if transpose
                else (source.start_row + i, source.start_col + j)
            )
            out.append(_pasted_value(cell, paste_type, r - source_r, c - source_c))
            _set_extra(target, r, c, _pasted_extra(cell, target.extras.get((r, c)), paste_type))
        rows_out.append(out)
    target.write(top, left, rows_out)


def _set_extra(sheet: Sheet, row: int, col: int, extra: dict[str, Any]) -> None:
    if extra:
        sheet.extras[(row, col)] = extra
    else:
        sheet.extras.pop((row, col), None)


def _repeats(span: int, size: int) -> int:
    """How many times a block of ``size`` fills a destination ``span`` (the reference: repeated
    when the span is a multiple of the source's size, else copied once)."""
    return span // size if span >= size and span % size == 0 else 1


def _placed(merge: Box, source: Box, top: int, left: int, transpose: bool) -> Box:
    dr, dc = merge.start_row - source.start_row, merge.start_col - source.start_col
    if transpose:
        return Box(top + dc, top + dc + merge.cols, left + dr, left + dr + merge.rows)
    return Box(top + dr, top + dr + merge.rows, left + dc, left + dc + merge.cols)


def _drop_merges(sheet: Sheet, box: Box) -> None:
    sheet.merges = [m for m in sheet.merges if not _overlaps(_grid_box(m), box)]


def _add_merge(sheet: Sheet, box: Box) -> None:
    sheet.merges.append(
        {
            "sheetId": sheet.sheet_id,
            "startRowIndex": box.start_row,
            "endRowIndex": box.end_row,
            "startColumnIndex": box.start_col,
            "endColumnIndex": box.end_col,
        }
    )


@kind("cutPaste")
def cut_paste(context: BatchContext, body: dict[str, Any]) -> None:
    paste_type = _paste_type(body)
    source_sheet, source = context.box(body.get("source") or {})
    coordinate = body.get("destination")
    if not isinstance(coordinate, dict):
        raise RequestError("destination is required.")
    target = context.sheet(coordinate.get("sheetId"))
    top, left = int(coordinate.get("rowIndex", 0)), int(coordinate.get("columnIndex", 0))
    if top < 0 or left < 0:
        raise RequestError("destination.rowIndex and columnIndex must not be negative.")
    if source.rows == 0 or source.cols == 0:
        return None
    footprint = Box(top, top + source.rows, left, left + source.cols)
    if footprint.end_row > target.row_count or footprint.end_col > target.col_count:
        raise RequestError(grid_limit_error(target.title, footprint, target).message)
    block = _read_block(source_sheet, source)
    merges = _merges_inside(source_sheet, source)
    # "All the source data will be cut, regardless of what is pasted."
    source_sheet.clear(source)
    for r in range(source.start_row, source.end_row):
        for c in range(source.start_col, source.end_col):
            source_sheet.extras.pop((r, c), None)
    source_sheet.merges = [m for m in source_sheet.merges if _grid_box(m) not in merges]
    if paste_type in _WITH_MERGES:
        _drop_merges(target, footprint)
    rows_out: list[list[cells.CellValue | None]] = []
    for i, row in enumerate(block):
        out: list[cells.CellValue | None] = []
        for j, cell in enumerate(row):
            out.append(_pasted_value(cell, paste_type, 0, 0))
            r, c = top + i, left + j
            _set_extra(target, r, c, _pasted_extra(cell, target.extras.get((r, c)), paste_type))
        rows_out.append(out)
    target.write(top, left, rows_out)
    if paste_type in _WITH_MERGES:
        for merge in merges:
            _add_merge(target, _placed(merge, source, top, left, False))
    return None


@kind("autoResizeDimensions")
def auto_resize_dimensions(context: BatchContext, body: dict[str, Any]) -> None:
    if body.get("dataSourceSheetDimensions") is not None:
        raise RequestError("Data source sheets are not implemented by this server.")
    dimensions = body.get("dimensions")
    if not isinstance(dimensions, dict):
        raise RequestError("dimensions is required.")
    sheet = context.sheet(dimensions.get("sheetId"))
    dimension = dimensions.get("dimension")
    if dimension not in (ROWS, COLUMNS):
        raise RequestError("dimensions.dimension must be ROWS or COLUMNS.")
    size = sheet.row_count if dimension == ROWS else sheet.col_count
    start = int(dimensions.get("startIndex", 0))
    end = int(dimensions.get("endIndex", size))
    if start < 0 or end <= start:
        raise RequestError("dimensions.startIndex must be less than dimensions.endIndex.")
    if end > size:  # wording unverified
        word = "row" if dimension == ROWS else "column"
        raise RequestError(
            f"dimensions.endIndex ({end}) must be less than or equal to the sheet's {word} "
            f"count ({size})."
        )
    if dimension == COLUMNS:
        _fit_columns(sheet, start, end)
    return None


# Pixels per character of the default font: 1,024 "A"s fitted to 8,691 px (module docstring).
_PIXELS_PER_CHAR = 8691 / 1024


def _fit_columns(sheet: Sheet, start: int, end: int) -> None:
    """Columns [start, end) widened to their longest line of text (an estimate, see above)."""
    longest = [0] * (end - start)
    for row in sheet.rows:
        for offset, text in enumerate(row[start:end]):
            if text:
                longest[offset] = max(longest[offset], *map(len, text.split("\n")))
    properties = sheet.dimension_properties[COLUMNS]
    for offset, chars in enumerate(longest):
        fitted = dict(properties.get(start + offset, {}))
        width = round(chars * _PIXELS_PER_CHAR)
        if width > fitted.get("pixelSize", COLUMN_PIXELS):
            fitted["pixelSize"] = width
            properties[start + offset] = fitted
