"""Protected ranges and protected sheets refuse, whole, a write by an account outside their
editors (sharing mode), over HTTP with unmodified gspread.

Google's refusal: 400 "You are trying to edit a protected cell or object. Please contact the
spreadsheet owner to remove protection if you need to edit." (theoephraim/node-google-spreadsheet
PR 20; gspread users report "APIError: [400]: You are trying to edit a protected cell or
object" for values.batchUpdate and for deleting a row). The owner is always an editor; a
warning-only protection refuses nobody. Which batchUpdate kinds count as edits beyond values and
row deletion is unverified (see protection.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gspread
import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.a1 import Box
from pytest_sheetmigrate.emulator.a1 import parse as a1_parse
from pytest_sheetmigrate.emulator.a1 import resolve as a1_resolve
from pytest_sheetmigrate.emulator.protection import PROTECTED_MESSAGE, touches
from pytest_sheetmigrate.transport import sheets_client

OWNER, EDITOR, OTHER = "owner@example.com", "editor@example.com", "writer@example.com"
TOKENS = {"owner": OWNER, "editor": EDITOR, "other": OTHER}
DATA = [[f"{c}{r}" for c in "ABCD"] for r in range(1, 7)]  # A1:D6


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(sharing=True, accounts=TOKENS) as running:
        yield running


def grid(**bounds: int) -> dict[str, Any]:
    return {"sheetId": 0, **bounds}


# B2:C10, rows and columns 0-based, ends exclusive.
B2_C10 = grid(startRowIndex=1, endRowIndex=10, startColumnIndex=1, endColumnIndex=3)
PROTECTIONS: dict[str, dict[str, Any]] = {
    "range": {"range": B2_C10, "editors": {"users": [EDITOR]}},
    # Only a sheetId: the whole sheet is protected ("protected sheet").
    "sheet": {"range": grid(), "editors": {"users": [EDITOR]}},
    "warning-only": {"range": B2_C10, "warningOnly": True},
}


def batch(*requests: dict[str, Any]) -> Callable[[gspread.Worksheet], Any]:
    return lambda ws: ws.spreadsheet.batch_update({"requests": list(requests)})


def dimension(kind: str, start: int, end: int) -> dict[str, Any]:
    return {
        kind: {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": start, "endIndex": end}}
    }


# Each write changes a cell of B2:C10 (and so of the sheet); the id names its evidence.
WRITES: dict[str, Callable[[gspread.Worksheet], Any]] = {
    "values.update (node-google-spreadsheet PR 20)": lambda ws: ws.update([["x"]], "B2"),
    "values.batchUpdate (gspread users' report)": lambda ws: ws.batch_update(
        [{"range": "B2", "values": [["x"]]}]
    ),
    # The table A1:D6 grows by row 7, inside B2:C10.
    "values.append (unverified)": lambda ws: ws.append_row(["x", "y", "z"], table_range="A1:D6"),
    "values.append INSERT_ROWS (unverified)": lambda ws: ws.append_row(
        ["x", "y"], table_range="A1:D6", insert_data_option="INSERT_ROWS"
    ),
    "values.clear (unverified)": lambda ws: ws.spreadsheet.values_clear("Sheet1!B2"),
    "values.batchClear (unverified)": lambda ws: ws.batch_clear(["B2:B3"]),
    "updateCells (unverified)": batch(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                "fields": "userEnteredValue",
            }
        }
    ),
    "repeatCell (unverified)": lambda ws: ws.format("B2", {"textFormat": {"bold": True}}),
    "appendCells (unverified)": batch(
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"stringValue": v}} for v in "xyz"]}],
                "fields": "userEnteredValue",
            }
        }
    ),
    "mergeCells (unverified)": lambda ws: ws.merge_cells("B2:C3"),
    "sortRange (unverified)": lambda ws: ws.sort((2, "des"), range="A2:D6"),
    "deleteDimension (a row deleted by a service account: [400])": batch(
        dimension("deleteDimension", 2, 3)
    ),
    "insertDimension inside the range (unverified)": batch(dimension("insertDimension", 3, 4)),
    "copyPaste onto the range (unverified)": lambda ws: ws.copy_range("A1:A1", "B2"),
    "cutPaste onto the range (unverified)": lambda ws: ws.cut_range("A1:A1", "B2"),
}


def prepare(server: EmulatorServer, protection: str) -> tuple[gspread.Spreadsheet, int]:
    """A spreadsheet of the owner's holding DATA, shared with both writers, protected."""
    owner = sheets_client(server.url, token="owner").create("Protected")
    owner.sheet1.update(DATA, "A1")
    for email in (EDITOR, OTHER):
        owner.share(email, perm_type="user", role="writer", notify=False)
    reply = owner.batch_update(
        {"requests": [{"addProtectedRange": {"protectedRange": PROTECTIONS[protection]}}]}
    )
    return owner, reply["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]


def state(spreadsheet: gspread.Spreadsheet) -> Any:
    return spreadsheet.fetch_sheet_metadata({"includeGridData": "true"})


def as_account(server: EmulatorServer, token: str, spreadsheet_id: str) -> gspread.Worksheet:
    return sheets_client(server.url, token=token).open_by_key(spreadsheet_id).sheet1


def refused(write: Callable[[gspread.Worksheet], Any], worksheet: gspread.Worksheet) -> Any:
    with pytest.raises(gspread.exceptions.APIError) as error:
        write(worksheet)
    return error.value


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("protection", ["range", "sheet"])
def test_a_write_by_an_account_outside_the_editors_is_refused_and_changes_nothing(
    server: EmulatorServer, protection: str, write: Callable[[gspread.Worksheet], Any]
) -> None:
    owner, _ = prepare(server, protection)
    before = state(owner)

    error = refused(write, as_account(server, "other", owner.id))

    assert (error.code, error.error["message"]) == (400, PROTECTED_MESSAGE)
    assert state(owner) == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize(
    ("protection", "token"),
    [
        ("range", "editor"),
        ("sheet", "editor"),
        ("range", "owner"),  # the owner is always an editor
        ("sheet", "owner"),
        ("warning-only", "other"),  # a warning refuses nobody
    ],
)
def test_a_write_is_allowed_to_editors_the_owner_and_through_a_warning(
    server: EmulatorServer, protection: str, token: str, write: Callable[[gspread.Worksheet], Any]
) -> None:
    owner, _ = prepare(server, protection)
    before = state(owner)

    write(as_account(server, token, owner.id))

    assert state(owner) != before


def test_a_batch_whose_last_request_touches_a_protected_cell_changes_nothing(
    server: EmulatorServer,
) -> None:
    owner, _ = prepare(server, "range")
    before = state(owner)
    other = as_account(server, "other", owner.id)
    write = batch(
        {"updateSpreadsheetProperties": {"properties": {"title": "Renamed"}, "fields": "title"}},
        {"addSheet": {"properties": {"title": "New"}}},
        dimension("deleteDimension", 4, 5),
    )

    error = refused(write, other)

    assert (error.code, error.error["message"]) == (400, PROTECTED_MESSAGE)
    assert state(owner) == before


def test_a_write_outside_the_protected_range_is_allowed(server: EmulatorServer) -> None:
    owner, _ = prepare(server, "range")

    as_account(server, "other", owner.id).update([["free"]], "D2")

    assert owner.sheet1.acell("D2").value == "free"


def test_a_protected_sheets_unprotected_ranges_stay_writable(server: EmulatorServer) -> None:
    owner = sheets_client(server.url, token="owner").create("Protected sheet")
    owner.share(OTHER, perm_type="user", role="writer", notify=False)
    owner.batch_update(
        {
            "requests": [
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": grid(),
                            "unprotectedRanges": [grid(startColumnIndex=3, endColumnIndex=4)],
                            "editors": {"users": []},
                        }
                    }
                }
            ]
        }
    )
    other = as_account(server, "other", owner.id)

    other.update([["free"]], "D7")
    error = refused(lambda ws: ws.update([["no", "no"]], "C7"), other)  # C7 is protected

    assert error.code == 400
    assert owner.sheet1.get("C7:D7") == [["", "free"]]


