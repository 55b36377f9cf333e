"""The reader against the in-process local server, through real gspread: what it reads, in which
chunks, and how many requests that takes (the server's own count)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from live_sheet import DEMO_ROWS, LiveSheet

from pytest_sheetmigrate import demo, reader
from pytest_sheetmigrate.a1 import absolute_range_name, column_letter
from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.errors import SheetStateError
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader, rows_per_chunk
from pytest_sheetmigrate.schema import Schema, load_schema
from pytest_sheetmigrate.transport import sheets_client

TITLE = demo.WORKSHEET
WIDTH = len(demo.header())
KEY = "TAG_SPOOL"  # the key of tests/v3.0/schema.toml
KEY_INDEX = demo.header().index(KEY)
KEY_LETTER = column_letter(KEY_INDEX)
GRID_ROWS = DEMO_ROWS + 1 + 10  # live_sheet's grid: the header, the data rows, 10 empty rows
VALUES_READ = "GET /v4/spreadsheets/{spreadsheetId}/values:batchGet"
METADATA_READ = "GET /v4/spreadsheets/{spreadsheetId}"


@pytest.fixture
def gateway(live_sheet: LiveSheet) -> SheetGateway:
    return SheetGateway(sheets_client(live_sheet.url), live_sheet.key, endpoint=live_sheet.url)


@pytest.fixture
def schema(live_sheet: LiveSheet) -> Schema:
    return load_schema(live_sheet.settings().schema_path)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 7 rows of the demo's width before any answer is measured."""
    monkeypatch.setattr(reader, "MIN_CHUNK_ROWS", 1)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 7 * reader.BYTES_PER_CELL * WIDTH)
    return 7


def reset_stats(sheet: LiveSheet) -> None:
    requests.post(f"{sheet.url}/_emulator/stats/reset", timeout=10).raise_for_status()


def requests_of(sheet: LiveSheet, endpoint: str) -> int:
    return int(sheet.stats()["by_endpoint"].get(endpoint, 0))


def in_one_request(gateway: SheetGateway, first: int, last: int) -> list[list[Any]]:
    (rows,) = gateway.read([absolute_range_name(TITLE, f"{first}:{last}")])
    return rows + [[] for _ in range(last - first + 1 - len(rows))]


def write(gateway: SheetGateway, cells: str, values: list[list[Any]]) -> None:
    """Cells written as typed into the UI, straight through gspread (not the engine)."""
    gateway.client.open_by_key(gateway.key).worksheet(TITLE).update(
        range_name=cells, values=values, value_input_option="USER_ENTERED"
    )


def test_the_chunk_rule_asks_for_about_4_mb_first_by_guess_then_by_the_last_answer() -> None:
    # 4 MB since issue 14 item 5 (measured in reader.CHUNK_BYTES' docstring): twice 2 MB's rows
    assert rows_per_chunk(65) == 5_377  # the demo's 65 columns at 12 bytes a cell
    assert rows_per_chunk(3, bytes_per_row=2048.0) == 2048
    assert rows_per_chunk(1) == reader.MAX_CHUNK_ROWS
    assert rows_per_chunk(100_000) == reader.MIN_CHUNK_ROWS
    assert rows_per_chunk(0) == rows_per_chunk(1)


def test_rows_in_chunks_are_the_rows_of_one_read_and_one_request_each(
    live_sheet: LiveSheet, gateway: SheetGateway, small_chunks: int
) -> None:
    whole = in_one_request(gateway, 2, DEMO_ROWS + 1)
    reset_stats(live_sheet)

    chunks = list(SheetReader(gateway).data_rows(TITLE, DEMO_ROWS, WIDTH))

    assert [row for chunk in chunks for row in chunk] == whole
    assert len(chunks[0]) == small_chunks
    assert len(chunks) > 2
    assert requests_of(live_sheet, VALUES_READ) == len(chunks)


def test_the_next_chunk_is_sized_from_the_bytes_the_last_answer_took(
    live_sheet: LiveSheet, gateway: SheetGateway, small_chunks: int
) -> None:
    chunks = SheetReader(gateway).data_rows(TITLE, DEMO_ROWS, WIDTH)
    reset_stats(live_sheet)
    first = next(chunks)
    answer_bytes = live_sheet.stats()["bytes_out"]

    second = next(chunks)

    assert len(first) == small_chunks
    assert len(second) == rows_per_chunk(WIDTH, answer_bytes / len(first))


def test_a_chunk_boundary_between_a_formula_and_its_column_keeps_every_kind(
    gateway: SheetGateway, small_chunks: int
) -> None:
    write(gateway, "B7:B9", [["=A7*2"], ["'=A8*2"], ["=A9*2"]])  # across the 7-row boundary

    rows = [row for chunk in SheetReader(gateway).rows(TITLE, 1, 12, WIDTH) for row in chunk]

    cells = [rows[row - 1][1] for row in (7, 8, 9)]
    assert cells == ["=A7*2", "=A8*2", "=A9*2"]
    assert [type(cell) for cell in cells] == [Formula, str, Formula]


def test_trailing_empty_rows_come_as_empty_rows_without_a_request_more(
    live_sheet: LiveSheet, gateway: SheetGateway
) -> None:
    reset_stats(live_sheet)

    (chunk,) = SheetReader(gateway).rows(TITLE, 1, GRID_ROWS, WIDTH)

    assert len(chunk) == GRID_ROWS
    assert chunk[DEMO_ROWS] != [] and chunk[DEMO_ROWS + 1 :] == [[]] * 10
    assert requests_of(live_sheet, VALUES_READ) == 1


