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
from typing import Any

import pytest

from ..errors import SheetMigrateError
from ..progress import ProgressLine
from ..record import RunOutcome
from ..report import Line, closing_lines, setup_mistake_lines, step_section, summary_line
from ..results import StepName
from ..run import Run
from . import builtin_tests

RUN = pytest.StashKey[Run]()
CHECK_ITEMS = f"sheetmigrate::{builtin_tests.test_step_3_verify.__name__}["
OUTCOMES: dict[int, RunOutcome] = {
    pytest.ExitCode.OK: RunOutcome.PASSED,
    pytest.ExitCode.INTERRUPTED: RunOutcome.INTERRUPTED,
}


_IN_PLACE = pytest.StashKey[bool]()
"""Whether the terminal's last line is a progress line that the next line replaces."""


def announce(config: pytest.Config, line: str, *, always: bool = False) -> None:
    """A progress line in pytest's terminal style; ``-q`` keeps them for the summary only
    (unless ``always``). A ``ProgressLine`` (progress.py) is rewritten in place on a terminal,
    like pytest's "collecting ..." line, and printed as a line of its own otherwise."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or (config.get_verbosity() < 0 and not always):
        return
    with capture.global_and_fixture_disabled():  # steps run inside an item's setup
        if config.stash.get(_IN_PLACE, False):
            reporter.rewrite("", erase=True)  # the progress line gives way to the next
            reporter.rewrite("")
        in_place = isinstance(line, ProgressLine) and bool(reporter.isatty())
        if in_place:
            reporter.ensure_newline()  # not over a test file's name pytest has written
            reporter.rewrite(f"sheetmigrate: {line}", erase=True)
        else:
            reporter.write_line(f"sheetmigrate: {line}")
        config.stash[_IN_PLACE] = in_place


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
        run, record, config = self.run, self.record, self.config
        _write(terminalreporter, setup_mistake_lines(record))
        if run.problem is not None or not run.touched_sheet:
            return  # an ordinary test run that never touched a sheet
        self._test_step(terminalreporter, exitstatus)
        plan = run.plan if run.opened else None
        section = step_section(record, plan, bodies=config.get_verbosity() > 0)
        if section:
            terminalreporter.section("sheetmigrate")
            _write(terminalreporter, section)
        if config.option.collectonly:
            return  # --collect-only ran nothing: it reports nothing
        parts, _ = terminalreporter.build_summary_stats_line()
        summary = summary_line([text for text, _ in parts], record.started)
        passed = exitstatus == pytest.ExitCode.OK
        settings = run.settings
        lines = closing_lines(record, settings.report_dir, summary, settings.rootdir, passed=passed)
        _write(terminalreporter, lines)

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


def _write(terminalreporter: pytest.TerminalReporter, lines: list[Line]) -> None:
    for line in lines:
        terminalreporter.write_line(line.text, **({line.colour: True} if line.colour else {}))
