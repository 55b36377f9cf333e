"""A ``SheetMigrateError`` raised inside a test (``live_rows()`` read in a test body, say) is
reported with its message alone, like a failing step: it tells the fix, a traceback would not."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from ..errors import SheetMigrateError
from .state import STATE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    error = call.excinfo
    if STATE not in item.config.stash:
        return report  # a session that has not configured sheetmigrate
    if report.failed and error is not None and error.errisinstance(SheetMigrateError):
        report.longrepr = f"{item.nodeid}: {error.value}"
    return report
