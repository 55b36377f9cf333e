"""A ``SheetMigrateError`` raised inside a test (``live_rows()`` read in a test body, say) is
reported with its message alone, like a failing step: it tells the fix, a traceback would not.

A setup mistake met during the session (an unknown spreadsheet or worksheet, missing credentials,
no access: ``exit_code`` 4 in errors.py) makes the session exit 4, like one refused at configure
time, so CI tells "fix the setup" (4) from "the run found a problem in the sheet" (1).
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from _pytest.outcomes import Failed

from ..errors import FOUND_IN_THE_RUN, SETUP_MISTAKE, SheetMigrateError
from .state import STATE


class StepFailed(Failed):
    """An item failed by a ``SheetMigrateError``: its message, no traceback, its exit code."""

    __module__ = "builtins"  # as pytest's Failed: the summary line says "StepFailed: ..."

    def __init__(self, message: str, exit_code: int = FOUND_IN_THE_RUN) -> None:
        super().__init__(message, pytrace=False)
        self.exit_code = exit_code


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    error = call.excinfo
    state = item.config.stash.get(STATE, None)
    if state is None:
        return report  # a session that has not configured sheetmigrate
    if report.failed and error is not None and error.errisinstance(SheetMigrateError):
        report.longrepr = f"{item.nodeid}: {error.value}"
    if report.failed and error is not None and _exit_code(error.value) == SETUP_MISTAKE:
        state.setup_mistakes.append(item.nodeid)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A session failed by a setup mistake exits 4, as it would have at configure time."""
    state = session.config.stash.get(STATE, None)
    failed = session.exitstatus == pytest.ExitCode.TESTS_FAILED
    if state is not None and state.setup_mistakes and failed:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


def _exit_code(error: BaseException) -> int:
    return int(getattr(error, "exit_code", FOUND_IN_THE_RUN))
