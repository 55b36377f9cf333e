"""A run of one command against the engine, and its record: no pytest here.

``Run`` is the engine's session: it opens the gateway (``connect.open_gateway``, which hears the
run's progress callback) and the ``Migration``, runs each step and records it in its
``RunRecord``, and closes both. The record holds what the run did: the steps (each
``StepResult`` with its time and the requests it sent), the seven checks with outcome and
message, the validation suite's outcomes (the test step, filled by whoever runs the suite), the
requests used, warnings, errors and the outcome. The pytest plugin keeps one ``Run`` per session
and maps its record to items, terminal lines and reports; ``commands.py`` runs one from a script.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .checks import CHECKS
from .connect import open_gateway
from .errors import SETUP_MISTAKE, ConfigError, SheetMigrateError
from .gateway import RequestLog, SheetGateway
from .in_flight import interrupted_message
from .migration import Migration
from .results import StepName, StepResult, Verification
from .rollback import rollback
from .schema import Schema, load_schema
from .settings import Lookup, Mode, Settings, check_writable_directory, resolve

Progress = Callable[[str], None]

MIGRATION_STEPS = (StepName.BACKUP, StepName.COLUMNS, StepName.VERIFY, StepName.INIT)
ROLLBACK_STEPS = (StepName.ROLLBACK,)
NOT_RUN = "not run: a step before verify did not pass"


def quiet(line: str) -> None:
    """A progress callback that shows nothing."""


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


@dataclass(frozen=True)
class Flags:
    """The mode flags of a run, as given (``--migrate``, ``--dry-run`` ...)."""

    migrate: bool = False
    dry_run: bool = False
    rollback: bool = False
    force_rollback: bool = False
    break_lock: bool = False

    def mode(self) -> Mode:
        """The mode the flags ask for; a combination that means nothing is refused."""
        if self.dry_run and self.rollback:
            raise ConfigError(
                "--dry-run and --rollback cannot be combined: a rollback always writes. "
                "Run pytest --migrate --dry-run to see a plan, or pytest --rollback to restore."
            )
        if self.migrate and self.rollback:
            raise ConfigError(
                "--migrate and --rollback cannot be combined: one migrates, the other undoes "
                "it. Run pytest --migrate to migrate, or pytest --rollback to restore the backup."
            )
        if self.force_rollback and not self.rollback:
            raise ConfigError(
                "--force-rollback goes with --rollback: pytest --rollback --force-rollback"
            )
        if self.rollback:
            return Mode.ROLLBACK
        if self.dry_run:
            return Mode.DRY_RUN
        return Mode.MIGRATE if self.migrate else Mode.VALIDATE


class Run:
    """One run of the engine on one worksheet: open, steps, close, all recorded."""

    def __init__(
        self,
        settings: Settings | None,
        schema: Schema | None,
        progress: Progress = quiet,
        *,
        mode: Mode | None = None,
        problem: SheetMigrateError | None = None,
        force_rollback: bool = False,
        rerun: str | None = None,
    ) -> None:
        self._settings, self._schema, self.problem = settings, schema, problem
        self.progress = progress
        self.mode = settings.mode if settings is not None else mode or Mode.VALIDATE
        self.force_rollback = force_rollback
        flag = "--rollback" if self.mode is Mode.ROLLBACK else "--migrate"
        self.rerun = rerun or f"pytest {flag}"
        self.record = RunRecord(self.mode)
        if settings is not None and schema is not None:
            self.record.target, self.record.spreadsheet = settings.target, settings.spreadsheet_key
            self.record.worksheet, self.record.schema_version = schema.worksheet, schema.name
        self._stack = ExitStack()
        self._gateway: SheetGateway | None = None
        self.migration: Migration | None = None
        self._closed = False

    @classmethod
    def checked(
        cls,
        settings: Settings,
        progress: Progress = quiet,
        *,
        force_rollback: bool = False,
        rerun: str | None = None,
    ) -> Run:
        """A run on ``settings``: the schema loaded, the folders it writes proven writable."""
        schema = load_schema(settings.schema_path)
        if settings.mode is not Mode.VALIDATE:  # every mode but validation writes reports
            check_writable_directory(settings.report_dir, "--report-dir")
        if settings.mode.writes:
            check_writable_directory(settings.checkpoint_dir, "--checkpoint-dir")
        return cls(settings, schema, progress, force_rollback=force_rollback, rerun=rerun)

    @classmethod
    def from_options(
        cls, flags: Flags, given: Lookup, ini: Lookup, rootdir: Path, progress: Progress = quiet
    ) -> Run:
        """A run from a command line's flags and options, ini keys and environment variables.
        A mistake raises in the modes that migrate; a validation run keeps it as its problem,
        raised when the run first reads the sheet (an ordinary test run may never do so)."""
        mode = flags.mode()
        try:
            settings = resolve(given, mode, rootdir, ini=ini, break_lock=flags.break_lock)
            return cls.checked(settings, progress, force_rollback=flags.force_rollback)
        except SheetMigrateError as error:
            if mode is not Mode.VALIDATE:
                raise
            return cls(None, None, progress, mode=mode, problem=error)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise ConfigError(f"sheetmigrate is not configured: {self.problem}")
        return self._settings

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            raise ConfigError(f"sheetmigrate is not configured: {self.problem}")
        return self._schema

    @property
    def touched_sheet(self) -> bool:
        """A mode that migrates, or a validation that opened the sheet: it has reports."""
        return self.mode is not Mode.VALIDATE or self.migration is not None

    @contextmanager
    def recorded(self, where: str) -> Iterator[None]:
        """A ``SheetMigrateError`` raised inside is recorded (``where``: a step, a test), then
        raised on: the caller that reports it to the user records it."""
        try:
            yield
        except SheetMigrateError as error:
            self.record.record_error(where, error)
            self.record.outcome = RunOutcome.FAILED
            raise

    def ready(self) -> None:
        """Raise the run's setup problem; a validation proves its report folder writable."""
        settings = self.settings
        if self.mode is Mode.VALIDATE:  # the first read of the sheet: reports will follow
            check_writable_directory(settings.report_dir, "--report-dir")

    def gateway(self) -> SheetGateway:
        if self._gateway is None:
            opened = open_gateway(self.settings, notify=self.progress)
            self._gateway = self._stack.enter_context(opened)
            self.record.request_log = self._gateway.log
        return self._gateway

    def open(self) -> Migration:
        """The migration, opened on first use (three reads: metadata, header, key column)."""
        if self.migration is None:
            gateway = self.gateway()
            self.migration = Migration.open(self.settings, gateway, self.schema)
            self.record.warnings = self.migration.checkpoints.warnings  # filled as steps load
        return self.migration

    def backup(self) -> StepResult:
        """Step 1: a Drive copy of the spreadsheet and a local compressed snapshot."""
        return self._step(StepName.BACKUP, lambda migration: migration.backup())

    def columns(self) -> StepResult:
        """Step 2: the schema's missing columns, in one batchUpdate with the step's stamp."""
        return self._step(StepName.COLUMNS, lambda migration: migration.columns())

    def verify(self) -> Verification:
        """Step 3: the seven checks, over every row."""
        found: list[Verification] = []

        def verify(migration: Migration) -> StepResult:
            found.append(migration.verify())
            passed = sum(result.passed for result in found[0].results.values())
            summary = f"{passed} of {len(found[0].results)} checks passed"
            return StepResult(StepName.VERIFY, found[0].status, summary)

        self._step(StepName.VERIFY, verify)
        self.record.record_checks(found[0])
        return found[0]

    def init(self, verification: Verification) -> StepResult:
        """Step 4: each added column's default on every data row (only after ``verification``
        passed)."""
        return self._step(StepName.INIT, lambda migration: migration.init(verification))

    def test(self) -> StepResult:
        """Step 5: the validation suite's outcome, as recorded, kept in the step's checkpoint."""
        outcomes = dict(self.record.tests)
        return self._step(StepName.TEST, lambda migration: migration.test(outcomes))

    def rollback(self) -> StepResult:
        """The worksheet restored from the backup, proven equal by digest."""
        force = self.force_rollback
        return self._step(StepName.ROLLBACK, lambda migration: rollback(migration, force=force))

    def version_problem(self) -> str | None:
        """Why the live sheet is not at the schema's version (None: it is)."""
        migration = self.open()
        schema = migration.schema
        at = migration.stamps.schema_version or "unknown (no sheetmigrate stamp)"
        missing = [name for name, _ in migration.plan.columns_to_add]
        if not missing and at == schema.name:
            return None
        lacking = f"; it lacks {', '.join(missing)}" if missing else ""
        return (
            f"the sheet is at schema version {at}, not {schema.name}{lacking}. "
            "Run pytest --migrate to migrate it (pytest --migrate --dry-run shows the plan)."
        )

    def _step(self, name: StepName, action: Callable[[Migration], StepResult]) -> StepResult:
        """Run one step, record it and announce it: rows, cells, requests and time."""
        migration = self.open()
        started, sent = time.perf_counter(), migration.gateway.log.total
        result = action(migration)
        step = RecordedStep(
            result,
            seconds=time.perf_counter() - started,
            requests=migration.gateway.log.total - sent,
            rows=migration.data_rows,
            cells=migration.data_rows * len(migration.layout),
        )
        self.record.steps.append(step)
        self.progress(step.line)
        return result

    def close(self, *, interrupted: bool = False) -> str | None:
        """Close the migration (its lease released) and the gateway. Interrupted in a mode
        that writes: what the interruption left and that running again is safe."""
        migration = self.migration
        try:
            if migration is None or self._closed:
                return None
            self._closed = True
            held = migration.lease is not None or migration.taking is not None
            write = migration.close()
            if not (interrupted and self.mode.writes):
                return None
            self.record.outcome = RunOutcome.INTERRUPTED
            step = self.record.step_running()
            return interrupted_message(step, write, self.rerun, released=held)
        finally:
            self._stack.close()