def test_a_protection_is_removed_only_by_its_editors(server: EmulatorServer) -> None:
    owner, protected_id = prepare(server, "range")
    remove = batch({"deleteProtectedRange": {"protectedRangeId": protected_id}})

    error = refused(remove, as_account(server, "other", owner.id))
    remove(as_account(server, "editor", owner.id))

    assert error.code == 400
    assert "protectedRanges" not in owner.fetch_sheet_metadata()["sheets"][0]


def test_an_editor_who_protects_a_sheet_stays_one_of_its_editors(server: EmulatorServer) -> None:
    # The reply says "requestingUserCanEdit": true (recordings, where the requester was the
    # owner); for a requester who is not the owner this is unverified.
    owner = sheets_client(server.url, token="owner").create("Protected by an editor")
    for email in (EDITOR, OTHER):
        owner.share(email, perm_type="user", role="writer", notify=False)
    editor = as_account(server, "editor", owner.id)
    editor.spreadsheet.batch_update(
        {"requests": [{"addProtectedRange": {"protectedRange": {"range": grid()}}}]}
    )

    editor.update([["mine"]], "A1")
    error = refused(lambda ws: ws.update([["theirs"]], "A1"), as_account(server, "other", owner.id))

    assert error.code == 400
    (stored,) = state(owner)["sheets"][0]["protectedRanges"]
    assert stored["editors"]["users"] == [OWNER, EDITOR]


