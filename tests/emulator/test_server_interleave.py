"""The test-only interleaving hook: another writer's edit exactly between two requests."""

from __future__ import annotations

from collections.abc import Iterator

import gspread
import pytest
from control_api import control

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.interleave import Interleaving
from pytest_sheetmigrate.emulator.store import Store
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def spreadsheet(server: EmulatorServer) -> Iterator[gspread.Spreadsheet]:
    server.app.interleaving = Interleaving()  # the module's server: a fresh hook per test
    seeded = control(server, "POST", "spreadsheets", {"sheets": [{"values": [["before"]]}]})
    yield sheets_client(server.url).open_by_key(seeded["spreadsheetId"])
    server.app.interleaving.clear()


def other_writer(key: str, value: str):
    def edit(store: Store) -> None:
        body = {"values": [[value]]}
        kwargs = {"spreadsheet_id": key, "range": "Sheet1!A1", "body": body}
        store.execute("values_update", {**kwargs, "value_input_option": "RAW"}, None)

    return edit


def cell_a1(spreadsheet: gspread.Spreadsheet) -> str:
    return spreadsheet.values_get("Sheet1!A1")["values"][0][0]


def test_the_edit_runs_after_the_nth_request_is_answered_and_before_the_next(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    server.interleave(2, other_writer(spreadsheet.id, "edited"))

    seen = [cell_a1(spreadsheet) for _ in range(3)]

    assert seen == ["before", "before", "edited"]
    read = "GET /v4/spreadsheets/{spreadsheetId}/values/{range}"
    assert server.app.interleaving.requests == [read] * 3
    assert server.app.interleaving.ran_after == 2


def test_after_zero_runs_the_edit_before_the_first_request_is_applied(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    server.interleave(0, other_writer(spreadsheet.id, "edited"))

    assert cell_a1(spreadsheet) == "edited"


def test_the_edit_runs_once_and_its_error_is_kept_for_the_test(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    server.interleave(1, other_writer("no-such-spreadsheet", "edited"))

    assert [cell_a1(spreadsheet) for _ in range(2)] == ["before", "before"]
    assert "Requested entity was not found" in str(server.app.interleaving.error)


def test_nothing_is_counted_until_an_interleaving_is_set(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    cell_a1(spreadsheet)
    assert server.app.interleaving.requests == []
    server.interleave(5, None)
    cell_a1(spreadsheet)
    server.app.interleaving.clear()
    cell_a1(spreadsheet)
    assert len(server.app.interleaving.requests) == 1, "counted while set, kept after"
