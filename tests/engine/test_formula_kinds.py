"""The reader tells a formula from a text that starts with "=": real gspread, the local server.

The FORMULA render answers both with the same string; the reader asks the cells'
userEnteredValue (formulaValue or stringValue) for those strings only, looking ahead down the
column, so a formula column costs a few requests, and a sheet without "=" strings none.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.formula_kinds import LOOKUP_CELLS, FormulaKinds
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader
from pytest_sheetmigrate.transport import sheets_client

ROWS = 3_000


@pytest.fixture(scope="module")
def server():
    with EmulatorServer() as running:
        yield running


def seeded(server: EmulatorServer, rows: list[list[Any]]) -> SheetGateway:
    requests.post(f"{server.url}/_emulator/reset", timeout=10).raise_for_status()
    answer = requests.post(
        f"{server.url}/_emulator/spreadsheets",
        json={"title": "kinds", "sheets": [{"title": "Data", "values": rows}]},
        timeout=60,
    )
    answer.raise_for_status()
    key = answer.json()["spreadsheetId"]
    return SheetGateway(sheets_client(server.url), key, endpoint=server.url)


def entered(gateway: SheetGateway, cells: str, values: list[list[Any]]) -> None:
    """Write ``values`` as typed into the UI (formulas become formulas, '= keeps text)."""
    gateway.client.open_by_key(gateway.key).worksheet("Data").update(
        range_name=cells, values=values, value_input_option="USER_ENTERED"
    )


def all_rows(gateway: SheetGateway, columns: int = 4) -> list[list[Any]]:
    chunks = SheetReader(gateway).rows("Data", 1, ROWS + 1, columns)
    return [row for chunk in chunks for row in chunk]


def test_formulas_come_back_as_formulas_and_text_starting_with_equals_as_text(server) -> None:
    gateway = seeded(server, [["key", "n", "total", "note"]] + [[f"k{i}", i] for i in range(ROWS)])
    entered(gateway, f"C2:C{ROWS + 1}", [[f"=B{row}*2"] for row in range(2, ROWS + 2)])
    entered(gateway, "D2:D3", [["'=not a formula"], ["'007"]])
    entered(gateway, "C5", [["'=B5*2"]])  # the same text as the formula above it, as text

    rows = all_rows(gateway)

    assert type(rows[1][2]) is Formula and rows[1][2] == "=B2*2"
    assert type(rows[1][3]) is str and rows[1][3] == "=not a formula"
    assert type(rows[2][3]) is str and rows[2][3] == "007"
    assert type(rows[4][2]) is str and rows[4][2] == "=B5*2"
    assert rows[1][1] == 0 and type(rows[1][1]) is int
    assert sum(type(row[2]) is Formula for row in rows[1:]) == ROWS - 1


def test_a_formula_column_costs_a_few_lookups_not_one_per_chunk(server, monkeypatch) -> None:
    gateway = seeded(server, [["key", "n", "total"]] + [[f"k{i}", i] for i in range(ROWS)])
    entered(gateway, f"C2:C{ROWS + 1}", [[f"=B{row}*2"] for row in range(2, ROWS + 2)])
    monkeypatch.setattr("pytest_sheetmigrate.reader.CHUNK_BYTES", 8_000)  # many small chunks
    gateway.log.by_kind.clear()

    rows = all_rows(gateway, 3)

    reads = gateway.log.by_kind["values.batchGet"]
    lookups = gateway.log.by_kind["spreadsheets.get"]
    assert sum(type(row[2]) is Formula for row in rows) == ROWS
    assert reads >= 10
    assert lookups == -(-ROWS // LOOKUP_CELLS)  # one per LOOKUP_CELLS cells of the column


def test_a_sheet_without_equals_strings_costs_no_lookup(server) -> None:
    gateway = seeded(server, [["key", "n", "text"]] + [[f"k{i}", i, "a=b"] for i in range(ROWS)])
    gateway.log.by_kind.clear()

    all_rows(gateway, 3)

    assert gateway.log.by_kind["spreadsheets.get"] == 0


def test_a_cell_turned_from_formula_to_text_after_the_lookup_is_looked_up_again(
    server, monkeypatch
) -> None:
    gateway = seeded(server, [["key", "n", "total"]] + [[f"k{i}", i] for i in range(ROWS)])
    entered(gateway, f"C2:C{ROWS + 1}", [[f"=B{row}*2"] for row in range(2, ROWS + 2)])
    monkeypatch.setattr("pytest_sheetmigrate.reader.CHUNK_BYTES", 8_000)
    chunks = SheetReader(gateway).rows("Data", 1, ROWS + 1, 3)
    first = next(chunks)  # its lookup looked ahead over the whole column
    assert type(first[1][2]) is Formula
    entered(gateway, f"C{ROWS}", [["'=changed"]])  # text now, and not what the lookup saw

    rows = first + [row for chunk in chunks for row in chunk]

    assert type(rows[ROWS - 1][2]) is str and rows[ROWS - 1][2] == "=changed"
    assert type(rows[ROWS - 2][2]) is Formula


def test_read_gives_formulas_of_any_range_as_formulas(server) -> None:
    gateway = seeded(server, [["key", "n", "total"]] + [[f"k{i}", i] for i in range(10)])
    entered(gateway, "C2:C4", [["=B2*2"], ["'=B3*2"], ["=B4*2"]])

    (column,) = gateway.read(["Data!C3:C"])

    assert [type(row[0]) for row in column[:2]] == [str, Formula]


def test_a_new_column_of_equals_strings_is_found_after_chunks_that_had_none_there() -> None:
    asked: list[list[tuple[int, int, int]]] = []

    def lookup(spans: list[tuple[int, int, int]]) -> list[dict[int, str]]:
        asked.append(spans)
        return [
            {row: Formula(f"=B{row}") if column == 2 else "=text" for row in range(first, last + 1)}
            for column, first, last in spans
        ]

    kinds = FormulaKinds(lookup, last_row=100, ahead=1_000)
    first = [["k", 1, "=B2"], ["k", 2, "=B3"]]
    kinds.mark(first, 2, at_most=2)
    second = [["=text", 3, "=B4"], ["k", 4, "=B5"]]
    kinds.mark(second, 4, at_most=3)  # three "= strings: one outside column C

    assert [type(row[2]) for row in first + second] == [Formula] * 4
    assert type(second[0][0]) is str
    assert asked == [[(2, 2, 100)], [(0, 4, 100)]]  # column C looked up once, ahead
