"""The migration engine: the steps backup → columns → verify → init, without pytest.

Drive it from a script::

    migration = Migration.open(settings, gateway, schema)
    migration.backup(); migration.columns(); migration.verify(); migration.init()

Each step first asks the sheet whether it is already done (its stamp, or its effect: columns
present, defaults written), then the checkpoint cache, and only then acts. A dry run goes through
the same steps, computes the result in memory and reports the exact request bodies it would send.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gspread.utils import absolute_range_name

from . import lease
from .checkpoints import Checkpoint, CheckpointStore
from .checks import CheckInput, CheckResult, check_backup_matches_source, run_checks
from .errors import ConcurrentChangeError, LockHeldError, SheetStateError, VerificationError
from .gateway import ColumnLayout, SheetGateway, SheetInfo, SpreadsheetInfo, prefetched
from .lease import LEASE_KEY, Lease
from .local_snapshot import LocalSnapshot, local_snapshot_path
from .plan import Plan
from .schema import Schema, column_letter
from .settings import Mode, Settings
from .snapshot import Snapshot, SnapshotBuilder, SourceAndCopyBuilder, count_data_rows
from .stamp import (
    Stamps,
    column_marker_request,
    create_metadata_request,
    legacy_stamps_belong_to,
    utc_now,
)
from .worksheet import (
    data_rows_only,
    first_cells,
    key_digest,
    read_key_column,
    refuse_merged_header,
    with_columns_read_again,
)

Progress = Callable[[str], None]


@dataclass
class StepResult:
    step: str
    status: str  # "ran", "done" (found done), "planned" (dry run)
    summary: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verification:
    results: dict[str, CheckResult]
    status: str

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results.values())


class Migration:
    """One migration of one worksheet to one schema."""

    def __init__(
        self,
        settings: Settings,
        gateway: SheetGateway,
        schema: Schema,
        info: SpreadsheetInfo,
        header: list[str],
        key_values: list[list[Any]],
        progress: Progress,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.schema = schema
        self.info = info
        self.sheet: SheetInfo = info.sheet(schema.worksheet)
        self.legacy_stamps = legacy_stamps_belong_to(  # an older version's, this worksheet's
            info.stamps, len(info.sheets), schema.name, schema.header, header
        )
        self.header = header
        self.layout = list(header)  # the header the live sheet has now, as far as this run knows
        self.data_rows = count_data_rows(first_cells(key_values))
        self.key_digest = key_digest(key_values[: self.data_rows])
        self.progress = progress
        self.dry_run = settings.mode is Mode.DRY_RUN
        self.checkpoints = CheckpointStore(
            settings.checkpoint_dir, gateway.key, f"{schema.name}:{schema.worksheet}"
        )
        self.plan = Plan.build(
            schema,
            header,
            self.sheet.sheet_id,
            self.data_rows,
            self.sheet.column_count,
            self.sheet.row_count,
            other_tabs={
                title: tab.row_count * tab.column_count
                for title, tab in info.sheets.items()
                if tab.sheet_id != self.sheet.sheet_id
            },
        )
        self.before: Snapshot | None = None
        self.backup_snapshot: Snapshot | None = None
        self.planned: Snapshot | None = None  # dry run: the result computed in memory
        self.planned_with_defaults: Snapshot | None = None
        self.after: Snapshot | None = None
        self.after_is_live = False  # self.after was read from the sheet in this run
        self.initialised: list[str] = []  # columns written by init since self.after was read
        self.lease: Lease | None = None

    @property
    def stamps(self) -> Stamps:
        """This worksheet's stamps, with the lease (new stamps go onto the worksheet)."""
        return self.info.stamps_of(self.sheet.sheet_id, legacy=self.legacy_stamps)

    @classmethod
    def open(
        cls,
        settings: Settings,
        gateway: SheetGateway,
        schema: Schema,
        progress: Progress = lambda line: None,
    ) -> Migration:
        """Read what the plan needs: metadata, header row and key column (three requests)."""
        info = gateway.metadata()
        sheet = info.sheet(schema.worksheet)
        refuse_merged_header(sheet)
        (header_rows,) = gateway.read([absolute_range_name(sheet.title, "1:1")])
        header = [str(cell) for cell in (header_rows[0] if header_rows else [])]
        if schema.key not in header:
            raise SheetStateError(
                f"worksheet {sheet.title!r} has no key column {schema.key!r} in its header row: "
                f"fix `key` in {schema.path} or the header"
            )
        key_values = read_key_column(gateway, sheet.title, header.index(schema.key))
        return cls(settings, gateway, schema, info, header, key_values, progress)

    # step 1 ----------------------------------------------------------------------------------

    def backup(self) -> StepResult:
        stamp = self.stamps.step(self.schema.name, "backup")
        backup_key = self.settings.backup or (stamp or {}).get("backup")
        if self.dry_run:
            self._read_source(None)
            self.backup_snapshot = self.before  # the planned backup: a copy of what was read
            if backup_key:
                return StepResult("backup", "done", f"backup {backup_key} exists")
            return StepResult("backup", "planned", f"would copy {self.info.title!r} on Drive")
        checkpoint = self.checkpoints.load("backup")
        if stamp and checkpoint and checkpoint.details.get("backup") == backup_key:
            self.before = self.backup_snapshot = Snapshot.from_dict(checkpoint.details["snapshot"])
            return StepResult("backup", "done", f"backup {backup_key} made {stamp.get('at')}")
        started = utc_now()
        if stamp:  # resumed without its checkpoint: the copy is the state before the migration
            assert backup_key is not None  # a backup stamp always names its copy
            self.before = self.backup_snapshot = self._snapshot_of(self.gateway.other(backup_key))
            self._save(
                "backup", started, "found done on the sheet", self._backup_details(backup_key)
            )
            return StepResult("backup", "done", f"backup {backup_key} found on the sheet")
        if backup_key:
            self.gateway.file(backup_key)  # exists and readable, or refused before any write
        self.take_lease()
        if backup_key:
            status, summary = "done", f"backup {backup_key} given; checked against the source"
            local = self._read_source(backup_key)
            self._refuse_backup_unlike_source(backup_key)
        else:
            backup_key, status, summary, local = self._copy_source()
        self._write(
            self.stamps.step_requests(
                self.schema.name,
                "backup",
                {
                    "backup": backup_key,
                    "rows": self.data_rows,
                    "from_version": self.stamps.schema_version,
                },
            ),
            "backup",
        )
        details = {**self._backup_details(backup_key), **local}
        self._save("backup", started, status, details)
        return StepResult("backup", status, summary, details=details)

    def _refuse_backup_unlike_source(self, backup_key: str) -> None:
        """A copy given by hand must equal the sheet before anything is changed."""
        assert self.before is not None and self.backup_snapshot is not None
        data = CheckInput(self.schema, self.before, self.before, self.backup_snapshot, "columns")
        result = check_backup_matches_source(data)
        if not result.passed:
            raise SheetStateError(
                f"--backup {backup_key} is not a copy of the sheet as it is now: {result.message} "
                "Nothing was changed. Pass a current copy, or leave --backup out and the tool "
                "makes one."
            )

    def _backup_details(self, backup_key: str) -> dict[str, Any]:
        assert self.before is not None
        return {"backup": backup_key, "rows": self.data_rows, "snapshot": self.before.to_dict()}

    def _backup_name(self) -> str:
        """The same name on every run, so a copy an interrupted run left is found, not remade."""
        return (
            f"{self.info.title} (backup of {self.gateway.key} worksheet {self.sheet.title} "
            f"before schema {self.schema.name})"
        )

    def _copy_source(self) -> tuple[str, str, str, dict[str, Any]]:
        """Copy the spreadsheet on Drive, or reuse the copy a run interrupted before its stamp
        left behind when it still equals the source; read both. Returns key, status, summary
        and the local snapshot's details."""
        name = self._backup_name()
        left = self.gateway.find_copy(name)
        if left is not None:
            local = self._read_source(left)
            assert self.before is not None and self.backup_snapshot is not None
            if self.backup_snapshot.digest == self.before.digest:
                return left, "done", f"copy {left} found on Drive by name, equal, reused", local
        copied = self.gateway.copy(name)
        return copied, "ran", f"copied to {copied}", self._read_source(copied)

    def _read_source(self, backup_key: str | None) -> dict[str, Any]:
        """Stream the source (and the backup copy beside it) once, building every snapshot."""
        paired = SourceAndCopyBuilder(self.schema, self.header) if backup_key else None
        before = paired.source if paired else SnapshotBuilder(self.schema, self.header)
        planned = planned_defaults = None
        if self.dry_run:
            planned_header = self.plan.apply_to_header()
            planned = SnapshotBuilder(self.schema, planned_header)
            planned_defaults = SnapshotBuilder(self.schema, planned_header)
        backup_rows = self._rows(self.gateway.other(backup_key)) if backup_key else iter(())
        sink = None if self.dry_run else LocalSnapshot(self._local_snapshot_path(), self.header)
        both: Iterator[tuple[list[list[Any]], list[list[Any]]]] = itertools.zip_longest(
            self._rows(self.gateway), backup_rows, fillvalue=[]
        )
        for chunk, backup_chunk in prefetched(both):  # the two chunks may cover different rows
            if paired is not None:  # the copy is digested only where it differs
                paired.add_rows(chunk, backup_chunk)
            else:
                before.add_rows(chunk)
            if sink:
                sink.write(chunk)
            if planned is not None and planned_defaults is not None:
                moved = [self.plan.apply_to_row(row) for row in chunk]
                planned.add_rows(moved)
                planned_defaults.add_rows([self.plan.apply_defaults_to_row(r) for r in moved])
        self.before, self.backup_snapshot = paired.finish() if paired else (before.finish(), None)
        if planned is not None and planned_defaults is not None:
            self.planned = planned.finish()
            self.planned_with_defaults = planned_defaults.finish()
        self.progress(f"read {self.data_rows:,} rows x {len(self.header)} columns")
        return sink.close() if sink else {}

    def _local_snapshot_path(self) -> Path:
        return local_snapshot_path(self.settings.report_dir, self.gateway.key, self.sheet.sheet_id)

    # step 2 ----------------------------------------------------------------------------------

    def columns(self) -> StepResult:
        if self.plan.is_noop_columns:
            self._save_detected("columns")
            return StepResult("columns", "done", "every schema column is already in place")
        added_names = [name for name, _ in self.plan.columns_to_add]
        markers = [
            column_marker_request(self.sheet.sheet_id, index, name)
            for name, index in self.plan.columns_to_add
        ]
        requests = (
            self.plan.columns_requests()
            + markers
            + self.stamps.step_requests(self.schema.name, "columns", {"added": added_names})
        )
        added = ", ".join(f"{name} at {column_letter(i)}" for name, i in self.plan.columns_to_add)
        if self.dry_run:
            return StepResult("columns", "planned", f"would add {added}", requests=requests)
        started = utc_now()
        self.take_lease()
        self._refuse_concurrent_change()
        self._write(requests, "columns")
        self.layout = self.plan.apply_to_header()
        self._save("columns", started, "ran", {"added": added_names})
        return StepResult("columns", "ran", f"added {added}", requests=requests)

    # step 3 ----------------------------------------------------------------------------------

    def verify(self) -> Verification:
        checkpoint = self.checkpoints.load("verify")
        if checkpoint and checkpoint.details.get("passed") and self._columns_in_place():
            results = {
                name: CheckResult(name, True, f"{message} (verified {checkpoint.finished})")
                for name, message in checkpoint.details["messages"].items()
            }
            return Verification(results, "done")
        started = utc_now()
        if self.dry_run:
            self.after = self.planned
        else:
            self.after = self._snapshot_of(self.gateway)
            self.after_is_live = True
        assert self.before is not None and self.after is not None
        check_input = CheckInput(
            schema=self.schema,
            before=self.before,
            after=self.after,
            backup=self.backup_snapshot,
            stage="columns",
        )
        results = {result.name: result for result in run_checks(check_input)}
        verification = Verification(results, "planned" if self.dry_run else "ran")
        if not self.dry_run:
            self._save(
                "verify",
                started,
                "ran",
                {
                    "passed": verification.passed,
                    "messages": {name: r.message for name, r in results.items()},
                },
            )
        return verification

    def _columns_in_place(self) -> bool:
        return (
            self.plan.is_noop_columns or self.stamps.step(self.schema.name, "columns") is not None
        )

    def live_snapshot(self) -> Snapshot:
        """The worksheet as it is now, read over every row."""
        return self._snapshot_of(self.gateway)

    def result_rows(self) -> Iterator[dict[str, Any]]:
        """The data rows of the migrated worksheet as ``{column: value}``, streamed in chunks.

        In a dry run: the live rows as the plan would leave them.
        """
        header = self.plan.apply_to_header() if self.dry_run else self.layout
        for chunk in self.gateway.iter_rows(
            self.sheet.title, 2, self.data_rows + 1, len(self.layout)
        ):
            for row in chunk:
                if self.dry_run:
                    row = self.plan.apply_defaults_to_row(self.plan.apply_to_row(row))
                yield dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))

    def snapshot_of_copy(self, key: str) -> Snapshot:
        """The same worksheet in another spreadsheet (a backup copy)."""
        return self._snapshot_of(self.gateway.other(key))

    def _snapshot_of(self, gateway: SheetGateway) -> Snapshot:
        """Stream the worksheet of this spreadsheet (or of a copy), header row included.

        The rows read are those of the grid as it is now (one metadata request): a row deleted
        since the start would otherwise put the range past the grid (a 400). Data rows end at
        the last row whose key is non-empty, so rows the application appended in the meantime
        are seen. Trailing empty rows cost nothing: the API trims them from each chunk.
        """
        grid_rows = gateway.metadata().sheet(self.schema.worksheet).row_count
        chunks = prefetched(gateway.iter_rows(self.sheet.title, 1, grid_rows, len(self.layout)))
        first: list[list[Any]] = next(chunks, [[]])
        header = [str(cell) for cell in (first[0] if first else [])]
        builder = SnapshotBuilder(self.schema, header)
        if self.schema.key in header:
            key_index = header.index(self.schema.key)
            for rows in data_rows_only(itertools.chain([first[1:]], chunks), key_index):
                builder.add_rows(rows)
        return builder.finish()

    # step 4 ----------------------------------------------------------------------------------

    def init(self, verification: Verification) -> StepResult:
        if not verification.passed:
            failed = ", ".join(n for n, r in verification.results.items() if not r.passed)
            raise VerificationError(f"verification failed ({failed}): nothing initialised")
        if self.stamps.step(self.schema.name, "init"):
            self._save_detected("init")
            return StepResult("init", "done", "defaults already written")
        names = self._columns_to_initialise()
        stamps = self.stamps
        if not names and stamps.schema_version == self.schema.name:
            self._save_detected("init")
            return StepResult("init", "done", "no added column is waiting for its default")
        stamp_requests = stamps.step_requests(
            self.schema.name, "init", {"rows": self.data_rows}
        ) + stamps.schema_version_requests(self.schema.name)
        what = (
            f"{', '.join(names)} on {self.data_rows:,} rows"
            if names
            else f"no default, only the schema version {self.schema.name}"
        )
        if self.dry_run:
            requests = self.plan.init_requests(names) + stamp_requests
            return StepResult("init", "planned", f"would write {what}", requests=requests)
        started = utc_now()
        self.take_lease()
        self._refuse_concurrent_change()
        at = self._columns_now(names)  # right before the write: where each column is now
        requests = self.plan.init_requests(names, at) + stamp_requests
        self._write(
            requests, "init", release=True, before_resend=lambda: self._refuse_moved(names, at)
        )
        self.initialised = names
        self._save("init", started, "ran", {"rows": self.data_rows, "columns": names})
        return StepResult("init", "ran", f"wrote {what}", requests=requests)

    def _refuse_moved(self, names: list[str], at: dict[str, int]) -> None:
        """Before a write waiting out an error is sent again: its columns are still there."""
        if self._columns_now(names) != at:
            raise ConcurrentChangeError(
                f"the columns of {self.sheet.title!r} moved while the init step waited to "
                "write: nothing was written in this step. Run pytest --migrate again; it "
                "writes where the columns are then."
            )

    def _columns_now(self, names: list[str]) -> dict[str, int]:
        """The 0-based index of each column ``names`` where it is now, read in one request.

        A column the columns step added carries a marker that moves with it; one added by hand
        (or by an older version of the tool) is found by its header. Refused, before anything
        is written, when the column is gone, renamed, or not told apart from another.
        """
        if not names:
            return {}
        layout = self.gateway.column_layout(self.sheet.title)
        return {name: self._column_now(layout, name) for name in names}

    def _column_now(self, layout: ColumnLayout, name: str) -> int:
        title = self.sheet.title
        marked = layout.markers.get(name, ())
        named = [index for index, header in enumerate(layout.header) if header == name]
        found = [index for index in marked if layout.name_at(index) == name] if marked else named
        if len(found) == 1:
            return found[0]
        advice = "nothing was written in this step."
        if len(found) > 1:
            letters = ", ".join(column_letter(index) for index in found)
            raise ConcurrentChangeError(
                f"{title!r} has {len(found)} columns named {name!r} ({letters}): {advice} "
                f"Delete or rename the extra ones, so that one column is {name!r}, and run "
                "pytest --migrate again."
            )
        if marked:
            now = ", ".join(
                f"column {column_letter(index)} is headed {layout.name_at(index)!r}"
                for index in marked
            )
            raise ConcurrentChangeError(
                f"the column added as {name!r} was renamed while the migration ran ({now}): "
                f"{advice} Give it back its header {name!r} (or undo the change) and run "
                "pytest --migrate again."
            )
        raise ConcurrentChangeError(
            f"{title!r} has no column {name!r} any more (its header row changed while the "
            f"migration ran): {advice} Put the column back (or undo the change) and run "
            "pytest --migrate again."
        )

    def _columns_to_initialise(self) -> list[str]:
        """Columns added by this migration that have a default.

        Known from the plan when the columns step runs now, else from its stamp; columns added
        by hand count when they are still blank on every data row.
        """
        if self.plan.columns_to_add:
            return self.plan.columns_with_defaults_to_write
        stamp = self.stamps.step(self.schema.name, "columns")
        with_default = [c.name for c in self.schema.columns if c.default is not None]
        if stamp is not None and "added" in stamp:
            return [name for name in stamp["added"] if name in with_default]
        after = self.after
        if after is None:  # verified by an earlier run: look at the sheet as it is now
            if self.dry_run:
                return []
            after = self.after = self.live_snapshot()
            self.after_is_live = True
        return [
            name
            for name in with_default
            if after.has_column(name) and after.column(name).blank_count == after.row_count
        ]

    # validation ------------------------------------------------------------------------------

    def result_snapshot(self) -> Snapshot:
        """The migrated sheet as the validation suite sees it (planned in a dry run).

        When this run verified the columns step, that read is reused: only the key column and
        the columns init wrote since are read again (a request per ~2 MB of them), with the
        header row, and the whole sheet when its rows or its header changed meanwhile. Not
        seen this way: another program's edit, between the verification and now, of a cell
        outside those columns.
        """
        if self.dry_run:
            assert self.planned_with_defaults is not None
            return self.planned_with_defaults
        if self.after is not None and self.after_is_live:
            reused = with_columns_read_again(
                self.gateway, self.schema, self.sheet.title, self.after, self.initialised
            )
            if reused is not None:
                return reused
        return self._snapshot_of(self.gateway)

    # plumbing --------------------------------------------------------------------------------

    def _rows(self, gateway: SheetGateway) -> Iterator[list[list[Any]]]:
        width = len(self.header)
        return gateway.iter_rows(self.sheet.title, 2, self.data_rows + 1, width)

    def _write(
        self,
        requests: list[dict[str, Any]],
        step: str,
        *,
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """Write a step: its answer lost, the step's stamp tells whether it was applied."""
        schema = self.schema.name
        self.write(
            requests,
            applied=lambda s: s.step(schema, step) is not None,
            release=release,
            before_resend=before_resend,
        )

    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        applied: Callable[[Stamps], bool],
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """One all-or-nothing batchUpdate, carrying the lease's renewal (or its release).

        When the answer is lost, ``applied`` looks at the re-read stamps to tell whether the
        write went through, so it is never sent twice; ``before_resend`` may refuse to send it
        again after the wait (the sheet changed meanwhile).
        """
        self._refuse_write_when_read_only()
        lease_requests, renewed = self._lease_update(release)

        def went_through() -> bool:
            self.info = self.gateway.metadata()
            return applied(self.stamps)

        requests = requests + lease_requests
        answer = self.gateway.batch_update(
            requests, already_applied=went_through, before_resend=before_resend
        )
        if "replies" in answer:
            self.info = self.info.after(requests, answer["replies"])
        if self.lease is not None and renewed is None:
            lease.let_go(self.lease)
        self.lease = renewed  # only now: a write that failed leaves the lease to close()

    def take_lease(self) -> None:
        """Hold the migration lease before the first write (LockHeldError names the holder)."""
        if self.lease is not None or self.dry_run:
            return
        self._refuse_write_when_read_only()
        mine = Lease.mine()
        stamps = self.gateway.metadata().stamps
        requests = lease.take_requests(stamps, mine, force=self.settings.break_lock)
        self.gateway.batch_update(
            requests, already_applied=lambda: lease.held_by(self.gateway.metadata().stamps, mine)
        )
        self.info = self.gateway.metadata()
        try:
            lease.confirm(self.info.stamps, mine)
        except LockHeldError:
            self._give_up(mine)  # the loser of a race leaves no lease of its own behind
            raise
        lease.hold(mine)
        self.lease = mine
        self.progress(f"lease taken by {mine.describe()}")

    def _refuse_write_when_read_only(self) -> None:
        if not self.settings.mode.writes:
            raise SheetStateError(
                f"this run is {self.settings.mode.value}, read-only: nothing may be written. "
                "Run pytest --migrate to migrate (or pytest --rollback to restore)"
            )

    def _give_up(self, mine: Lease) -> None:
        """Remove every lease of run ``mine`` that the sheet holds now (read afresh)."""
        stamps = self.gateway.metadata().stamps
        requests = lease.release_requests(stamps, mine)
        if requests:
            self.gateway.batch_update(
                requests,
                already_applied=lambda: not lease.held_by(self.gateway.metadata().stamps, mine),
            )

    def close(self) -> None:
        """Release the lease if a failed or partial run still holds it: the sheet is read
        afresh, so a renewal whose answer was lost (Ctrl-C, a dropped connection) is found."""
        if self.lease is None:
            return
        mine, self.lease = self.lease, None
        lease.let_go(mine)  # released below, or left on the sheet by a run that is over
        self._give_up(mine)

    def _lease_update(self, release: bool) -> tuple[list[dict[str, Any]], Lease | None]:
        """Requests that renew (or release) the lease, riding on a step's own batchUpdate."""
        if self.lease is None:
            return [], None
        old = lease.release_requests(self.info.stamps, self.lease)
        if release:
            return old, None
        renewed = self.lease.renewed()
        return [*old, create_metadata_request(LEASE_KEY, renewed.to_json())], renewed

    def _refuse_concurrent_change(self) -> None:
        key_index = self.layout.index(self.schema.key)
        values = read_key_column(self.gateway, self.sheet.title, key_index)
        rows = count_data_rows(first_cells(values))
        if rows != self.data_rows or key_digest(values[:rows]) != self.key_digest:
            raise ConcurrentChangeError(
                f"the rows of {self.sheet.title!r} changed while the migration ran "
                f"({self.data_rows:,} data rows at the start, {rows:,} now): nothing was written "
                "in this step. Run pytest --migrate again; it resumes with the new rows."
            )

    def _save(self, step: str, started: str, detected: str, details: dict[str, Any]) -> None:
        if self.dry_run:
            return
        details = {**details, "requests_used": self.gateway.log.to_dict()}
        self.checkpoints.save(
            Checkpoint(
                step=step,
                spreadsheet=self.gateway.key,
                schema=self.checkpoints.schema,
                started=started,
                finished=utc_now(),
                detected=detected,
                details=details,
            )
        )

    def _save_detected(self, step: str) -> None:
        if self.checkpoints.load(step) is None:
            self._save(step, utc_now(), "found done on the sheet", {})
