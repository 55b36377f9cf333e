"""The session's ``Run`` (``config.stash[RUN]``) and the hooks that map its record to pytest:
each test's outcome into the record (the test step, from pytest-json-report's summary), a
``SheetMigrateError`` reported by its message alone, the steps at the end of the session, the
reports, and the exit code.

A setup mistake (an unknown spreadsheet, missing credentials, no access: ``exit_code`` 4 in
errors.py) met during the session makes it exit 4, like one refused at configure time, so CI
tells "fix the setup" (4) from "the run found a problem in the sheet" (1).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from ..errors import SETUP_MISTAKE, LocalWriteError, SheetMigrateError
from ..record import RunOutcome
from ..report import session_duration, step_lines, write_reports
from ..results import StepName
from ..run import Run
from ..settings import Mode
from . import builtin_tests

RUN = pytest.StashKey[Run]()
CHECK_ITEMS = f"sheetmigrate::{builtin_tests.test_step_3_verify.__name__}["
OUTCOMES: dict[int, RunOutcome] = {
    pytest.ExitCode.OK: RunOutcome.PASSED,
    pytest.ExitCode.INTERRUPTED: RunOutcome.INTERRUPTED,
}


def announce(config: pytest.Config, line: str, *, always: bool = False) -> None:
    """A progress line in pytest's terminal style; ``-q`` keeps them for the summary only
    (unless ``always``)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or (config.get_verbosity() < 0 and not always):
        return
    with capture.global_and_fixture_disabled():  # steps run inside an item's setup
        reporter.write_line(f"sheetmigrate: {line}")


class RunReporter:
    """Registered in a configured session: reads and completes the record of its run."""

    def __init__(self, config: pytest.Config, run: Run) -> None:
        self.config, self.run, self.record = config, run, run.record

    def pytest_sessionstart(self) -> None:
        self.record.started = time.time()

    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        """Each test's outcome as pytest-json-report summarised the session (its public hook,
        called once the session is over, before our reports are written)."""
        for test in json_report.get("tests", []):
            self.record.tests[test["nodeid"]] = test["outcome"]  # its phases merged already
            if test["nodeid"].startswith(CHECK_ITEMS):  # skipped after a step that did not pass
                self.record.checks_reached = True
        self.record.deselected = json_report.get("summary", {}).get("deselected", 0)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A ``SheetMigrateError`` raised in a test (``live_rows()`` read in its body, say) is
        reported with its message alone, like a failing step: it tells the fix."""
        report = yield
        error = call.excinfo
        if report.failed and error is not None and isinstance(error.value, SheetMigrateError):
            report.longrepr = f"{item.nodeid}: {error.value}"
            self.record.record_error(item.nodeid, error.value)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield  # the terminal summary, the reports and pytest's last line
        ran = session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if self.record.setup_mistake and ran:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
        if self.record.outcome is RunOutcome.RUNNING:
            self.record.outcome = OUTCOMES.get(int(session.exitstatus), RunOutcome.FAILED)
        return result

    @pytest.hookimpl(trylast=True)  # after other plugins': its duration is pytest's
    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter, exitstatus: int
    ) -> None:
        record, config = self.record, self.config
        if record.setup_mistake:
            terminalreporter.write_line(
                f"sheetmigrate: exit code {SETUP_MISTAKE}: a setup mistake stopped the run (its "
                "message is above): fix it and run the same command again",
                red=True,
            )
        if self.run.problem is not None or not self.run.touched_sheet:
            return  # an ordinary test run that never touched a sheet
        self._test_step(terminalreporter, exitstatus)
        if record.steps or record.warnings:  # a run stopped before its first step: no plan
            plan = self.run.plan if self.run.opened else None
            terminalreporter.section("sheetmigrate")
            for line in step_lines(record, plan, bodies=config.get_verbosity() > 0):
                terminalreporter.write_line(line)
            for warning in record.warnings:
                terminalreporter.write_line(f"warning: {warning}", yellow=True)
        if config.option.collectonly:
            return  # --collect-only ran nothing: it reports nothing
        parts, _ = terminalreporter.build_summary_stats_line()
        duration = session_duration(time.time() - record.started)
        summary = ", ".join(text for text, _ in parts) + f" in {duration}"
        try:
            paths = write_reports(self.run.settings.report_dir, record, summary)
        except LocalWriteError as error:
            terminalreporter.write_line(f"sheetmigrate: {error}", red=True)
            record.record_error("reports", error)
            return
        written = ", ".join(relative(path, config) for path in paths[-2:])
        terminalreporter.write_line(f"sheetmigrate: reports written to {written}")
        if exitstatus == pytest.ExitCode.OK and record.mode is Mode.DRY_RUN:
            terminalreporter.write_line("sheetmigrate: dry run: nothing was written to the sheet")

    def _test_step(self, terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
        """Step 5, once the suite ran after every other step: its outcome in the checkpoint."""
        record = self.record
        ran_after_init = record.step(StepName.INIT) is not None and record.tests
        if not ran_after_init or record.step(StepName.TEST) is not None:
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED or self.config.option.collectonly:
            return
        try:
            self.run.test()
        except SheetMigrateError as error:
            record.record_error(StepName.TEST, error)
            terminalreporter.write_line(f"sheetmigrate: {error}", red=True)


def relative(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)
