"""Shared fixtures and hooks of the emulator tests: a fresh state model per test, a server per
module (memory only, default options; a module needing other options defines its own
``server``), a gspread client aimed at it, and the fidelity figure in the terminal summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def model() -> Model:
    """A fresh state model, called as the HTTP layer calls it."""
    return Model()


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture
def client(server: EmulatorServer) -> gspread.Client:
    return sheets_client(server.url)


_FIDELITY_TEST = "test_fidelity.py::test_cassette_replays_identically["
_fidelity: dict[str, bool] = {}
_other_files: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _FIDELITY_TEST not in report.nodeid:
        return
    cassette = report.nodeid.rpartition("[")[2].rstrip("]")
    if report.when == "call" or report.failed:
        _fidelity[cassette] = _fidelity.get(cassette, True) and report.passed
    for name, value in report.user_properties:
        if name == "other_files" and isinstance(value, int) and value:
            _other_files[cassette] = value


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _fidelity:
        return
    failing = sorted(name for name, passed in _fidelity.items() if not passed)
    terminalreporter.write_sep("-", "emulator fidelity")
    terminalreporter.write_line(
        f"{len(_fidelity) - len(failing)} of {len(_fidelity)} recorded cassettes replay identically"
    )
    for name in failing:
        terminalreporter.write_line(f"  differs: {name}")
    for name, count in sorted(_other_files.items()):
        terminalreporter.write_line(
            f"  {name}: {count} requests on the recording account's other files not replayed"
        )
