"""Plugin tests: pytest inside pytest (pytester), against the local Sheets server, real gspread."""

from __future__ import annotations

import pytest
import requests
from sheet_project import (
    OWNER,
    OWNER_TOKEN,
    LocalApi,
    Project,
    demo_values,
    make_project,
    seed_demo,
)

from pytest_sheetmigrate.emulator import EmulatorServer


@pytest.fixture(scope="session")
def sheets_server():
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def api(sheets_server) -> LocalApi:
    api = LocalApi(sheets_server.url)
    requests.post(f"{api.url}/_emulator/reset", timeout=10).raise_for_status()
    return api


@pytest.fixture
def demo_sheet(api: LocalApi) -> str:
    """A small v2.1 demo sheet (40 data rows, 10 trailing empty rows); returns its key."""
    return seed_demo(api, demo_values())


@pytest.fixture
def project(pytester: pytest.Pytester, api: LocalApi, demo_sheet: str) -> Project:
    return make_project(pytester, api, demo_sheet)


@pytest.fixture(scope="module")
def sharing_server():
    """A server that checks who calls: spreadsheets are visible to their owner and to the
    accounts they are shared with; only issued tokens and the owner's token are accepted."""
    with EmulatorServer(sharing=True, accounts={OWNER_TOKEN: OWNER}) as server:
        yield server