def test_without_sharing_the_caller_is_unknown_and_nothing_is_refused() -> None:
    with EmulatorServer() as running:
        spreadsheet = sheets_client(running.url).create("Local")
        spreadsheet.batch_update(
            {"requests": [{"addProtectedRange": {"protectedRange": PROTECTIONS["sheet"]}}]}
        )

        spreadsheet.sheet1.update([["written"]], "A1")

        assert spreadsheet.sheet1.acell("A1").value == "written"


# --- the pure check: which boxes a protection covers ------------------------------------------


def _box(a1: str) -> Box:
    parsed = a1_parse(a1)
    return a1_resolve(parsed, 20, 10)


@pytest.mark.parametrize(
    ("protection", "caller", "cells", "touched"),
    [
        pytest.param({"range": B2_C10}, OTHER, "B2", True, id="inside-the-range"),
        pytest.param({"range": B2_C10}, OTHER, "A1:B2", True, id="overlapping-a-corner"),
        pytest.param({"range": B2_C10}, OTHER, "D2:E20", False, id="right-of-the-range"),
        pytest.param({"range": B2_C10}, OTHER, "B11", False, id="below-the-range"),
        pytest.param({"range": B2_C10}, EDITOR, "B2", False, id="an-editor"),
        pytest.param({"range": B2_C10}, OWNER, "B2", False, id="the-owner"),
        pytest.param({"range": B2_C10, "warningOnly": True}, OTHER, "B2", False, id="warning"),
        pytest.param({"range": grid()}, OTHER, "J20", True, id="a-protected-sheet"),
        pytest.param(
            {"range": grid(), "unprotectedRanges": [grid(startColumnIndex=3, endColumnIndex=4)]},
            OTHER,
            "D1:D20",
            False,
            id="inside-an-unprotected-range",
        ),
        pytest.param(
            {
                "range": grid(),
                "unprotectedRanges": [
                    grid(startColumnIndex=3, endColumnIndex=4),
                    grid(startColumnIndex=4, endColumnIndex=5, startRowIndex=0, endRowIndex=5),
                ],
            },
            OTHER,
            "D2:E5",
            False,
            id="covered-by-two-unprotected-ranges",
        ),
        pytest.param(
            {"range": grid(), "unprotectedRanges": [grid(startColumnIndex=3, endColumnIndex=4)]},
            OTHER,
            "D1:E1",
            True,
            id="partly-outside-the-unprotected-range",
        ),
    ],
)
def test_touches_tells_whether_a_box_changes_a_cell_protected_from_the_caller(
    protection: dict[str, Any], caller: str, cells: str, touched: bool
) -> None:
    model = Model()
    spreadsheet_id = model.new_spreadsheet()
    spreadsheet = model.backend.state.files[spreadsheet_id]
    spreadsheet.owner = OWNER
    sheet = spreadsheet.sheets[0]
    sheet.protected_ranges.append({"editors": {"users": [OWNER, EDITOR]}, **protection})

    assert touches(spreadsheet, caller, sheet, _box(cells)) is touched
