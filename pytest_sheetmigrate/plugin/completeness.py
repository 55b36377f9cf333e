"""A migration that did not run every step never exits 0 (steps_not_run.py in the engine says why):
after the items ran, a built-in step that neither passed nor failed is reported as one failed
item, ``sheetmigrate::migration``, saying which step did not run and why.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from ..steps_not_run import NODE_ID, Outcome, not_finished, steps_not_run


class StepsMustAllRun:
    """Registered in ``--migrate``, ``--dry-run`` and ``--rollback`` sessions only."""

    NAME = "sheetmigrate-steps-must-all-run"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, list[Outcome]] = {}
        self.expected: list[pytest.Item] = []  # the built-in items, in order

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        longrepr, reason = report.longrepr, ""
        if report.skipped:  # pytest's (path, line, "Skipped: why") or the reason's text
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        self.outcomes.setdefault(report.nodeid, []).append((report.when, report.outcome, reason))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield
        expected = [item.nodeid for item in self.expected]
        scheduled = [item.nodeid for item in session.items]
        problems = steps_not_run(expected, scheduled, self.outcomes)
        if problems and not self.config.option.collectonly:
            self.config.hook.pytest_runtest_logreport(report=failed_report(problems))
        return result


def failed_report(problems: list[str]) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid=NODE_ID,
        location=("sheetmigrate", None, "migration"),
        keywords={},
        outcome="failed",
        longrepr=not_finished(problems),
        when="call",
    )
