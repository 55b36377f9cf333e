"""Injected faults, quota and latency, seen by unmodified gspread over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from control_api import control

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


def set_faults(server: EmulatorServer, *rules: dict[str, Any]) -> None:
    control(server, "POST", "faults", {"rules": list(rules)})


@pytest.fixture
def spreadsheet(server: EmulatorServer) -> gspread.Spreadsheet:
    seeded = control(
        server, "POST", "spreadsheets", {"title": "Faults", "sheets": [{"values": [["before"]]}]}
    )
    return sheets_client(server.url).open_by_key(seeded["spreadsheetId"])


def cell_a1(spreadsheet: gspread.Spreadsheet) -> str:
    return spreadsheet.values_get("Sheet1!A1")["values"][0][0]


def write_a1(spreadsheet: gspread.Spreadsheet, value: str) -> None:
    spreadsheet.values_update("Sheet1!A1", {"valueInputOption": "RAW"}, {"values": [[value]]})


def test_http_429_answers_googles_quota_error_and_does_not_apply_the_write(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "http_429", "at": 1})
    with pytest.raises(gspread.exceptions.APIError) as refused:
        write_a1(spreadsheet, "after")
    assert refused.value.code == 429
    assert refused.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert refused.value.error["message"].startswith(
        "Quota exceeded for quota metric 'Write requests' and limit "
        "'Write requests per minute per user' of service 'sheets.googleapis.com'"
    )
    assert cell_a1(spreadsheet) == "before"


@pytest.mark.parametrize(
    ("kind", "code", "status"), [("http_500", 500, "INTERNAL"), ("http_503", 503, "UNAVAILABLE")]
)
def test_server_errors_are_answered_without_applying_the_request(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet, kind: str, code: int, status: str
) -> None:
    set_faults(server, {"kind": kind, "at": 1})
    with pytest.raises(gspread.exceptions.APIError) as failed:
        write_a1(spreadsheet, "after")
    assert (failed.value.code, failed.value.error["status"]) == (code, status)
    assert cell_a1(spreadsheet) == "before"


def test_reset_drops_the_connection_before_the_request_is_applied(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "reset", "at": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        write_a1(spreadsheet, "after")
    assert cell_a1(spreadsheet) == "before"


def test_apply_then_reset_applies_the_request_but_drops_its_answer(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "apply_then_reset", "at": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        write_a1(spreadsheet, "after")
    assert cell_a1(spreadsheet) == "after"


def test_a_blackout_drops_everything_until_the_faults_are_deleted(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "blackout", "at": 2})
    assert cell_a1(spreadsheet) == "before"
    for _ in range(3):
        with pytest.raises(requests.exceptions.ConnectionError):
            cell_a1(spreadsheet)
    # The control API is outside the emulated paths: it keeps answering.
    assert control(server, "GET", "stats")["requests"] >= 4
    control(server, "DELETE", "faults")
    assert cell_a1(spreadsheet) == "before"


def test_a_rate_rule_fails_a_seeded_share_of_requests(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "http_503", "rate": 0.5, "seed": 3})
    outcomes = []
    for _ in range(20):
        try:
            cell_a1(spreadsheet)
            outcomes.append("ok")
        except gspread.exceptions.APIError as error:
            outcomes.append(str(error.code))
    set_faults(server, {"kind": "http_503", "rate": 0.5, "seed": 3})
    replay = []
    for _ in range(20):
        try:
            cell_a1(spreadsheet)
            replay.append("ok")
        except gspread.exceptions.APIError as error:
            replay.append(str(error.code))
    assert outcomes == replay
    assert {"ok", "503"} == set(outcomes)


def test_injected_latency_trips_a_client_read_timeout_once(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "latency", "at": 1, "ms": 1500})
    spreadsheet.client.set_timeout(0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        cell_a1(spreadsheet)
    assert cell_a1(spreadsheet) == "before"


def test_a_bad_fault_rule_is_refused_with_a_400(server: EmulatorServer) -> None:
    answer = requests.post(
        f"{server.url}/_emulator/faults", json={"rules": [{"kind": "meteor", "at": 1}]}, timeout=5
    )
    assert answer.status_code == 400
    assert "unknown fault kind 'meteor'" in answer.json()["error"]["message"]


def test_past_the_quota_a_token_gets_429_with_retry_after_and_other_tokens_do_not() -> None:
    with EmulatorServer(quota_per_minute=2) as server:
        seeded = control(server, "POST", "spreadsheets", {"title": "Quota"})
        url = f"{server.url}/v4/spreadsheets/{seeded['spreadsheetId']}"
        busy = {"Authorization": "Bearer busy"}
        codes = [requests.get(url, headers=busy, timeout=5).status_code for _ in range(2)]
        refused = requests.get(url, headers=busy, timeout=5)
        other = requests.get(url, headers={"Authorization": "Bearer other"}, timeout=5)
    assert codes == [200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.status_code == 200


def test_the_latency_option_delays_every_request() -> None:
    with EmulatorServer(latency_ms=1500) as server:
        client = sheets_client(server.url)
        client.set_timeout(0.2)
        with pytest.raises(requests.exceptions.ReadTimeout):
            client.list_spreadsheet_files()
