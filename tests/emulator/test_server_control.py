"""The control API (/_emulator/...) and the HTTP shell: routing, stats, reset, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import gspread
import pytest
import requests
from control_api import control

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client

AUTH = {"Authorization": "Bearer test"}


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


def seed(server: EmulatorServer, values: list[list[str]] | None = None) -> str:
    sheets = [{"title": "Sheet1", "values": values or [["a"]]}]
    return control(server, "POST", "spreadsheets", {"title": "Seeded", "sheets": sheets})[
        "spreadsheetId"
    ]


def test_stats_count_every_emulated_request_and_its_bytes_exactly(server: EmulatorServer) -> None:
    spreadsheet_id = seed(server)
    control(server, "POST", "stats/reset")
    base = f"{server.url}/v4/spreadsheets/{spreadsheet_id}"
    body = json.dumps({"values": [["x", "y"]]}).encode()
    put = requests.put(
        f"{base}/values/Sheet1!A1?valueInputOption=RAW",
        data=body,
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=5,
    )
    get = requests.get(f"{base}/values/Sheet1", headers=AUTH, timeout=5)
    missing = requests.get(f"{server.url}/v4/spreadsheets/no-such-id", headers=AUTH, timeout=5)
    assert (put.status_code, get.status_code, missing.status_code) == (200, 200, 404)
    assert get.json()["values"] == [["x", "y"]]

    assert control(server, "GET", "stats") == {
        "requests": 3,
        "mutating_requests": 1,
        "bytes_in": len(body),
        "bytes_out": len(put.content) + len(get.content) + len(missing.content),
        "by_endpoint": {
            "PUT /v4/spreadsheets/{spreadsheetId}/values/{range}": 1,
            "GET /v4/spreadsheets/{spreadsheetId}/values/{range}": 1,
            "GET /v4/spreadsheets/{spreadsheetId}": 1,
        },
    }


def test_control_requests_and_seeding_are_not_counted(server: EmulatorServer) -> None:
    seed(server)
    control(server, "GET", "stats")
    control(server, "DELETE", "faults")
    assert control(server, "GET", "stats")["requests"] == 0


def test_stats_reset_zeroes_every_counter(server: EmulatorServer) -> None:
    sheets_client(server.url).create("Counted")
    assert control(server, "GET", "stats")["mutating_requests"] == 1
    control(server, "POST", "stats/reset")
    assert control(server, "GET", "stats") == {
        "requests": 0,
        "mutating_requests": 0,
        "bytes_in": 0,
        "bytes_out": 0,
        "by_endpoint": {},
    }


def test_reset_forgets_spreadsheets_faults_and_counters(server: EmulatorServer) -> None:
    client = sheets_client(server.url)
    spreadsheet_id = client.create("Forgotten").id
    control(server, "POST", "faults", {"rules": [{"kind": "http_500", "at": 5}]})
    control(server, "POST", "reset")
    assert control(server, "GET", "stats")["requests"] == 0
    for _ in range(5):  # the fault rule would have fired on the fifth request
        with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
            client.open_by_key(spreadsheet_id)


def test_a_seeded_spreadsheet_is_readable_with_gspread(server: EmulatorServer) -> None:
    spreadsheet_id = seed(server, [["id", "name"], ["1", "Ada"]])
    worksheet = sheets_client(server.url).open_by_key(spreadsheet_id).sheet1
    assert worksheet.get_all_values() == [["id", "name"], ["1", "Ada"]]
    assert (worksheet.row_count, worksheet.col_count) == (1000, 26)


def test_an_unknown_path_gets_a_json_404(server: EmulatorServer) -> None:
    answer = requests.get(f"{server.url}/v4/nothing/here", headers=AUTH, timeout=5)
    assert answer.status_code == 404
    assert answer.json()["error"]["status"] == "NOT_FOUND"


def test_an_invalid_json_body_gets_400_invalid_argument(server: EmulatorServer) -> None:
    answer = requests.post(
        f"{server.url}/v4/spreadsheets",
        data=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_drive_errors_have_drives_shape_and_sheets_errors_have_sheets_shape(
    server: EmulatorServer,
) -> None:
    drive = requests.get(f"{server.url}/drive/v3/files/nope", headers=AUTH, timeout=5)
    sheets = requests.get(f"{server.url}/v4/spreadsheets/nope", headers=AUTH, timeout=5)
    assert drive.status_code == sheets.status_code == 404
    assert drive.json()["error"]["errors"][0]["reason"] == "notFound"
    assert sheets.json()["error"]["status"] == "NOT_FOUND"
    assert "errors" not in sheets.json()["error"]
