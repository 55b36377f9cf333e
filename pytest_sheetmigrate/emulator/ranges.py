"""A1 range texts resolved against a spreadsheet, and the partial-response masks of requests.

Pure functions of a :class:`Spreadsheet` (no server state): a range text (``Sheet1!A1:B2``,
``A:C``, a named range, ``'Sheet1'!MyRange``) becomes a sheet and a :class:`Box`, open sides
filled in; a range past the grid is Google's "exceeds grid limits" error.
"""

from __future__ import annotations

from . import a1
from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .grid import Sheet
from .spreadsheet import Spreadsheet


def grid_limit_error(title: str, box: Box, sheet: Sheet) -> errors.ApiError:
    quoted = "'" + title.replace("'", "''") + "'"
    return errors.invalid_argument(
        f"Range ({quoted}!{a1.cells_a1(box)}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


def resolve_range(spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box]:
    """A range text against a spreadsheet: its sheet and box, open sides filled in."""
    try:
        parsed = a1.parse(text)
    except a1.RangeSyntaxError:
        named = _sheet_qualified_named_range(spreadsheet, text)
        if named is None:
            raise errors.invalid_argument(f"Unable to parse range: {text}") from None
        return named
    if parsed.sheet is None:
        sheet = spreadsheet.sheets[0]
    else:
        found = spreadsheet.sheet_by_title(parsed.sheet)
        if found is None:
            named = _named_range_box(spreadsheet, parsed)
            if named is None:
                raise errors.invalid_argument(f"Unable to parse range: {text}")
            return named
        sheet = found
    return sheet, a1.resolve(parsed, sheet.row_count, sheet.col_count)


def read_box(spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box]:
    """:func:`resolve_range`, refused past the grid (a read or a clear)."""
    sheet, box = resolve_range(spreadsheet, text)
    if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
        raise grid_limit_error(sheet.title, box, sheet)
    return sheet, box


def _sheet_qualified_named_range(spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box] | None:
    """``'Sheet1'!MyRange``, as gspread's ``Worksheet.get("MyRange")`` sends it, is the named
    range, wherever it lies: gspread's ``Spreadsheet.named_range`` reads any named range
    through the first sheet (gspread PR 941, issue 876). Unverified: whether Google checks
    that the sheet named exists (it is required here)."""
    try:
        title, cells = a1.split_sheet(text)
    except a1.RangeSyntaxError:
        return None
    if title is None or cells is None or spreadsheet.sheet_by_title(title) is None:
        return None
    return _named_range_box(spreadsheet, a1.A1Range(sheet=cells))


def _named_range_box(spreadsheet: Spreadsheet, parsed: a1.A1Range) -> tuple[Sheet, Box] | None:
    if parsed.start_row is not None or parsed.start_col is not None:
        return None
    for named in spreadsheet.named_ranges:
        if named["name"] == parsed.sheet:
            grid = named["range"]
            sheet = spreadsheet.sheet_by_id(grid.get("sheetId", 0))
            if sheet is None:
                return None
            return sheet, Box(
                grid.get("startRowIndex", 0),
                grid.get("endRowIndex", sheet.row_count),
                grid.get("startColumnIndex", 0),
                grid.get("endColumnIndex", sheet.col_count),
            )
    return None


def response_mask(fields: str | None) -> masks.Mask | None:
    """The standard ``fields`` parameter parsed (None: the whole answer); Google's 400 if bad."""
    if not fields:
        return None
    try:
        return masks.parse(fields)
    except masks.MaskSyntaxError:
        raise errors.invalid_argument(f"Invalid field selection {fields}") from None
