"""Engine tests against the in-process local Sheets server, through real gspread, no pytest
plugin in between: the steps, the writer, the lease and the stamps tested directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import requests
from live_sheet import LiveSheet, open_run_on

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.settings import Mode


@pytest.fixture(scope="session")
def sheets_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def live_sheet(sheets_server: EmulatorServer, tmp_path: Path) -> LiveSheet:
    """The small v2.1 demo sheet (40 data rows) on a freshly reset server."""
    requests.post(f"{sheets_server.url}/_emulator/reset", timeout=10).raise_for_status()
    return LiveSheet.seeded(sheets_server.url, tmp_path)


@pytest.fixture
def open_run(
    live_sheet: LiveSheet,
) -> Callable[..., AbstractContextManager[Run]]:
    """``with open_run(Mode.MIGRATE) as migration:`` — the engine opened on the sheet."""

    def opened(mode: Mode = Mode.MIGRATE, **settings: object) -> AbstractContextManager[Run]:
        return open_run_on(live_sheet, mode, **settings)

    return opened
