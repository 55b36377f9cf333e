"""A run of one command on one worksheet, without pytest: the engine's one layer over the steps.

``Run`` opens the sheet (the gateway, which hears the run's progress callback; a
``SheetContext``; the writer, live or recording for a dry run), runs each step object of steps/
with the earlier steps' typed outcomes, records it in its ``RunRecord`` (record.py) and closes.
Each step first asks the sheet whether it is already done (its stamp, or its effect: columns
present, defaults written), then the checkpoint cache, and only then acts. Drive it from a
script (or use commands.py, one function per command)::

    run = Run.checked(settings)
    try:
        run.backup()
        run.columns()
        run.init(run.verify())
    finally:
        run.close()

The pytest plugin keeps one ``Run`` per session and maps its record to items, terminal lines and
reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .connect import open_gateway
from .context import SheetContext
from .errors import ConfigError, SheetMigrateError
from .gateway import SheetGateway
from .in_flight import interrupted_message
from .plan import Plan
from .record import RecordedStep, RunOutcome, RunRecord
from .results import StepName, StepResult, Verification
from .rollback import RollbackStep
from .schema import Schema, load_schema
from .settings import Lookup, Mode, Settings, check_writable_directory, resolve
from .snapshot import Snapshot
from .stamp import Stamps
from .steps import (
    BackupOutcome,
    BackupStep,
    ColumnsStep,
    InitOutcome,
    InitStep,
    TestStep,
    VerifyStep,
)
from .writer import Writer, make_writer

Progress = Callable[[str], None]


def quiet(line: str) -> None:
    """A progress callback that shows nothing."""


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
    """One run of the engine on one worksheet: open, the steps, close, all recorded."""

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
        self._context: SheetContext | None = None
        self._writer: Writer | None = None
        self.layout: list[str] = []  # the live sheet's header, as far as this run knows
        self.backed_up: BackupOutcome | None = None
        self.verification: Verification | None = None
        self.initialised: InitOutcome | None = None
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
        return self.mode is not Mode.VALIDATE or self.opened

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

    # opening ---------------------------------------------------------------------------------

    @property
    def gateway(self) -> SheetGateway:
        """The run's one gateway, opened on first use."""
        if self._gateway is None:
            opened = open_gateway(self.settings, notify=self.progress)
            self._gateway = self._stack.enter_context(opened)
            self.record.request_log = self._gateway.log
        return self._gateway

    @property
    def opened(self) -> bool:
        return self._context is not None

    def open(self) -> None:
        """Open the sheet, if not yet: three reads (metadata, header, key column), and the
        writer the mode asks for (live, or recording for a dry run)."""
        self._open()

    def _open(self) -> tuple[SheetContext, Writer]:
        if self._context is None or self._writer is None:
            context = SheetContext.open(self.settings, self.gateway, self.schema)
            self._context, self._writer = context, make_writer(context)
            self.layout = list(context.header)
            self.record.warnings = context.checkpoints.warnings  # filled as steps load
        return self._context, self._writer

    @property
    def context(self) -> SheetContext:
        """The sheet as the run opened it (read again if the backup step started over)."""
        return self._open()[0]

    @property
    def writer(self) -> Writer:
        return self._open()[1]

    @property
    def plan(self) -> Plan:
        return self.context.plan

    @property
    def before(self) -> Snapshot | None:
        """The worksheet before the migration (from the backup step)."""
        return self.backed_up.before if self.backed_up is not None else None

    # the steps -------------------------------------------------------------------------------

    def backup(self) -> StepResult:
        """Step 1: a Drive copy of the spreadsheet and a local compressed snapshot."""
        return self._step(self._backup)

    def _backup(self) -> StepResult:
        self.backed_up = BackupStep(self.context, self.writer).run()
        if self.backed_up.context is not self.context:  # started over on the sheet read again
            self._context = self.backed_up.context
            self.layout = list(self._context.header)
        return self.backed_up.result

    def columns(self) -> StepResult:
        """Step 2: the schema's missing columns, in one batchUpdate with the step's stamp."""
        return self._step(self._columns)

    def _columns(self) -> StepResult:
        outcome = ColumnsStep(self.context, self.writer).run()
        self.layout = outcome.layout
        return outcome.result

    def verify(self) -> Verification:
        """Step 3: the seven checks, over every row."""
        self._step(self._verify)
        assert self.verification is not None
        self.record.record_checks(self.verification)
        return self.verification

    def _verify(self) -> StepResult:
        found = VerifyStep(self.context, self.writer).run(self.backed_up, self.layout)
        self.verification = found
        passed = sum(result.passed for result in found.results.values())
        summary = f"{passed} of {len(found.results)} checks passed"
        return StepResult(StepName.VERIFY, found.status, summary)

    def init(self, verification: Verification) -> StepResult:
        """Step 4: each added column's default on every data row (only after ``verification``
        passed)."""
        return self._step(lambda: self._init(verification))

    def _init(self, verification: Verification) -> StepResult:
        self.initialised = InitStep(self.context, self.writer).run(verification, self.layout)
        return self.initialised.result

    def test(self) -> StepResult:
        """Step 5: the validation suite's outcome, as recorded, kept in the step's checkpoint."""
        outcomes = dict(self.record.tests)
        return self._step(lambda: TestStep(self.context, self.writer).run(outcomes))

    def rollback(self) -> StepResult:
        """The worksheet restored from the backup, proven equal by digest."""
        force = self.force_rollback
        return self._step(lambda: RollbackStep(self.context, self.writer).run(force=force))

    def _step(self, action: Callable[[], StepResult]) -> StepResult:
        """Run one step, record it and announce it: rows, cells, requests and time."""
        log = self.context.gateway.log  # the sheet opened first: its reads are no step's
        started, sent = time.perf_counter(), log.total
        result = action()
        rows = self.context.data_rows
        step = RecordedStep(
            result,
            seconds=time.perf_counter() - started,
            requests=log.total - sent,
            rows=rows,
            cells=rows * len(self.layout),
        )
        self.record.steps.append(step)
        self.progress(step.line)
        return result

    def version_problem(self) -> str | None:
        """Why the live sheet is not at the schema's version (None: it is)."""
        context, stamps = self.context, self.writer.stamps
        schema = context.schema
        at = stamps.schema_version or "unknown (no sheetmigrate stamp)"
        missing = [name for name, _ in context.plan.columns_to_add]
        if not missing and at == schema.name:
            return None
        lacking = f"; it lacks {', '.join(missing)}" if missing else ""
        return (
            f"the sheet is at schema version {at}, not {schema.name}{lacking}. "
            "Run pytest --migrate to migrate it (pytest --migrate --dry-run shows the plan)."
        )

    # reading ---------------------------------------------------------------------------------

    def live_snapshot(self) -> Snapshot:
        """The worksheet as it is now, read over every row."""
        return self.context.snapshot_of(self.gateway, len(self.layout))

    def snapshot_of_copy(self, key: str) -> Snapshot:
        """The same worksheet in another spreadsheet (a backup copy)."""
        return self.context.snapshot_of(self.gateway.other(key), len(self.layout))

    def result_snapshot(self) -> Snapshot:
        """The migrated sheet as the validation suite sees it (planned in a dry run)."""
        init, verification = self.initialised, self.verification
        after = init.after if init is not None else None
        if after is None and verification is not None:
            after = verification.after
        names = init.initialised if init is not None else []
        return self.writer.result_snapshot(self.context, self.layout, after, names)

    def result_rows(self, *columns: str) -> Iterator[dict[str, Any]]:
        """The data rows of the migrated worksheet as ``{column: value}``, streamed in chunks;
        with ``columns``, only those columns are read and given (a request per ~4 MB of them,
        not of whole rows).

        In a dry run: the live rows as the plan would leave them.
        """
        return self.writer.result_rows(self.context, self.layout, columns)

    # writing (for scripts that add their own writes) -----------------------------------------

    def take_lease(self) -> None:
        self.writer.take_lease()

    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        step: str = "write",
        applied: Callable[[Stamps], bool],
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """One all-or-nothing batchUpdate with the lease's renewal (writer.py): ``applied``
        tells from the stamps whether a write whose answer was lost went through,
        ``before_resend`` may refuse to send it again."""
        self.writer.write(
            requests, step=step, applied=applied, release=release, before_resend=before_resend
        )

    # closing ---------------------------------------------------------------------------------

    def close(self, *, interrupted: bool = False) -> str | None:
        """Release the lease if the run still holds it (a write a Ctrl-C left in flight is
        waited for first), and close the gateway. Interrupted in a mode that writes: what the
        interruption left and that running again is safe."""
        writer = self._writer
        try:
            if writer is None or self._closed:
                return None
            self._closed = True
            held = writer.lease is not None or writer.taking is not None
            write = writer.close()
            if not (interrupted and self.mode.writes):
                return None
            self.record.outcome = RunOutcome.INTERRUPTED
            step = self.record.step_running()
            return interrupted_message(step, write, self.rerun, released=held)
        finally:
            self._stack.close()
