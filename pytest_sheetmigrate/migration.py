"""The migration engine: the steps backup → columns → verify → init, without pytest.

Drive it from a script::

    migration = Migration.open(settings, gateway, schema)
    migration.backup()
    migration.columns()
    migration.init(migration.verify())
    migration.close()

:class:`Migration` is a thin layer over the step objects (steps/): it opens the sheet once
(:class:`SheetContext`), makes the run's writer (writer.py: live, or recording for a dry run),
and hands each step's typed outcome to the next. Each step first asks the sheet whether it is
already done (its stamp, or its effect: columns present, defaults written), then the checkpoint
cache, and only then acts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .checkpoints import CheckpointStore
from .context import Progress, SheetContext
from .gateway import SheetGateway, SheetInfo, SpreadsheetInfo
from .in_flight import InterruptedWrite
from .lease import Lease
from .plan import Plan
from .results import StepResult, Verification
from .schema import Schema
from .settings import Settings
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


class Migration:
    """One migration of one worksheet to one schema."""

    def __init__(self, context: SheetContext, writer: Writer) -> None:
        self.context = context
        self.writer = writer
        self.layout = list(context.header)  # the live sheet's header, as far as this run knows
        self.backed_up: BackupOutcome | None = None
        self.verification: Verification | None = None
        self.initialised: InitOutcome | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        gateway: SheetGateway,
        schema: Schema,
        progress: Progress = lambda line: None,
    ) -> Migration:
        """Read what the plan needs: metadata, header row and key column (three requests)."""
        context = SheetContext.open(settings, gateway, schema, progress)
        return cls(context, make_writer(context))

    # the steps -------------------------------------------------------------------------------

    def backup(self) -> StepResult:
        self.backed_up = BackupStep(self.context, self.writer).run()
        if self.backed_up.context is not self.context:  # started over on the sheet read again
            self.context = self.backed_up.context
            self.layout = list(self.context.header)
        return self.backed_up.result

    def columns(self) -> StepResult:
        outcome = ColumnsStep(self.context, self.writer).run()
        self.layout = outcome.layout
        return outcome.result

    def verify(self) -> Verification:
        step = VerifyStep(self.context, self.writer)
        self.verification = step.run(self.backed_up, self.layout)
        return self.verification

    def init(self, verification: Verification) -> StepResult:
        self.initialised = InitStep(self.context, self.writer).run(verification, self.layout)
        return self.initialised.result

    def test(self, outcomes: Mapping[str, str]) -> StepResult:
        """Step 5: the validation suite's outcome (each test's, by name), in its checkpoint."""
        return TestStep(self.context, self.writer).run(outcomes)

    def close(self) -> InterruptedWrite | None:
        """Release the lease if the run still holds it; says whether a write a Ctrl-C left in
        flight landed (writer.py)."""
        return self.writer.close()

    # what the steps saw ----------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def gateway(self) -> SheetGateway:
        return self.context.gateway

    @property
    def schema(self) -> Schema:
        return self.context.schema

    @property
    def plan(self) -> Plan:
        return self.context.plan

    @property
    def checkpoints(self) -> CheckpointStore:
        return self.context.checkpoints

    @property
    def sheet(self) -> SheetInfo:
        return self.context.sheet

    @property
    def header(self) -> list[str]:
        return list(self.context.header)

    @property
    def data_rows(self) -> int:
        return self.context.data_rows

    @property
    def info(self) -> SpreadsheetInfo:
        return self.writer.info

    @property
    def stamps(self) -> Stamps:
        """This worksheet's stamps, with the lease (new stamps go onto the worksheet)."""
        return self.writer.stamps

    @property
    def lease(self) -> Lease | None:
        return self.writer.lease

    @property
    def taking(self) -> Lease | None:
        return self.writer.taking

    @property
    def before(self) -> Snapshot | None:
        """The worksheet before the migration (from the backup step)."""
        return self.backed_up.before if self.backed_up is not None else None

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

    def result_rows(self) -> Iterator[dict[str, Any]]:
        """The data rows of the migrated worksheet as ``{column: value}``, streamed in chunks.

        In a dry run: the live rows as the plan would leave them.
        """
        return self.writer.result_rows(self.context, self.layout)

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
