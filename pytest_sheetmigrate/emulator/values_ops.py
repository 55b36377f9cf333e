"""values.* operations of the state model: :class:`ValuesService`.

get, batchGet, update, batchUpdate, batchUpdateByDataFilter, append, clear, batchClear, with
Google's shapes: rows and columns trimmed of trailing empty cells (``values`` left out when
empty), ranges echoed in normal form and clamped to the grid, ``updatedRange`` shaped by the
data written, null values leaving their cells alone (and not counted), "exceeds grid limits"
refused, the standard ``fields`` parameter selecting the parts of each answer (a partial
response). Parsing of
``valueInputOption`` and rendering of ``valueRenderOption`` live in :mod:`cells`.

append's table detection (:func:`find_table`) is an approximation of Google's: the table is the
block of data around the last non-empty row of the range, grown while a neighbouring row or
column inside the range has data.
"""

from __future__ import annotations

import contextlib
import copy
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import a1, cells, protection
from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .grid import COLUMNS, ROWS, Sheet
from .metadata import matching_metadata
from .ranges import grid_limit_error, read_box, resolve_range, response_mask
from .spreadsheet import Spreadsheet
from .state import SheetsState


class ValuesService:
    """The values.* operations on the shared state (see the module docstring)."""

    def __init__(self, state: SheetsState) -> None:
        self.state = state

    def get(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002 - the API's name
        major_dimension: str | None = None,
        value_render_option: str | None = None,
        date_time_render_option: str | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.get(spreadsheet_id)
        out = self._value_range(
            spreadsheet, range, major_dimension, value_render_option, date_time_render_option
        )
        return masks.select(out, mask)

    def _value_range(
        self,
        spreadsheet: Spreadsheet,
        text: str,
        major_dimension: str | None,
        render: str | None,
        date_render: str | None,
    ) -> dict[str, Any]:
        sheet, box = read_box(spreadsheet, text)
        major = major_dimension or ROWS
        out: dict[str, Any] = {"range": a1.format_range(sheet.title, box), "majorDimension": major}
        values = render_values(sheet, box, render, date_render, major)
        if values:
            out["values"] = values
        return out

    def batch_get(
        self,
        spreadsheet_id: str,
        ranges: list[str] | None = None,
        major_dimension: str | None = None,
        value_render_option: str | None = None,
        date_time_render_option: str | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.get(spreadsheet_id)
        out = {
            "spreadsheetId": spreadsheet_id,
            "valueRanges": [
                self._value_range(
                    spreadsheet, text, major_dimension, value_render_option, date_time_render_option
                )
                for text in ranges or []
            ],
        }
        return masks.select(out, mask)

    def update(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002
        body: dict[str, Any],
        value_input_option: str | None = None,
        include_values_in_response: bool | None = None,
        response_value_render_option: str | None = None,
        response_date_time_render_option: str | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        result = self._write(
            spreadsheet,
            range,
            body,
            value_input_option,
            include_values_in_response,
            response_value_render_option,
            response_date_time_render_option,
        )
        self.state.commit(spreadsheet)
        return masks.select(result, mask)

    def _write(
        self,
        spreadsheet: Spreadsheet,
        text: str,
        body: dict[str, Any],
        input_option: str | None,
        include_values: bool | None = None,
        render: str | None = None,
        date_render: str | None = None,
    ) -> dict[str, Any]:
        sheet, box = resolve_range(spreadsheet, text)
        return self._write_box(
            spreadsheet, sheet, box, body, input_option, include_values, render, date_render
        )

    def _write_box(
        self,
        spreadsheet: Spreadsheet,
        sheet: Sheet,
        box: Box,
        body: dict[str, Any],
        input_option: str | None,
        include_values: bool | None = None,
        render: str | None = None,
        date_render: str | None = None,
        *,
        within: bool = False,
    ) -> dict[str, Any]:
        """Write ``body``'s values from the box's corner; ``within``: never past the box (a
        data filter's matched range), else a single-cell range grows as A1 writes do."""
        parse = _input_parser(input_option)
        data = _body_rows(body, parse)
        rows = len(data)
        cols = max((len(r) for r in data), default=0)
        written = Box(box.start_row, box.start_row + rows, box.start_col, box.start_col + cols)
        single_cell = box.rows == 1 and box.cols == 1
        if rows and (within or not single_cell):
            _check_within(sheet, box, written)
        if written.end_row > sheet.row_count or written.end_col > sheet.col_count:
            raise grid_limit_error(sheet.title, written if rows else box, sheet)
        protection.check_cells(spreadsheet, self.state.caller, sheet, written)
        sheet.write(box.start_row, box.start_col, data)
        out: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if not rows:
            out["updatedRange"] = a1.format_range(sheet.title, box)
            return out
        out.update({"updatedRange": a1.format_range(sheet.title, written), **_counts(data)})
        if include_values:
            out["updatedData"] = {
                "range": a1.format_range(sheet.title, written),
                "majorDimension": ROWS,
            }
            values = render_values(sheet, written, render, date_render, ROWS)
            if values:
                out["updatedData"]["values"] = values
        return out

    def batch_update(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        responses = []
        for item in body.get("data") or []:
            responses.append(
                self._write(
                    spreadsheet,
                    item.get("range", ""),
                    item,
                    body.get("valueInputOption"),
                    body.get("includeValuesInResponse"),
                    body.get("responseValueRenderOption"),
                    body.get("responseDateTimeRenderOption"),
                )
            )
        self.state.commit(spreadsheet)
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        out.update(_totals(responses))
        out["responses"] = responses
        return masks.select(out, mask)

    def batch_update_by_data_filter(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        """values.batchUpdateByDataFilter: each DataFilterValueRange written at every range its
        ``dataFilter`` matches NOW (a column's developer metadata moves with the column).

        Reference (discovery document, DataFilterValueRange.values): "If the provided values
        exceed any of the ranges matched by the data filter then the request fails. If the
        provided values are less than the matched ranges only the specified values are
        written, existing values in the matched ranges remain unaffected."; ValueRange.values:
        "Null values will be skipped"; BatchUpdateValuesByDataFilterRequest.data: "If more than
        one range is matched by the specified DataFilter the specified values are applied to
        all of those ranges". A filter is ``a1Range``, ``gridRange`` or
        ``developerMetadataLookup`` (column, row or sheet metadata: the whole column, row or
        sheet). Unverified: what Google answers for a filter that matches nothing (here: no
        response entry for it, nothing written) and for spreadsheet-located metadata (here:
        it selects no range).
        """
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        responses = []
        for item in body.get("data") or []:
            data_filter = item.get("dataFilter") or {}
            for sheet, box in self._filter_boxes(spreadsheet, data_filter):
                response = self._write_box(
                    spreadsheet,
                    sheet,
                    box,
                    item,
                    body.get("valueInputOption"),
                    body.get("includeValuesInResponse"),
                    body.get("responseValueRenderOption"),
                    body.get("responseDateTimeRenderOption"),
                    within=True,
                )
                response.pop("spreadsheetId", None)
                responses.append({**response, "dataFilter": copy.deepcopy(data_filter)})
        self.state.commit(spreadsheet)
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        out.update(_totals(responses))
        out["responses"] = responses
        return masks.select(out, mask)

    def _filter_boxes(
        self, spreadsheet: Spreadsheet, data_filter: dict[str, Any]
    ) -> list[tuple[Sheet, Box]]:
        """The ranges a DataFilter matches now (its ``filter`` is a oneof: exactly one kind)."""
        kinds = [k for k in ("a1Range", "gridRange", "developerMetadataLookup") if k in data_filter]
        if len(kinds) != 1:
            raise errors.invalid_argument(
                "Invalid dataFilter: exactly one of a1Range, gridRange or "
                "developerMetadataLookup must be set"
            )
        if "a1Range" in data_filter:
            return [read_box(spreadsheet, str(data_filter["a1Range"]))]
        if "gridRange" in data_filter:
            grid = data_filter["gridRange"]
            sheet = spreadsheet.sheet_by_id(int(grid.get("sheetId", 0)))
            if sheet is None:
                raise errors.invalid_argument(f"No grid with id: {grid.get('sheetId', 0)}")
            box = Box(
                int(grid.get("startRowIndex", 0)),
                int(grid.get("endRowIndex", sheet.row_count)),
                int(grid.get("startColumnIndex", 0)),
                int(grid.get("endColumnIndex", sheet.col_count)),
            )
            if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
                raise grid_limit_error(sheet.title, box, sheet)
            return [(sheet, box)]
        found = []
        for metadata in matching_metadata(spreadsheet, data_filter["developerMetadataLookup"]):
            place = _metadata_box(spreadsheet, metadata["location"])
            if place is not None:
                found.append(place)
        return found

    def append(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002
        body: dict[str, Any],
        value_input_option: str | None = None,
        insert_data_option: str | None = None,
        include_values_in_response: bool | None = None,
        response_value_render_option: str | None = None,
        response_date_time_render_option: str | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        parse = _input_parser(value_input_option)
        sheet, box = resolve_range(spreadsheet, range)
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            raise grid_limit_error(sheet.title, box, sheet)
        data = _body_rows(body, parse)
        table = find_table(sheet, box)
        rows = len(data)
        cols = max((len(r) for r in data), default=0)
        if table is None:
            start_row, start_col = box.start_row, box.start_col
        else:
            start_row, start_col = table.end_row, table.start_col
        if insert_data_option == "INSERT_ROWS" and rows:
            protection.check_insert(spreadsheet, self.state.caller, sheet, ROWS, start_row)
            sheet.insert(ROWS, start_row, rows)
        written = Box(start_row, start_row + rows, start_col, start_col + cols)
        protection.check_cells(spreadsheet, self.state.caller, sheet, written)
        if written.end_row > sheet.row_count:
            sheet.properties["gridProperties"]["rowCount"] = written.end_row
        if written.end_col > sheet.col_count:
            sheet.properties["gridProperties"]["columnCount"] = written.end_col
        sheet.write(start_row, start_col, data)
        self.state.commit(spreadsheet)
        updates: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if rows:
            updates.update({"updatedRange": a1.format_range(sheet.title, written), **_counts(data)})
            if include_values_in_response:
                updated: dict[str, Any] = {
                    "range": a1.format_range(sheet.title, written),
                    "majorDimension": ROWS,
                }
                values = render_values(
                    sheet,
                    written,
                    response_value_render_option,
                    response_date_time_render_option,
                    ROWS,
                )
                if values:
                    updated["values"] = values
                updates["updatedData"] = updated
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if table is not None:
            out["tableRange"] = a1.format_range(sheet.title, table)
        out["updates"] = updates
        return masks.select(out, mask)

    def clear(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        cleared = self._clear(spreadsheet, range)
        self.state.commit(spreadsheet)
        return masks.select({"spreadsheetId": spreadsheet_id, "clearedRange": cleared}, mask)

    def _clear(self, spreadsheet: Spreadsheet, text: str) -> str:
        sheet, box = read_box(spreadsheet, text)
        protection.check_cells(spreadsheet, self.state.caller, sheet, box)
        sheet.clear(box)
        return a1.format_range(sheet.title, box)

    def batch_clear(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        cleared = [self._clear(spreadsheet, text) for text in body.get("ranges") or []]
        self.state.commit(spreadsheet)
        out = {"spreadsheetId": spreadsheet_id, "clearedRanges": cleared}
        return masks.select(out, mask)


def _input_parser(option: str | None) -> Callable[[Any], cells.CellValue | None]:
    if option == "RAW":
        return cells.from_raw
    if option == "USER_ENTERED":
        return cells.from_user_entered
    raise errors.invalid_argument(
        f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}"
    )


def _body_rows(
    body: dict[str, Any], parse: Callable[[Any], cells.CellValue | None]
) -> list[list[Any]]:
    """The body's values as rows of stored values (COLUMNS input transposed)."""
    values = body.get("values") or []
    if body.get("majorDimension") == COLUMNS:
        height = max((len(c) for c in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    if parse is cells.from_raw:
        return [_raw_row(row) for row in values]
    return [[parse(v) for v in row] for row in values]


def _raw_row(row: list[Any]) -> list[Any]:
    """RAW input, fast when every value is a short string (the common case)."""
    if all(type(v) is str for v in row) and (not row or max(map(len, row)) <= cells.MAX_CELL_CHARS):
        return row
    return [cells.from_raw(v) for v in row]


def _counts(data: list[list[Any]]) -> dict[str, int]:
    """updatedRows/Columns/Cells: rows, columns and cells that received a value (a null in
    the body leaves its cell alone and is not counted)."""
    if all(None not in row for row in data):
        width = max((len(r) for r in data), default=0)
        return {
            "updatedRows": len(data),
            "updatedColumns": width,
            "updatedCells": sum(map(len, data)),
        }
    rows = [r for r in data if any(v is not None for v in r)]
    columns = {c for r in rows for c, v in enumerate(r) if v is not None}
    cells_ = sum(1 for r in rows for v in r if v is not None)
    return {"updatedRows": len(rows), "updatedColumns": len(columns), "updatedCells": cells_}


def _totals(responses: list[dict[str, Any]]) -> dict[str, int]:
    """totalUpdatedRows/Columns/Cells/Sheets over the written responses (none: left out)."""
    written = [r for r in responses if "updatedCells" in r]
    if not written:
        return {}
    return {
        "totalUpdatedRows": sum(r["updatedRows"] for r in written),
        "totalUpdatedColumns": max(r["updatedColumns"] for r in written),
        "totalUpdatedCells": sum(r["updatedCells"] for r in written),
        "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in written}),
    }


def _metadata_box(spreadsheet: Spreadsheet, location: dict[str, Any]) -> tuple[Sheet, Box] | None:
    """The cells a metadata entry is on: its rows or columns (every row or column of the
    grid across), or its whole sheet; None for the spreadsheet itself."""
    if "dimensionRange" in location:
        span = location["dimensionRange"]
        sheet = spreadsheet.sheet_by_id(int(span.get("sheetId", 0)))
        if sheet is None:
            return None
        start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", 0))
        if span.get("dimension") == ROWS:
            return sheet, Box(start, end, 0, sheet.col_count)
        return sheet, Box(0, sheet.row_count, start, end)
    if "sheetId" in location:
        sheet = spreadsheet.sheet_by_id(int(location["sheetId"]))
        return None if sheet is None else (sheet, Box(0, sheet.row_count, 0, sheet.col_count))
    return None


def _check_within(sheet: Sheet, box: Box, written: Box) -> None:
    where = a1.format_range(sheet.title, box)
    if written.end_row > box.end_row:
        raise errors.invalid_argument(
            f"Requested writing within range [{where}], "
            f"but tried writing to row [{written.end_row}]"
        )
    if written.end_col > box.end_col:
        column = a1.cells_a1(Box(0, 1, written.end_col - 1, written.end_col)).rstrip("0123456789")
        raise errors.invalid_argument(
            f"Requested writing within range [{where}], but tried writing to column [{column}]"
        )


def render_values(
    sheet: Sheet, box: Box, render: str | None, date_render: str | None, major: str
) -> list[Sequence[Any]]:
    """The values of a box as values.get returns them (trimmed, rendered, maybe transposed):
    rows as lists or tuples, both written as JSON arrays."""
    option = render or cells.FORMATTED_VALUE
    rows: list[Sequence[Any]]
    if option == cells.FORMATTED_VALUE:
        # The grid stores every cell's formatted text: its immutable row tuples are handed out
        # as they are (JSON writes them as arrays), so a whole-sheet read builds no container
        # per row for the garbage collector to walk (that walk was 0.19 s of a 0.23 s render).
        rows = list(sheet.read(box))
    else:
        with _collector_paused(box.rows):
            date_option = date_render or cells.SERIAL_NUMBER
            rows = list(
                sheet.read_values(
                    box, lambda text, kind: cells.render_stored(text, kind, option, date_option)
                )
            )
    if major != COLUMNS:
        return rows
    width = max((len(r) for r in rows), default=0)
    columns: list[Sequence[Any]] = []
    for c in range(width):
        column = [r[c] if c < len(r) else "" for r in rows]
        while column and column[-1] == "":
            column.pop()
        columns.append(column)
    return columns


_PAUSE_FROM_ROWS = 10_000


@contextlib.contextmanager
def _collector_paused(rows: int) -> Iterator[None]:
    """Pause the garbage collector while a large read builds its row lists.

    Building 100,000 lists sets off several full collections, each walking every list built so
    far (about 0.3 s of a 0.45 s whole-sheet read), though lists of strings cannot form a
    cycle. The collector is turned back on afterwards unless it was off to begin with.
    """
    if rows < _PAUSE_FROM_ROWS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def find_table(sheet: Sheet, box: Box) -> Box | None:
    """The table values.append appends to: the block of data around the last non-empty cell
    of the range (grown while a neighbouring row or column inside the range has data).

    A one-row range (``Sheet1!A1``, ``Sheet1!A1:C1``: gspread's ``append_row(table_range=...)``)
    only says where the table starts: the table found in that row grows down and to the right
    past the range, so the values go after the table's last row (values.append reference:
    "Values are appended after the last row of the table"). How far Google grows it sideways
    past a one-row range is unverified (recordings show only a table that ends at its range).
    """
    last_row = None
    for r in range(min(box.end_row, len(sheet.rows)) - 1, box.start_row - 1, -1):
        part = sheet.rows[r][box.start_col : box.end_col]
        if any(v != "" for v in part):
            last_row = r
            break
    if last_row is None:
        return None
    # How far the table may grow: inside the range, or past it for a one-row range.
    bottom, right_edge = box.end_row, box.end_col
    if box.rows == 1:
        bottom, right_edge = sheet.row_count, sheet.col_count
    part = sheet.rows[last_row][box.start_col : box.end_col]
    last_col = box.start_col + max(i for i, v in enumerate(part) if v != "")
    first_col = last_col
    while first_col > box.start_col and sheet.cell(last_row, first_col - 1) != "":
        first_col -= 1
    top, left, right = last_row, first_col, last_col
    changed = True
    while changed:
        changed = False
        while top > box.start_row and _has_data(
            sheet, top - 1, max(left - 1, box.start_col), min(right + 2, right_edge)
        ):
            top -= 1
            changed = True
        while last_row + 1 < bottom and _has_data(
            sheet, last_row + 1, max(left - 1, box.start_col), min(right + 2, right_edge)
        ):
            last_row += 1
            changed = True
        for r in range(top, last_row + 1):
            while left > box.start_col and sheet.cell(r, left - 1) != "":
                left -= 1
                changed = True
            while right + 1 < right_edge and sheet.cell(r, right + 1) != "":
                right += 1
                changed = True
    return Box(top, last_row + 1, left, right + 1)


def _has_data(sheet: Sheet, row: int, start_col: int, end_col: int) -> bool:
    if row >= len(sheet.rows):
        return False
    return any(v != "" for v in sheet.rows[row][start_col:end_col])