def test_rows_past_the_grid_are_refused_by_the_api(gateway: SheetGateway) -> None:
    with pytest.raises(SheetStateError, match="exceeds grid limits"):
        list(SheetReader(gateway).rows(TITLE, 2, GRID_ROWS + 5, WIDTH))


def test_a_snapshot_reads_the_grid_as_it_is_now_and_ends_at_the_last_key(
    live_sheet: LiveSheet, gateway: SheetGateway, schema: Schema, small_chunks: int
) -> None:
    sheet_id = gateway.metadata().sheet(TITLE).sheet_id
    deleted = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 30, "endIndex": 40}
    gateway.batch_update([{"deleteDimension": {"range": deleted}}], already_applied=lambda: False)
    write(gateway, f"{KEY_LETTER}12", [[""]])  # a blank key among the data rows: a data row
    grid_now = GRID_ROWS - 10
    chunks = list(SheetReader(gateway).rows(TITLE, 1, grid_now, WIDTH))  # the grid, all of it
    reset_stats(live_sheet)

    snapshot = SheetReader(gateway).snapshot(schema, TITLE, WIDTH)

    assert snapshot.header == tuple(demo.header())
    assert snapshot.row_count == DEMO_ROWS - 10  # the grid shrank; its empty rows are not data
    assert snapshot.keys is not None and snapshot.keys.blank_rows == (12,)
    assert requests_of(live_sheet, METADATA_READ) == 1
    assert requests_of(live_sheet, VALUES_READ) == len(chunks) > 1


def test_a_snapshot_of_the_rows_read_in_chunks_equals_one_of_them_read_at_once(
    gateway: SheetGateway, schema: Schema, small_chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunked = SheetReader(gateway).snapshot(schema, TITLE, WIDTH)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 10**9)

    assert SheetReader(gateway).snapshot(schema, TITLE, WIDTH) == chunked


def test_columns_read_again_replace_those_of_the_snapshot_they_came_from(
    gateway: SheetGateway, schema: Schema
) -> None:
    the_reader = SheetReader(gateway)
    before = the_reader.snapshot(schema, TITLE, WIDTH)
    column = demo.header()[3]
    letter = "D"
    write(gateway, f"{letter}2:{letter}{DEMO_ROWS + 1}", [["changed"]] * DEMO_ROWS)

    read_again = the_reader.with_columns_read_again(schema, TITLE, before, [column])

    assert read_again is not None
    assert read_again == the_reader.snapshot(schema, TITLE, WIDTH)
    assert read_again.column(column).digest != before.column(column).digest


def test_columns_are_not_read_again_when_a_row_was_added_or_the_header_changed(
    gateway: SheetGateway, schema: Schema
) -> None:
    the_reader = SheetReader(gateway)
    before = the_reader.snapshot(schema, TITLE, WIDTH)
    column = demo.header()[3]
    write(gateway, f"{KEY_LETTER}{DEMO_ROWS + 2}", [["NEW-1"]])

    assert the_reader.with_columns_read_again(schema, TITLE, before, [column]) is None

    write(gateway, f"{KEY_LETTER}{DEMO_ROWS + 2}", [[""]])
    write(gateway, "D1", [["renamed"]])
    assert the_reader.with_columns_read_again(schema, TITLE, before, [column]) is None


def test_the_header_the_key_column_and_the_layout(gateway: SheetGateway) -> None:
    the_reader = SheetReader(gateway)
    write(gateway, "C3", [[""]])

    key = the_reader.key_column(TITLE, KEY_INDEX)
    layout = the_reader.column_layout(TITLE, down=[2], rows=DEMO_ROWS)

    assert the_reader.header(TITLE) == demo.header()
    assert [row[0] for row in key] == [row[KEY_INDEX] for row in demo.rows(DEMO_ROWS)]
    assert layout.header == tuple(demo.header()) and layout.markers == {}
    assert layout.blanks[2] == tuple(row == 3 for row in range(2, DEMO_ROWS + 2))


def test_cells_as_entered_come_with_their_kind_in_chunks_of_cells(
    live_sheet: LiveSheet, gateway: SheetGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(gateway, "B2:B3", [["=A2*2"], ["'=A3*2"]])
    monkeypatch.setattr(reader, "ENTERED_CELLS", 4 * 2)  # 4 rows of 2 columns a request
    reset_stats(live_sheet)

    chunks = list(SheetReader(gateway).entered_rows(TITLE, 2, 11, 2))

    assert [len(chunk) for chunk in chunks] == [4, 4, 2]
    assert requests_of(live_sheet, METADATA_READ) == 3
    first, second = chunks[0][0], chunks[0][1]
    assert first[1] == {"formulaValue": "=A2*2"} and second[1] == {"stringValue": "=A3*2"}


def test_rows_beside_a_copy_pair_up_and_without_a_copy_pair_with_nothing(
    gateway: SheetGateway, small_chunks: int
) -> None:
    the_reader = SheetReader(gateway)
    pairs: Iterator[tuple[list[list[Any]], list[list[Any]]]]

    pairs = the_reader.beside(gateway, TITLE, DEMO_ROWS, WIDTH)
    assert all(mine == theirs for mine, theirs in pairs)

    alone = list(the_reader.beside(None, TITLE, DEMO_ROWS, WIDTH))
    assert [row for mine, _ in alone for row in mine] == in_one_request(gateway, 2, DEMO_ROWS + 1)
    assert all(theirs == [] for _, theirs in alone)
