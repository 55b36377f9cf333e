"""``python -m pytest_sheetmigrate.emulator`` as a real process: its one line, a clean stop, and a
SIGKILL in the middle of a stream of writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import gspread
import pytest
import requests

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator import __main__ as cli
from pytest_sheetmigrate.emulator.quotas import QuotaSettings
from pytest_sheetmigrate.emulator.store import JOURNAL_NAME
from pytest_sheetmigrate.transport import sheets_client

COLUMNS = 20


class ServerProcess:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.first_line = self.process.stdout.readline()
        assert self.first_line.startswith("listening on http://127.0.0.1:"), self.first_line
        self.url = self.first_line.split()[-1]

    def stop(self, signum: int) -> tuple[int, str, str]:
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.communicate()


def start(processes: list[ServerProcess], *args: str) -> ServerProcess:
    processes.append(ServerProcess(*args))
    return processes[-1]


def test_it_prints_one_line_serves_quietly_and_compacts_on_sigterm(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    server = start(processes, "--data", str(tmp_path))
    client = sheets_client(server.url)
    spreadsheet = client.create("From the CLI")
    spreadsheet.sheet1.update([["x"]], "A1", raw=True)
    assert (tmp_path / JOURNAL_NAME).stat().st_size > 0
    # Dropped connections and API errors are part of serving quietly too.
    rules = [{"kind": "reset", "at": 1}, {"kind": "apply_then_reset", "at": 2}]
    requests.post(f"{server.url}/_emulator/faults", json={"rules": rules}, timeout=5)
    for _ in range(2):
        with pytest.raises(requests.exceptions.ConnectionError):
            spreadsheet.sheet1.update([["y"]], "A1", raw=True)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("no-such-spreadsheet")

    code, out, err = server.stop(signal.SIGTERM)
    assert code == 0
    assert server.first_line + out == f"listening on {server.url}\n"
    assert err == ""
    assert (tmp_path / JOURNAL_NAME).stat().st_size == 0


def write_rows(client: gspread.Client, spreadsheet_id: str, acknowledged: list[int]) -> None:
    """Write row i as one values.batchUpdate over two ranges, until the server goes away."""
    spreadsheet = client.open_by_key(spreadsheet_id)
    row = len(acknowledged) + 1
    while True:
        left = [f"r{row}c{c}" for c in range(COLUMNS // 2)]
        right = [f"r{row}c{c}" for c in range(COLUMNS // 2, COLUMNS)]
        body = {
            "valueInputOption": "RAW",
            "data": [
                {"range": f"Sheet1!A{row}", "values": [left]},
                {"range": f"Sheet1!K{row}", "values": [right]},
            ],
        }
        try:
            spreadsheet.values_batch_update(body)
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return  # the server went away: before the answer, or in the middle of it
        acknowledged.append(row)
        row += 1


def test_a_server_killed_mid_stream_restarts_with_every_acknowledged_write_and_no_half_write(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    acknowledged: list[int] = []
    spreadsheet_id = ""
    for round_number in range(3):
        server = start(processes, "--data", str(tmp_path))
        client = sheets_client(server.url)
        if not spreadsheet_id:
            spreadsheet_id = client.create("Crash test").id
        before = len(acknowledged)
        writer = threading.Thread(target=write_rows, args=(client, spreadsheet_id, acknowledged))
        writer.start()
        while len(acknowledged) < before + 15 + 5 * round_number:
            assert writer.is_alive(), "the writer stopped before the server was killed"
            threading.Event().wait(0.005)
        os.kill(server.process.pid, signal.SIGKILL)
        writer.join(timeout=30)
        server.process.communicate(timeout=30)

        restarted = start(processes, "--data", str(tmp_path))
        rows = sheets_client(restarted.url).open_by_key(spreadsheet_id).sheet1.get_all_values()
        # Every acknowledged write is there; the one in flight is there whole or not at all.
        assert len(rows) in (len(acknowledged), len(acknowledged) + 1)
        for number, row in enumerate(rows, start=1):
            assert row == [f"r{number}c{c}" for c in range(COLUMNS)]
        acknowledged[:] = range(1, len(rows) + 1)
        restarted.stop(signal.SIGTERM)


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1", "localhost", "::1"])
def test_binding_a_non_loopback_address_warns_once_on_stderr(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        server = EmulatorServer(host=host)
        server.start()
    except OSError:  # no IPv6 here
        pytest.skip(f"cannot bind {host}")
    server.stop()
    err = capsys.readouterr().err
    if host == "0.0.0.0":
        assert err.count("\n") == 1 and "warning: the Sheets emulator binds 0.0.0.0" in err
    else:
        assert err == ""


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], None),  # quotas off by default
        (["--quota", "off"], None),
        (["--quota", "google"], QuotaSettings.google()),
        (
            ["--quota", "google", "--read-quota-per-user", "100", "--quota-retry-after"],
            QuotaSettings.google(read_per_user=100, retry_after=True),
        ),
        (["--write-quota-per-project", "7"], QuotaSettings(write_per_project=7)),
        (
            ["--drive-quota-per-user", "9", "--drive-quota-per-project", "10"],
            QuotaSettings(drive_per_user=9, drive_per_project=10),
        ),
        (["--quota-per-minute", "5"], QuotaSettings(read_per_user=5, write_per_user=5)),
    ],
)
def test_quota_flags_give_the_quota_settings(
    flags: list[str], expected: QuotaSettings | None
) -> None:
    assert cli.quota_settings(cli.parse_args(flags)) == expected


def test_a_server_started_with_a_quota_flag_refuses_past_it(
    processes: list[ServerProcess],
) -> None:
    server = start(processes, "--quota", "google", "--read-quota-per-user", "1")
    url = f"{server.url}/v4/spreadsheets/missing"
    headers = {"Authorization": "Bearer cli"}
    answers = [requests.get(url, headers=headers, timeout=5) for _ in range(3)]
    # One read a minute: of three quick reads at least one is refused, even if a minute
    # starts between two of them.
    refused = [a for a in answers if a.status_code == 429]
    assert answers[0].status_code == 404 and refused
    assert "Retry-After" not in refused[0].headers
