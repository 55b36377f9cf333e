"""The record of a run: what the engine did, filled as it runs (no pytest here).

``RunRecord`` holds the steps (each ``RecordedStep``: its ``StepResult``, time, requests, rows
and cells), the seven checks with outcome and message (``CheckRecord``), the validation suite's
outcomes (the test step), the requests used, warnings, errors (``RecordedError``) and the
``RunOutcome``. ``run.Run`` fills it; the plugin maps it to items, terminal lines and reports,
``report.py`` writes the reports from it, and ``commands.py`` returns it to a script.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .checks import CHECKS
from .errors import SETUP_MISTAKE, SheetMigrateError
from .request_log import RequestLog
from .results import StepName, StepResult, Verification
from .settings import Mode

MIGRATION_STEPS = (StepName.BACKUP, StepName.COLUMNS, StepName.VERIFY, StepName.INIT)
ROLLBACK_STEPS = (StepName.ROLLBACK,)
NOT_RUN = "not run: a step before verify did not pass"


class RunOutcome(StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass
class RecordedStep:
    """One step as it ran: its result, how long it took and what it cost."""

    result: StepResult
    seconds: float = 0.0
    requests: int = 0  # requests the step sent (reads included)
    rows: int = 0
    cells: int = 0

    @property
    def line(self) -> str:
        """The progress line: ``columns ran: added ... (2,556 rows, ..., 0.02 s)``."""
        said = f"{self.result.step} {self.result.status}: {self.result.summary}"
        if self.result.step is StepName.VERIFY:
            return said
        return (
            f"{said} ({self.rows:,} rows, {self.cells:,} cells, {self.requests} requests, "
            f"{self.seconds:.2f} s)"
        )


@dataclass
class CheckRecord:
    name: str
    outcome: str  # "passed", "failed", or "skipped" while the verify step has not run
    message: str


@dataclass
class RecordedError:
    where: str  # a step, or the test that met it
    message: str
    exit_code: int


@dataclass
class RunRecord:
    mode: Mode
    target: str = ""
    spreadsheet: str = ""
    worksheet: str = ""
    schema_version: str = ""
    steps: list[RecordedStep] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    tests: dict[str, str] = field(default_factory=dict)  # the test step: outcome by test name
    deselected: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[RecordedError] = field(default_factory=list)
    request_log: RequestLog | None = None
    checks_reached: bool = False  # the checks ran, or the session reported them as not run
    outcome: RunOutcome = RunOutcome.RUNNING
    started: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.mode in (Mode.MIGRATE, Mode.DRY_RUN) and not self.checks:
            self.checks = [CheckRecord(name, "skipped", NOT_RUN) for name in CHECKS]

    @property
    def requests(self) -> dict[str, Any]:
        """The requests used, by kind, with retries (the gateway's ``RequestLog``)."""
        return self.request_log.to_dict() if self.request_log is not None else {}

    @property
    def checks_passed(self) -> int:
        return sum(check.outcome == "passed" for check in self.checks)

    @property
    def setup_mistake(self) -> bool:
        """A setup mistake stopped the run (exit code 4: fix it and run again)."""
        return any(error.exit_code == SETUP_MISTAKE for error in self.errors)

    def step(self, name: StepName) -> RecordedStep | None:
        return next((step for step in self.steps if step.result.step == name), None)

    def step_running(self) -> StepName | None:
        """The first of the mode's steps that did not finish (None: they all did)."""
        order = ROLLBACK_STEPS if self.mode is Mode.ROLLBACK else MIGRATION_STEPS
        return next((name for name in order if self.step(name) is None), None)

    def test_summary(self) -> dict[str, int]:
        """The suite's outcome counts and their total (``{"passed": 64, "total": 64}``)."""
        counts: dict[str, int] = dict(Counter(self.tests.values()))
        counts["total"] = len(self.tests)
        if self.deselected:
            counts["deselected"] = self.deselected
        return counts

    def record_error(self, where: str, error: SheetMigrateError) -> None:
        """An error met by the run; checks it left unrun say so, as an error if verify met it."""
        self.errors.append(RecordedError(where, str(error), error.exit_code))
        for check in self.checks:
            if check.message == NOT_RUN:
                check.outcome = "error" if where == StepName.VERIFY else "skipped"
                check.message = f"not run: {error}"

    def record_checks(self, verification: Verification) -> None:
        self.checks_reached = True
        self.checks = [
            CheckRecord(name, "passed" if result.passed else "failed", result.message)
            for name, result in verification.results.items()
        ]
