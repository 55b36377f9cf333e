"""A migration that did not run every step never exits 0.

pytest-dependency skips the items after a step that did not pass, and a skip is not a failure:
``--lf`` deselecting the steps, or a hook reordering the items after the plugin put its steps
first, would leave a half-done migration with a green exit. After the items ran, any built-in
step that neither passed nor failed is reported as one failed item, ``sheetmigrate::migration``,
saying which step did not run and why.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

NODE_ID = "sheetmigrate::migration"


class StepsMustAllRun:
    """Registered in ``--migrate``, ``--dry-run`` and ``--rollback`` sessions only."""

    NAME = "sheetmigrate-steps-must-all-run"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.reports: dict[str, list[pytest.TestReport]] = {}
        self.expected: list[pytest.Item] = []  # the built-in items, in order

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.setdefault(report.nodeid, []).append(report)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield
        if not self.config.option.collectonly:
            problems = self.steps_not_run(session)
            if problems:
                self.config.hook.pytest_runtest_logreport(report=failed_report(problems))
        return result

    def steps_not_run(self, session: pytest.Session) -> list[str]:
        """One line per step that did not run, with why; none when a step failed (its failure
        already fails the session and says why) or when every step passed."""
        expected = [item.nodeid for item in self.expected]
        outcomes = {nodeid: self.reports.get(nodeid, []) for nodeid in expected}
        if any(report.failed for reports in outcomes.values() for report in reports):
            return []
        scheduled = [item.nodeid for item in session.items]
        lines = []
        for nodeid, reports in outcomes.items():
            if any(report.when == "call" and report.passed for report in reports):
                continue
            lines.append(f"{nodeid} did not run: {_why(nodeid, reports, scheduled)}")
        if not lines:
            return []
        if scheduled[: len(expected)] != expected and set(expected) <= set(scheduled):
            lines.append(
                "the items were reordered after sheetmigrate put its steps first (a "
                "pytest_collection_modifyitems hook of a conftest.py or plugin ran after it): "
                "the steps must run first and in order; remove or condition that hook"
            )
        return lines


def _why(nodeid: str, reports: list[pytest.TestReport], scheduled: list[str]) -> str:
    skipped = next((report for report in reports if report.skipped), None)
    if skipped is not None:
        longrepr = skipped.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return f"skipped ({reason.removeprefix('Skipped: ')})"
    if nodeid not in scheduled:
        return (
            "it was deselected after sheetmigrate selected it (by --lf/--last-failed, --sw, "
            "--deselect or a plugin's hook); a migration runs every step: run pytest --migrate "
            "without it (the steps already done are recognised as done)"
        )
    return "the session stopped before it"


def failed_report(problems: list[str]) -> pytest.TestReport:
    message = "\n".join(["the migration did not run every step, so it did not finish:", *problems])
    return pytest.TestReport(
        nodeid=NODE_ID,
        location=("sheetmigrate", None, "migration"),
        keywords={},
        outcome="failed",
        longrepr=message,
        when="call",
    )
