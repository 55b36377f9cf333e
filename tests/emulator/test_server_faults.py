"""Injected faults, quota and latency, seen by unmodified gspread over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from control_api import control

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.quotas import QuotaSettings
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
    assert refused.value.error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert "Retry-After" not in refused.value.response.headers  # as Google's
    assert cell_a1(spreadsheet) == "before"


def test_an_http_429_rule_may_add_a_retry_after_header(
    server: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    set_faults(server, {"kind": "http_429", "at": 1, "retry_after": 3})
    with pytest.raises(gspread.exceptions.APIError) as refused:
        cell_a1(spreadsheet)
    assert refused.value.response.headers["Retry-After"] == "3"


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


def test_past_the_quota_a_token_gets_googles_429_without_retry_after_and_others_do_not() -> None:
    with EmulatorServer(quotas=QuotaSettings(read_per_user=2, clock=lambda: 60.0)) as server:
        seeded = control(server, "POST", "spreadsheets", {"title": "Quota"})
        url = f"{server.url}/v4/spreadsheets/{seeded['spreadsheetId']}"
        busy = {"Authorization": "Bearer busy"}
        codes = [requests.get(url, headers=busy, timeout=5).status_code for _ in range(2)]
        refused = requests.get(url, headers=busy, timeout=5)
        other = requests.get(url, headers={"Authorization": "Bearer other"}, timeout=5)
    assert codes == [200, 200]
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers
    assert refused.json() == GOOGLE_READ_429
    assert other.status_code == 200


# As recorded from Google (r-lib/gargle fixture sheets-spreadsheets-get-quota-exceeded-
# readgroup_429, 2025), with the limit's value and this server's project number.
GOOGLE_READ_429 = {
    "error": {
        "code": 429,
        "message": "Quota exceeded for quota metric 'Read requests' and limit 'Read requests "
        "per minute per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:0'.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_limit_value": "2",
                    "service": "sheets.googleapis.com",
                    "consumer": "projects/0",
                    "quota_unit": "1/min/{project}/{user}",
                    "quota_location": "global",
                    "quota_metric": "sheets.googleapis.com/read_requests",
                    "quota_limit": "ReadRequestsPerMinutePerUser",
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                    }
                ],
            },
        ],
    }
}


def test_with_the_retry_after_option_a_refusal_says_how_long_to_the_next_minute() -> None:
    settings = QuotaSettings(write_per_user=1, retry_after=True, clock=lambda: 60.0 * 1000 + 15)
    with EmulatorServer(quotas=settings) as server:
        spreadsheet = sheets_client(server.url).create("Quota")  # a Drive request
        spreadsheet.update_title("Renamed")  # the minute's one Sheets write
        with pytest.raises(gspread.exceptions.APIError) as refused:
            spreadsheet.update_title("Renamed again")
    assert refused.value.code == 429
    assert refused.value.response.headers["Retry-After"] == "45"
    assert "limit 'Write requests per minute per user'" in refused.value.error["message"]


def test_accounts_have_their_own_buckets_and_share_the_projects() -> None:
    settings = QuotaSettings(read_per_user=2, read_per_project=3, clock=lambda: 60.0)
    accounts = {"token-a": "a@example.com", "token-a2": "a@example.com", "token-b": "b@x.com"}
    with EmulatorServer(accounts=accounts, quotas=settings) as server:
        url = f"{server.url}/v4/spreadsheets/missing"  # a 404 uses quota all the same

        def code(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return requests.get(url, headers=headers, timeout=5).status_code

        # two tokens of one account share its bucket; then the project's 3 are used up
        codes = [code("token-a"), code("token-a2"), code("token-a"), code("token-b")]
        project = requests.get(url, headers={"Authorization": "Bearer token-b"}, timeout=5)
    assert codes == [404, 404, 429, 404]
    assert project.status_code == 429
    assert "limit 'Read requests per minute' of service" in project.json()["error"]["message"]


def test_googles_defaults_refuse_the_61st_read_of_a_minute() -> None:
    with EmulatorServer(quotas=QuotaSettings.google(clock=lambda: 60.0)) as server:
        url = f"{server.url}/v4/spreadsheets/missing"
        headers = {"Authorization": "Bearer reader"}
        codes = [requests.get(url, headers=headers, timeout=5).status_code for _ in range(61)]
    assert codes == [404] * 60 + [429]


def test_quotas_google_is_googles_defaults() -> None:
    with EmulatorServer(quotas="google") as server:
        assert server.app.quotas is not None
        assert server.app.quotas.settings == QuotaSettings.google()


def test_drive_past_its_per_user_limit_answers_403_user_rate_limit_exceeded() -> None:
    with EmulatorServer(quotas=QuotaSettings(drive_per_user=1, clock=lambda: 60.0)) as server:
        client = sheets_client(server.url)
        client.list_spreadsheet_files()
        with pytest.raises(gspread.exceptions.APIError) as refused:
            client.list_spreadsheet_files()
    assert refused.value.code == 403
    assert refused.value.response.json() == {
        "error": {
            "code": 403,
            "message": "User rate limit exceeded.",
            "errors": [
                {
                    "message": "User rate limit exceeded.",
                    "domain": "usageLimits",
                    "reason": "userRateLimitExceeded",
                }
            ],
        }
    }
    assert "Retry-After" not in refused.value.response.headers


def test_the_older_quota_per_minute_argument_is_the_per_user_read_and_write_limit() -> None:
    with EmulatorServer(quota_per_minute=5) as server:
        assert server.app.quotas is not None
        settings = server.app.quotas.settings
    assert (settings.read_per_user, settings.write_per_user) == (5, 5)
    assert settings.read_per_project is None


def test_the_latency_option_delays_every_request() -> None:
    with EmulatorServer(latency_ms=1500) as server:
        client = sheets_client(server.url)
        client.set_timeout(0.2)
        with pytest.raises(requests.exceptions.ReadTimeout):
            client.list_spreadsheet_files()
