"""Nothing secret leaks: after runs with real credentials, no access token, private key, key id,
refresh token or client secret is found in the pytest output, the JSON reports, the checkpoints,
the reports or the local backups; backups and checkpoints are readable by their owner only.

The local server checks who calls (sharing mode): it accepts only the tokens it issued through its
``/token`` endpoint (service-account JWT exchange) and the ones it was given, and shows a
spreadsheet only to its owner; so a run that succeeds has used the credentials for real.
"""

from __future__ import annotations

import gzip
import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sheet_project import LocalApi, Project, demo_values, make_project

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.accounts import Accounts
from pytest_sheetmigrate.emulator.service_keys import (
    PRIVATE_KEY_ID,
    SERVICE_ACCOUNT,
    private_key_pem,
    service_account_info,
    write_key_file,
)

USER = "ana.gomez@example.com"
USER_TOKEN = "ya29.a0AfH6SMC-user-access-token-0123456789"
REFRESH_TOKEN = "1//0g-user-refresh-token-abcdefghijklmnop"
CLIENT_SECRET = "GOCSPX-user-client-secret-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(sharing=True, accounts={USER_TOKEN: USER}) as running:
        yield running


def project_owned_by(
    pytester: pytest.Pytester, server: EmulatorServer, owner: str, values: list[list[Any]]
) -> Project:
    """A demo sheet on the sharing server, owned by ``owner`` (so visible to it alone)."""
    api = LocalApi(server.url)
    requests.post(f"{api.url}/_emulator/reset", timeout=10).raise_for_status()
    sheet = {"title": demo.WORKSHEET, "values": values, "rowCount": len(values) + 10}
    response = requests.post(
        f"{api.url}/_emulator/spreadsheets",
        json={"title": demo.DEMO_TITLE, "owner": owner, "sheets": [sheet]},
        timeout=60,
    )
    response.raise_for_status()
    return make_project(pytester, api, response.json()["spreadsheetId"])


def run_with(project: Project, credentials: str, *args: str) -> pytest.RunResult:
    """A migration, verbose, locals shown on failure, pytest-json-report's file under logs/."""
    return project.run(
        "--migrate",
        "--credentials",
        credentials,
        "-vv",
        "--showlocals",
        "--json-report",
        "--json-report-file=logs/pytest-report.json",
        *args,
    )


def assert_no_secret_anywhere(
    project: Project, result: pytest.RunResult, secrets: dict[str, str]
) -> None:
    """Scan the output and every file under logs/ (gzip files decompressed)."""
    places = {"pytest output": "\n".join([*result.outlines, *result.errlines]).encode()}
    files = [path for path in (project.path / "logs").rglob("*") if path.is_file()]
    assert any(path.name == "pytest-report.json" for path in files), "nothing to scan"
    for path in files:
        data = path.read_bytes()
        places[str(path.relative_to(project.path))] = (
            gzip.decompress(data) if path.suffix == ".gz" else data
        )
    leaks = [
        f"{what} in {place}"
        for place, data in places.items()
        for what, secret in secrets.items()
        if secret.encode() in data
    ]
    assert leaks == []


def private_key_lines() -> dict[str, str]:
    body = [line for line in private_key_pem().splitlines() if not line.startswith("-----")]
    return {f"private key line {n}": line for n, line in enumerate(body, start=1)}


def assert_private(paths: list[Path]) -> None:
    assert paths, "no file to check"
    modes = {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in paths}
    assert set(modes.values()) == {"0o600"}, modes


@pytest.mark.parametrize("outcome", ["passes", "fails"])
def test_a_service_account_run_that_leaves_no_token_private_key_or_key_id_behind(
    pytester: pytest.Pytester, server: EmulatorServer, outcome: str
):
    values = demo_values()
    if outcome == "fails":  # a repeated key: verification fails, the failure is reported
        key = values[0].index("TAG_SPOOL")
        values[6][key] = values[5][key]
    project = project_owned_by(pytester, server, SERVICE_ACCOUNT, values)
    write_key_file(project.path / "sa.json", service_account_info(f"{server.url}/token"))

    result = run_with(project, "sa.json")

    assert result.ret == (0 if outcome == "passes" else 1), result.stdout.str()
    secrets = {
        "the access token": Accounts(None).issue(SERVICE_ACCOUNT),
        "the private_key_id": PRIVATE_KEY_ID,
        **private_key_lines(),
    }
    assert_no_secret_anywhere(project, result, secrets)
    assert_private(list((project.path / "logs" / "checkpoints").glob("*.json")))
    assert_private(list((project.path / "logs" / "migration").glob("backup_*.jsonl.gz")))


def test_an_authorized_user_run_leaves_no_token_refresh_token_or_client_secret_behind(
    pytester: pytest.Pytester, server: EmulatorServer
):
    project = project_owned_by(pytester, server, USER, demo_values())
    expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user = {
        "type": "authorized_user",
        "client_id": "764086051850-user.apps.googleusercontent.com",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "token": USER_TOKEN,
        "expiry": expiry,
    }
    (project.path / "authorized_user.json").write_text(json.dumps(user))

    result = run_with(project, "authorized_user.json")

    assert result.ret == 0, result.stdout.str()
    secrets = {
        "the access token": USER_TOKEN,
        "the refresh token": REFRESH_TOKEN,
        "the client secret": CLIENT_SECRET,
    }
    assert_no_secret_anywhere(project, result, secrets)
    assert_private(list((project.path / "logs" / "checkpoints").glob("*.json")))
