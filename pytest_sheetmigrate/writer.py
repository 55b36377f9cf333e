"""Where the steps' requests go: the one place a run writes, or only records what it would.

A step builds its requests and hands them to its writer; it never asks whether the run is a dry
run. :func:`make_writer` is the one place that chooses:

- :class:`LiveWriter` adds the lease's renewal (or release) to each batchUpdate and sends it,
  stamp and all, in one all-or-nothing request from a thread of its own (in_flight.py); it
  takes the lease before the first write, saves the checkpoints, writes the local snapshot and
  reads the sheet back when asked what it holds now;
- :class:`RecordingWriter` (``--dry-run``) records the same bodies, applies their stamps to its
  copy of the spreadsheet's metadata, and answers "the sheet after" from the in-memory result
  it built from the plan while the backup step streamed the source (:class:`PlannedResult`).
  It takes no lease, writes no checkpoint and copies nothing on Drive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .checkpoints import Checkpoint
from .context import RowSink, SheetContext
from .errors import ConcurrentChangeError, SheetStateError
from .in_flight import InterruptedWrite, WriteInFlight
from .lease import TAKING_THE_LEASE, Lease, LeaseHolder, Send
from .local_snapshot import LocalSnapshot, local_snapshot_path
from .reader import ColumnLayout, SheetReader, first_cells, key_digest
from .results import StepStatus
from .settings import Mode
from .sheet_info import SpreadsheetInfo
from .snapshot import Snapshot, count_data_rows
from .snapshot_builder import SnapshotBuilder
from .stamp import Stamps, step_key, utc_now

if TYPE_CHECKING:
    from .steps.backup import BackupOutcome, BackupStep

Applied = Callable[[Stamps], bool]
"""Whether a write went through, judged from the stamps read afresh (its answer lost)."""


def make_writer(context: SheetContext) -> Writer:
    """The writer of this run: the dry run is chosen here, and nowhere else."""
    if context.settings.mode is Mode.DRY_RUN:
        return RecordingWriter(context)
    return LiveWriter(context)


class Writer(ABC):
    """What a step's requests are handed to, and what it asks about the sheet it writes."""

    status: StepStatus  # what a step that acted reports: ran, or planned

    def __init__(self, context: SheetContext) -> None:
        self.context = context  # as opened; the steps pass the one they work on
        self.info: SpreadsheetInfo = context.info  # the spreadsheet after this writer's writes
        self.sent: list[tuple[str, list[dict[str, Any]]]] = []  # (step, requests) per write

    @property
    def lease(self) -> Lease | None:
        """The lease held (confirmed)."""
        return None

    @property
    def taking(self) -> Lease | None:
        """A lease asked for and not yet confirmed."""
        return None

    @property
    def stamps(self) -> Stamps:
        """The worksheet's stamps as they are after this writer's writes, with the lease."""
        context = self.context
        return self.info.stamps_of(context.sheet.sheet_id, legacy=context.legacy_stamps)

    def seen(self, info: SpreadsheetInfo) -> None:
        """The spreadsheet was read afresh (the sheet changed under the run)."""
        self.info = info

    def run_id(self) -> dict[str, str]:
        """This run's id, in the stamps it writes: a result computed under a stamp is bound to
        that very stamp, not to one another run wrote in the same second."""
        return {"run": self.lease.run} if self.lease is not None else {}

    def summary(self, would: str, did: str) -> str:
        """A step's summary: what it did, or (recorded only) what it would do."""
        return did

    def write_step(
        self,
        requests: list[dict[str, Any]],
        step: str,
        *,
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """Write a step: its answer lost, the step's stamp tells whether it was applied, the
        very stamp ``requests`` create (an older one of the step, which they replace, stays
        when they were not applied: a backup started over, columns moved again)."""
        key = step_key(self.context.schema.name, step)
        created = [
            metadata.get("metadataValue")
            for request in requests
            if (metadata := request.get("createDeveloperMetadata", {}).get("developerMetadata"))
            and metadata.get("metadataKey") == key
        ]

        def applied(stamps: Stamps) -> bool:
            found = stamps.get(key)
            return found is not None and (not created or found[1] in created)

        self.write(
            requests, step=step, applied=applied, release=release, before_resend=before_resend
        )

    def save_detected(self, step: str) -> None:
        """A step found done on the sheet: its checkpoint, unless one exists."""
        if self.context.checkpoints.load(step) is None:
            self.save(step, utc_now(), "found done on the sheet", {})

    @abstractmethod
    def backup(self, step: BackupStep) -> BackupOutcome:
        """The backup step as this writer does it: made or resumed, or planned."""

    @abstractmethod
    def take_lease(self) -> None:
        """Hold the migration lease before the first write (LockHeldError names the holder)."""

    @abstractmethod
    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        step: str = "write",
        applied: Applied,
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """One all-or-nothing batchUpdate, carrying the lease's renewal (or its release)."""

    @abstractmethod
    def write_values(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        """One values.batchUpdateByDataFilter; its answer says which filters matched."""

    @abstractmethod
    def refuse_rows_changed(self, context: SheetContext, layout: list[str]) -> None:
        """Before a step's write: ConcurrentChangeError when the rows changed since opened."""

    @abstractmethod
    def column_layout(self, title: str, down: Sequence[int] = (), rows: int = 0) -> ColumnLayout:
        """The header row and the column markers now (and the data rows of ``down``)."""

    @abstractmethod
    def layout_after_columns(self, context: SheetContext) -> list[str]:
        """The header the live sheet has once the columns step was handed its requests."""

    @abstractmethod
    def save(self, step: str, started: str, detected: str, details: dict[str, Any]) -> None:
        """The step's checkpoint."""

    @abstractmethod
    def forget(self, steps: tuple[str, ...]) -> None:
        """Discard the checkpoints of ``steps`` (the migration was rolled back)."""

    @abstractmethod
    def sheet_now(self, context: SheetContext, layout: list[str]) -> Snapshot:
        """The worksheet as this run's writes left it, over every row."""

    @abstractmethod
    def result_snapshot(
        self,
        context: SheetContext,
        layout: list[str],
        after: Snapshot | None,
        initialised: list[str],
    ) -> Snapshot:
        """The migrated sheet as the validation suite sees it."""

    @abstractmethod
    def result_rows(
        self, context: SheetContext, layout: list[str], columns: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """The migrated sheet's data rows as ``{column: value}``, streamed in chunks (only the
        ``columns`` named, when some are)."""

    def close(self) -> InterruptedWrite | None:
        """Settle what the run leaves behind (the lease, a write in flight)."""
        return None


class LiveWriter(Writer):
    """Sends each write, with the stamp and the lease's renewal in the same batchUpdate."""

    status = StepStatus.RAN

    def __init__(self, context: SheetContext) -> None:
        super().__init__(context)
        self.holder = LeaseHolder(
            context.gateway, force=context.settings.break_lock, progress=context.progress
        )
        self.in_flight: WriteInFlight | None = None  # a write a Ctrl-C left for close()

    @property
    def lease(self) -> Lease | None:
        return self.holder.held

    @property
    def taking(self) -> Lease | None:
        return self.holder.taking

    def backup(self, step: BackupStep) -> BackupOutcome:
        return step.make_or_resume(self._local_snapshot)

    def _local_snapshot(self, context: SheetContext) -> RowSink:
        path = local_snapshot_path(
            context.settings.report_dir, context.gateway.key, context.sheet.sheet_id
        )
        return LocalSnapshot(path, list(context.header))

    def take_lease(self) -> None:
        if self.holder.held is not None:
            return
        self._refuse_write_when_read_only()
        info = self.holder.take(self._send_in_flight)
        if info is not None:
            self.info = info

    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        step: str = "write",
        applied: Applied,
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """When the answer is lost, ``applied`` looks at the re-read stamps to tell whether the
        write went through, so it is never sent twice; ``before_resend`` may refuse to send it
        again after the wait (the sheet changed meanwhile). Sent from a thread of its own, so
        that a Ctrl-C leaves the write to finish and ``close()`` can tell whether the write of
        ``step`` (named in the message) landed."""
        self._refuse_write_when_read_only()
        renewal = self.holder.renewal(self.info.stamps, release=release)
        gateway = self.context.gateway

        def went_through() -> bool:
            self.info = gateway.metadata()
            return applied(self.stamps)

        requests = requests + renewal.requests

        def send(refuse_once_interrupted: Callable[[], None]) -> dict[str, Any]:
            def check_before_resend() -> None:
                refuse_once_interrupted()
                if before_resend is not None:
                    before_resend()

            return gateway.batch_update(
                requests, already_applied=went_through, before_resend=check_before_resend
            )

        answer = self._send_in_flight(step, applied, send)
        if "replies" in answer:
            self.info = self.info.after(requests, answer["replies"])
        self.holder.landed(renewal)
        self.sent.append((step, requests))

    def _send_in_flight(self, step: str, applied: Applied, send: Send) -> dict[str, Any]:
        """Send a write from its own thread: a Ctrl-C leaves it in flight, for close()."""
        self.in_flight = WriteInFlight(step, applied, send)
        answer = self.in_flight.answer()
        self.in_flight = None
        return answer

    def write_values(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        self._refuse_write_when_read_only()
        return self.context.gateway.write_by_data_filter(data)

    def _refuse_write_when_read_only(self) -> None:
        mode = self.context.settings.mode
        if not mode.writes:
            raise SheetStateError(
                f"this run is {mode.value}, read-only: nothing may be written. "
                "Run pytest --migrate to migrate (or pytest --rollback to restore)"
            )

    def refuse_rows_changed(self, context: SheetContext, layout: list[str]) -> None:
        key_index = layout.index(context.schema.key)
        values = SheetReader(context.gateway).key_column(context.sheet.title, key_index)
        rows = count_data_rows(first_cells(values))
        if rows != context.data_rows or key_digest(values[:rows]) != context.key_digest:
            raise ConcurrentChangeError(
                f"the rows of {context.sheet.title!r} changed while the migration ran "
                f"({context.data_rows:,} data rows at the start, {rows:,} now): nothing was "
                "written in this step. Run pytest --migrate again (with the application "
                "quiet): no cell was migrated yet, so it takes a new backup of the rows as they "
                "are then and starts over."
            )

    def column_layout(self, title: str, down: Sequence[int] = (), rows: int = 0) -> ColumnLayout:
        return SheetReader(self.context.gateway).column_layout(title, down, rows)

    def layout_after_columns(self, context: SheetContext) -> list[str]:
        return context.plan.apply_to_header()

    def save(self, step: str, started: str, detected: str, details: dict[str, Any]) -> None:
        context = self.context
        details = {**details, "requests_used": context.gateway.log.to_dict()}
        context.checkpoints.save(
            Checkpoint(
                step=step,
                spreadsheet=context.gateway.key,
                schema=context.checkpoints.schema,
                started=started,
                finished=utc_now(),
                detected=detected,
                details=details,
            )
        )

    def forget(self, steps: tuple[str, ...]) -> None:
        for step in steps:
            self.context.checkpoints.discard(step)

    def sheet_now(self, context: SheetContext, layout: list[str]) -> Snapshot:
        return context.snapshot_of(context.gateway, len(layout))

    def result_snapshot(
        self,
        context: SheetContext,
        layout: list[str],
        after: Snapshot | None,
        initialised: list[str],
    ) -> Snapshot:
        """When this run read the sheet after the columns step (verify, init), that read is
        reused: only the key column and the columns init wrote since are read again (a request
        per ~4 MB of them), with the header row, and the whole sheet when its rows or its
        header changed meanwhile. Not seen this way: another program's edit, between that read
        and now, of a cell outside those columns."""
        if after is not None:
            reader = SheetReader(context.gateway)
            reused = reader.with_columns_read_again(
                context.schema, context.sheet.title, after, initialised
            )
            if reused is not None:
                return reused
        return self.sheet_now(context, layout)

    def result_rows(
        self, context: SheetContext, layout: list[str], columns: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        title, rows, reader = context.sheet.title, context.data_rows, SheetReader(context.gateway)
        if columns:  # those columns' cells only: a request per ~4 MB of them
            names = list(columns)
            indexes = [_column_index(layout, name, title) for name in names]
            for chunk in reader.columns_down(title, indexes, 2, rows + 1):
                yield from (dict(zip(names, row, strict=True)) for row in chunk)
            return
        for chunk in reader.data_rows(title, rows, len(layout)):
            for row in chunk:
                yield dict(zip(layout, row + [""] * (len(layout) - len(row)), strict=False))

    def close(self) -> InterruptedWrite | None:
        """Release the lease if a failed or partial run still holds it: the sheet is read
        afresh, so a renewal whose answer was lost (Ctrl-C, a dropped connection) is found.

        A write a Ctrl-C left in flight is waited for first (it may renew the lease); returns
        whether it landed, as the sheet says."""
        in_flight, self.in_flight = self.in_flight, None
        interrupted = None
        if in_flight is not None and in_flight.interrupted.is_set():
            gateway = self.context.gateway
            settled = in_flight.settle(0)
            if not settled:
                gateway.notify(f"waiting for the answer of the {in_flight.step} write")
                settled = in_flight.settle()
            self.info = gateway.metadata()
            landed = in_flight.applied(self.stamps)  # the worksheet's stamps, read afresh
            if in_flight.step != TAKING_THE_LEASE:  # no step's write: nothing landed of one
                interrupted = InterruptedWrite(in_flight.step, landed, settled)
        self.holder.close()
        return interrupted


class PlannedResult:
    """The dry run's in-memory sheet: the source's rows as the plan leaves them after the
    columns step and after the init step, digested as the backup step streams the source
    (one read of the sheet, no row kept)."""

    def __init__(self, context: SheetContext) -> None:
        self.plan = context.plan
        self.header = self.plan.apply_to_header()
        self._columns = SnapshotBuilder(context.schema, self.header)
        self._init = SnapshotBuilder(context.schema, self.header)
        self.after_columns: Snapshot | None = None
        self.after_init: Snapshot | None = None

    def write(self, rows: list[list[Any]]) -> None:
        moved = [self.plan.apply_to_row(row) for row in rows]
        self._columns.add_rows(moved)
        self._init.add_rows([self.plan.apply_defaults_to_row(row) for row in moved])

    def close(self) -> dict[str, Any]:
        self.after_columns, self.after_init = self._columns.finish(), self._init.finish()
        return {}


class RecordingWriter(Writer):
    """Records each write's body and applies it to the in-memory result; sends no write."""

    status = StepStatus.PLANNED

    def __init__(self, context: SheetContext) -> None:
        super().__init__(context)
        self.result = PlannedResult(context)
        self._initialised = False  # the init step's write was recorded
        self._next_id = 0

    def summary(self, would: str, did: str) -> str:
        return would

    def backup(self, step: BackupStep) -> BackupOutcome:
        return step.plan(self.result)

    def take_lease(self) -> None:
        return None  # a dry run never takes the lease

    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        step: str = "write",
        applied: Applied,
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        self.sent.append((step, requests))
        self.info = self.info.after(requests, [self._reply(request) for request in requests])
        self._initialised = self._initialised or step == "init"

    def _reply(self, request: dict[str, Any]) -> dict[str, Any]:
        """What the API would answer: created metadata gets an id (negative: not the API's)."""
        created = request.get("createDeveloperMetadata")
        if created is None:
            return {}
        self._next_id -= 1
        metadata = {**created["developerMetadata"], "metadataId": self._next_id}
        return {"createDeveloperMetadata": {"developerMetadata": metadata}}

    def write_values(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        self.sent.append(("values", data))
        return {"responses": [{"dataFilter": entry["dataFilter"]} for entry in data]}

    def refuse_rows_changed(self, context: SheetContext, layout: list[str]) -> None:
        return None  # nothing else writes to the in-memory sheet

    def column_layout(self, title: str, down: Sequence[int] = (), rows: int = 0) -> ColumnLayout:
        """The planned header; no marker (the columns step's markers exist only once sent), so
        the init step addresses its columns by their planned index."""
        header = tuple(self.result.header)
        return ColumnLayout(header, {}, blanks={index: () for index in range(len(header))})

    def layout_after_columns(self, context: SheetContext) -> list[str]:
        return list(context.header)  # the live sheet keeps its header: nothing was sent

    def save(self, step: str, started: str, detected: str, details: dict[str, Any]) -> None:
        return None  # a dry run leaves no checkpoint

    def forget(self, steps: tuple[str, ...]) -> None:
        return None

    def sheet_now(self, context: SheetContext, layout: list[str]) -> Snapshot:
        after = self.result.after_init if self._initialised else self.result.after_columns
        assert after is not None, "the backup step streams the source first"
        return after

    def result_snapshot(
        self,
        context: SheetContext,
        layout: list[str],
        after: Snapshot | None,
        initialised: list[str],
    ) -> Snapshot:
        assert self.result.after_init is not None, "the backup step streams the source first"
        return self.result.after_init

    def result_rows(
        self, context: SheetContext, layout: list[str], columns: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """The live rows as the plan would leave them (the whole rows read: the plan moves
        cells between columns)."""
        plan, header = context.plan, self.result.header
        title, rows = context.sheet.title, context.data_rows
        for name in columns:
            _column_index(list(header), name, title)
        for chunk in SheetReader(context.gateway).data_rows(title, rows, len(layout)):
            for row in chunk:
                row = plan.apply_defaults_to_row(plan.apply_to_row(row))
                found = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
                yield {name: found[name] for name in columns} if columns else found


def _column_index(layout: list[str], name: str, title: str) -> int:
    """Where column ``name`` is in ``layout``; refused, naming the columns, when it is not."""
    if name not in layout:
        raise SheetStateError(
            f"live_rows: worksheet {title!r} has no column {name!r}; its columns: "
            f"{', '.join(layout)}"
        )
    return layout.index(name)
