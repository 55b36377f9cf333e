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
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import lease
from .a1 import absolute_range_name
from .checkpoints import Checkpoint, CheckpointStore
from .checks import CHECKS, CheckInput, CheckResult, check_backup_matches_source, run_checks
from .errors import ConcurrentChangeError, LockHeldError, SheetStateError, VerificationError
from .gateway import SheetGateway, SheetInfo, SpreadsheetInfo
from .in_flight import InterruptedWrite, WriteInFlight
from .lease import LEASE_KEY, Lease
from .local_snapshot import LocalSnapshot, local_snapshot_path
from .plan import Plan
from .reader import (
    ColumnLayout,
    SheetReader,
    first_cells,
    key_digest,
    prefetched,
    read_key_column,
    refuse_merged_header,
    with_columns_read_again,
)
from .results import StepName, StepResult, StepStatus, Verification
from .schema import Schema, column_letter
from .settings import Mode, Settings
from .snapshot import Snapshot, SnapshotBuilder, SourceAndCopyBuilder, count_data_rows
from .stamp import (
    COLUMN_MARKER_KEY,
    Stamps,
    column_marker_request,
    create_metadata_request,
    legacy_stamps_belong_to,
    utc_now,
)

Progress = Callable[[str], None]
TAKING_THE_LEASE = "lease"  # the in-flight write that takes the lease, before any step's write


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
        self.in_flight: WriteInFlight | None = None  # a write a Ctrl-C left for close() to settle
        self.taking: Lease | None = None  # a lease asked for and not yet confirmed

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
                return StepResult(StepName.BACKUP, StepStatus.DONE, f"backup {backup_key} exists")
            return StepResult(
                StepName.BACKUP, StepStatus.PLANNED, f"would copy {self.info.title!r} on Drive"
            )
        checkpoint = self.checkpoints.load("backup")  # one of another migration is refused here
        if not stamp:
            return self._make_backup(backup_key)
        assert backup_key is not None  # a backup stamp always names its copy
        resumed = self._resume_backup(stamp, backup_key, checkpoint)
        live = self._live_unless_migrated()
        assert self.before is not None
        changes = _changes(self.before, live) if live is not None else ""
        if live is None or not changes:
            return resumed
        return self._start_over(backup_key, changes, live)

    def _resume_backup(
        self, stamp: dict[str, Any], backup_key: str, checkpoint: Checkpoint | None
    ) -> StepResult:
        """The backup an earlier run made: its snapshot from the checkpoint written with this
        very stamp, else read again from the copy."""
        details = checkpoint.details if checkpoint else {}
        if details.get("backup") == backup_key and details.get("stamp") == stamp:
            self.before = self.backup_snapshot = Snapshot.from_dict(details["snapshot"])
            return StepResult(
                StepName.BACKUP, StepStatus.DONE, f"backup {backup_key} made {stamp.get('at')}"
            )
        started = utc_now()  # resumed without its checkpoint: the copy is the state before
        self.before = self.backup_snapshot = self._snapshot_of(self.gateway.other(backup_key))
        details = {**self._backup_details(backup_key), "stamp": stamp}
        self._save("backup", started, "found done on the sheet", details)
        return StepResult(
            StepName.BACKUP, StepStatus.DONE, f"backup {backup_key} found on the sheet"
        )

    def _live_unless_migrated(self) -> Snapshot | None:
        """The sheet as it is now, unless init was written: once cells are migrated, the backup
        stays the truth about "before" and a rerun does not compare with it again."""
        if self.stamps.step(self.schema.name, "init"):
            return None
        return self._snapshot_of(self.gateway)

    def _start_over(self, old_key: str, changes: str, live: Snapshot) -> StepResult:
        """The sheet changed since backup ``old_key`` before any cell of it was migrated (the
        application's new rows, a key fixed after a failed check): that change is kept. The
        columns this migration added, still blank, are taken out again with its stamps, and
        the migration starts over from a new backup; the old copy stays where it is."""
        undone = self._undo_columns(old_key, changes, live)
        self._read_again()
        self.before = self.backup_snapshot = None
        made = self._make_backup(self.settings.backup)
        removed = " (the columns it had added, still blank, removed)" if undone else ""
        summary = (
            f"the sheet changed since backup {old_key} was made ({changes}), before any cell "
            f"of it was migrated: started over{removed}; {made.summary}; {old_key} is kept"
        )
        return replace(made, status=StepStatus.RAN, summary=summary)

    def _read_again(self) -> None:
        """What ``open`` read and planned, again: the sheet changed under this run."""
        fresh = Migration.open(self.settings, self.gateway, self.schema, self.progress)
        for name in ("info", "sheet", "header", "layout", "data_rows", "key_digest", "plan"):
            setattr(self, name, getattr(fresh, name))

    def _undo_columns(self, old_key: str, changes: str, live: Snapshot) -> bool:
        """Take the columns step back (blank added columns removed, moved ones put back, the
        migration's stamps removed) in one batchUpdate; False when it had not run."""
        from .rollback import _layout_requests  # rollback builds on this module

        assert self.before is not None
        name = self.schema.name
        if self.stamps.step(name, "columns") is None or list(live.header) == list(
            self.before.header
        ):
            return False
        self._refuse_header_unlike_backup(old_key, live)
        added = [column for column in live.header if not self.before.has_column(column)]
        filled = [c for c in added if live.column(c).blank_count != live.row_count]
        if filled:
            raise SheetStateError(
                f"the sheet changed since backup {old_key} was made ({changes}), and cells were "
                f"written into the columns this migration added ({', '.join(filled)}): starting "
                "over would delete them, so nothing was changed. Copy those cells elsewhere, "
                "clear them, and run pytest --migrate again: it then takes a new backup and "
                "starts over."
            )
        requests = _layout_requests(
            self.sheet.sheet_id, list(live.header), list(self.before.header)
        )
        requests += self.stamps.removal_requests(name)
        self.take_lease()
        self.write(requests, applied=lambda stamps: stamps.step(name, "columns") is None)
        return True

    def _refuse_header_unlike_backup(self, old_key: str, live: Snapshot) -> None:
        """Only the columns this migration added may be taken back: every column of the backup
        must still be there, under its name, and no other column be new."""
        assert self.before is not None
        stamp = self.stamps.step(self.schema.name, "columns") or {}
        ours = set(stamp.get("added", []))
        gone = [name for name in self.before.header if name not in live.header]
        known = set(self.before.header) | ours
        other = [name for name in live.header if name not in known]
        if gone or other:
            what = "; ".join(
                part
                for part in (
                    gone and f"gone: {', '.join(gone)}",
                    other and f"new, and not added by this migration: {', '.join(other)}",
                )
                if part
            )
            raise SheetStateError(
                f"the header of {self.sheet.title!r} changed since backup {old_key} was made "
                f"({what}): nothing was changed. Give the columns back their names from the "
                "backup (or undo the change) and run pytest --migrate again."
            )

    def _make_backup(self, backup_key: str | None) -> StepResult:
        """Step 1 proper: copy the sheet (or check the copy given), and stamp it."""
        started = utc_now()
        if backup_key:
            self.gateway.file(backup_key)  # exists and readable, or refused before any write
        self.take_lease()
        if backup_key:
            status, summary = (
                StepStatus.DONE,
                f"backup {backup_key} given; checked against the source",
            )
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
                    **self._run_id(),
                },
            ),
            "backup",
        )
        stamp = self.stamps.step(self.schema.name, "backup")
        details = {**self._backup_details(backup_key), **local, "stamp": stamp}
        self._save("backup", started, status, details)
        return StepResult(StepName.BACKUP, status, summary, details=details)

    def _run_id(self) -> dict[str, str]:
        """This run's id, in the stamps it writes: a result computed under a stamp is bound to
        that very stamp, not to one another run wrote in the same second."""
        return {"run": self.lease.run} if self.lease is not None else {}

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

    def _copy_source(self) -> tuple[str, StepStatus, str, dict[str, Any]]:
        """Copy the spreadsheet on Drive, or reuse the copy a run interrupted before its stamp
        left behind when it still equals the source; read both. Returns key, status, summary
        and the local snapshot's details."""
        name = self._backup_name()
        left = self.gateway.find_copy(name)
        if left is not None:
            local = self._read_source(left)
            assert self.before is not None and self.backup_snapshot is not None
            if self.backup_snapshot.digest == self.before.digest:
                return (
                    left,
                    StepStatus.DONE,
                    f"copy {left} found on Drive by name, equal, reused",
                    local,
                )
        copied = self.gateway.copy(name)
        return copied, StepStatus.RAN, f"copied to {copied}", self._read_source(copied)

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
            return StepResult(
                StepName.COLUMNS, StepStatus.DONE, "every schema column is already in place"
            )
        added_names = self._added_by_this_migration()
        markers = [
            column_marker_request(self.sheet.sheet_id, index, name)
            for name, index in self.plan.columns_to_add
        ]
        added = ", ".join(f"{name} at {column_letter(i)}" for name, i in self.plan.columns_to_add)
        moved = ", ".join(move.name for move in self.plan.moves)
        what = " and ".join(
            part for part in (added and f"add {added}", moved and f"move {moved}") if part
        )
        if self.dry_run:
            requests = self.plan.columns_requests() + markers + self._columns_stamp(added_names)
            return StepResult(
                StepName.COLUMNS, StepStatus.PLANNED, f"would {what}", requests=requests
            )
        started = utc_now()
        self.take_lease()
        self._refuse_concurrent_change()
        requests = self.plan.columns_requests() + markers + self._columns_stamp(added_names)
        self._write(requests, "columns")
        self.layout = self.plan.apply_to_header()
        self._save("columns", started, "ran", {"added": added_names})
        done = what.replace("add ", "added ", 1).replace("move ", "moved ", 1)
        return StepResult(StepName.COLUMNS, StepStatus.RAN, done, requests=requests)

    def _columns_stamp(self, added: list[str]) -> list[dict[str, Any]]:
        details = {"added": added, **self._run_id()}
        return self.stamps.step_requests(self.schema.name, "columns", details)

    def _added_by_this_migration(self) -> list[str]:
        """The columns this migration adds: those an earlier run of it added (its columns
        stamp), then those the plan adds now. A rerun that only moves columns (one moved by
        hand since) keeps the earlier ones, so init still writes their defaults."""
        stamp = self.stamps.step(self.schema.name, "columns") or {}
        earlier = [name for name in stamp.get("added", []) if self.schema.has_column(name)]
        now = [name for name, _ in self.plan.columns_to_add]
        return list(dict.fromkeys(earlier + now))

    # step 3 ----------------------------------------------------------------------------------

    def verify(self) -> Verification:
        basis = self._verification_basis()
        trusted = self._trusted_verification(basis)
        if trusted is not None:
            return trusted
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
        verification = Verification(results, StepStatus.PLANNED if self.dry_run else StepStatus.RAN)
        if not self.dry_run:
            self._save(
                "verify",
                started,
                "ran",
                {
                    "basis": basis,
                    "passed": verification.passed,
                    "messages": {name: r.message for name, r in results.items()},
                },
            )
        return verification

    def _verification_basis(self) -> dict[str, Any]:
        """What a verification is computed on: the backup and the columns change, as their
        stamps on the sheet say (each names the run that wrote it)."""
        stamps = self.stamps
        return {step: stamps.step(self.schema.name, step) for step in ("backup", "columns")}

    def _trusted_verification(self, basis: dict[str, Any]) -> Verification | None:
        """A verification the sheet confirms: its init stamp (init writes only after one
        passed), or a passed one checkpointed under the very stamps the sheet has now."""
        init = self.stamps.step(self.schema.name, "init")
        if init is not None:
            said = f"passed before the init step wrote (its stamp on the sheet, {init.get('at')})"
            return Verification(
                {name: CheckResult(name, True, said) for name in CHECKS}, StepStatus.DONE
            )
        checkpoint = self.checkpoints.load("verify")
        if checkpoint is None or not checkpoint.details.get("passed"):
            return None
        if checkpoint.details.get("basis") != basis or basis["backup"] is None:
            return None  # another backup or columns change than the one it was computed on
        if self.dry_run and not self.plan.is_noop_columns:
            return None  # the dry run verifies the columns step it plans
        results = {
            name: CheckResult(name, True, f"{message} (verified {checkpoint.finished})")
            for name, message in checkpoint.details["messages"].items()
        }
        return Verification(results, StepStatus.DONE)

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
        """The worksheet of this spreadsheet (or of a copy) as it is now (reader.py)."""
        return SheetReader(gateway).snapshot(self.schema, self.sheet.title, len(self.layout))

    # step 4 ----------------------------------------------------------------------------------

    def init(self, verification: Verification) -> StepResult:
        if not verification.passed:
            failed = ", ".join(n for n, r in verification.results.items() if not r.passed)
            raise VerificationError(f"verification failed ({failed}): nothing initialised")
        if self.stamps.step(self.schema.name, "init"):
            self._save_detected("init")
            return StepResult(StepName.INIT, StepStatus.DONE, "defaults already written")
        names = self._columns_to_initialise()
        stamps = self.stamps
        if not names and stamps.schema_version == self.schema.name:
            self._save_detected("init")
            return StepResult(
                StepName.INIT, StepStatus.DONE, "no added column is waiting for its default"
            )
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
            return StepResult(
                StepName.INIT, StepStatus.PLANNED, f"would write {what}", requests=requests
            )
        started = utc_now()
        self.take_lease()
        self._refuse_concurrent_change()
        layout = self._layout_now(names)  # right before the write: where each column is now
        at = {name: self._column_now(layout, name) for name in names}
        self._write_marked_columns(names, layout, at)
        by_header = [name for name in names if (name, at[name]) not in layout.marker_ids]
        requests = self.plan.init_requests(by_header, at) + stamp_requests
        self._write(
            requests,
            "init",
            release=True,
            before_resend=lambda: self._refuse_moved(by_header, {n: at[n] for n in by_header}),
        )
        self.initialised = names
        self._save("init", started, "ran", {"rows": self.data_rows, "columns": names})
        return StepResult(StepName.INIT, StepStatus.RAN, f"wrote {what}", requests=requests)

    def _refuse_moved(self, names: list[str], at: dict[str, int]) -> None:
        """Before a write waiting out an error is sent again: its columns are still there."""
        if self._columns_now(names) != at:
            raise ConcurrentChangeError(
                f"the columns of {self.sheet.title!r} moved while the init step waited to "
                "write: nothing was written in this step. Run pytest --migrate again; it "
                "writes where the columns are then."
            )

    def _layout_now(self, names: list[str]) -> ColumnLayout:
        """The header, the markers, and the data rows of each column ``names`` where it is now.

        Read in one request with the columns where this run last saw them; read again at the
        columns found when one has moved since (the values must be those of the marked column).
        """
        if not names:
            return ColumnLayout((), {})
        title, rows = self.sheet.title, self.data_rows
        seen = [self.layout.index(n) for n in names if n in self.layout]
        layout = self.gateway.column_layout(title, seen, rows)
        found = {self._column_now(layout, name) for name in names}
        if rows and not found <= layout.blanks.keys():
            layout = self.gateway.column_layout(title, sorted(found), rows)
            found = {self._column_now(layout, name) for name in names}
            if not found <= layout.blanks.keys():
                raise ConcurrentChangeError(
                    f"the columns of {title!r} kept moving while the init step read them: "
                    "nothing was written in this step. Run pytest --migrate again; it writes "
                    "where the columns are then."
                )
        return layout

    def _write_marked_columns(
        self, names: list[str], layout: ColumnLayout, at: dict[str, int]
    ) -> None:
        """Write the default of each column the columns step marked, by its marker: one
        values.batchUpdateByDataFilter whose DeveloperMetadataLookup selects the column the
        marker is on when Google applies it (column metadata moves with its column), so a
        column inserted or moved meanwhile cannot receive them.

        The matched range is the whole column from row 1: the header cell is sent as null and
        so is every data row that holds a value already ("Null values will be skipped",
        ValueRange reference), so only blanks get the default and a value another writer (or
        a rerun's predecessor) put there stays. No value at all past the rows sent ("If the
        provided values are less than the matched ranges only the specified values are
        written", DataFilterValueRange reference). A column found by its header only (added by
        hand) is written by index in the stamps' batchUpdate, guarded as before.
        """
        data, wanted = [], []
        for name in names:
            metadata_id = layout.marker_ids.get((name, at[name]))
            if metadata_id is None or not self.data_rows:
                continue
            default = self.schema.column(name).default
            blanks = layout.blanks[at[name]]
            if not any(blanks):
                continue  # written already (a rerun after a write whose stamp was lost)
            lookup = {
                "metadataId": metadata_id,
                "metadataKey": COLUMN_MARKER_KEY,
                "metadataValue": name,
                "locationType": "COLUMN",
            }
            column = [None] + [default if blank else None for blank in blanks]
            data.append(
                {
                    "dataFilter": {"developerMetadataLookup": lookup},
                    "majorDimension": "COLUMNS",
                    "values": [column],
                }
            )
            wanted.append(name)
        if not data:
            return
        self._refuse_write_when_read_only()
        answer = self.gateway.write_by_data_filter(data)
        matched = {
            int(r.get("dataFilter", {}).get("developerMetadataLookup", {}).get("metadataId", 0))
            for r in answer.get("responses", [])
        }
        missing = [name for name in wanted if layout.marker_ids[(name, at[name])] not in matched]
        if missing:
            raise ConcurrentChangeError(
                f"the column {', '.join(map(repr, missing))} of {self.sheet.title!r} was deleted "
                "while the migration ran: its default was written nowhere. Put the column back "
                "(or undo the change) and run pytest --migrate again."
            )
        self._clear_defaults_below_the_data(data, layout)

    def _clear_defaults_below_the_data(
        self, data: list[dict[str, Any]], layout: ColumnLayout
    ) -> None:
        """Rows are addressed by number: a row deleted after the last key read moved the data up
        under the write, whose last defaults then landed below the last key. The key column,
        read again once the write is in, says how many rows there are now; each default written
        below them is cleared again, by the same marker (a row deleted after the write took
        its own default with it)."""
        key_index = list(layout.header).index(self.schema.key)
        rows_now = count_data_rows(
            first_cells(read_key_column(self.gateway, self.sheet.title, key_index))
        )
        if rows_now >= self.data_rows:
            return
        below = [
            {
                **entry,
                "values": [
                    [None] * (rows_now + 1)
                    + [
                        "" if sent is not None else None
                        for sent in entry["values"][0][rows_now + 1 :]
                    ]
                ],
            }
            for entry in data
        ]
        self.gateway.write_by_data_filter(below)

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

        Known from the plan and the columns stamp (what earlier runs of this migration added);
        without a stamp, columns added by hand count when they are still blank on every row.
        """
        stamp = self.stamps.step(self.schema.name, "columns")
        with_default = [c.name for c in self.schema.columns if c.default is not None]
        if self.plan.columns_to_add or (stamp is not None and "added" in stamp):
            return [name for name in self._added_by_this_migration() if name in with_default]
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
        return SheetReader(gateway).data_rows(self.sheet.title, self.data_rows, len(self.header))

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
            step=step,
            applied=lambda s: s.step(schema, step) is not None,
            release=release,
            before_resend=before_resend,
        )

    def write(
        self,
        requests: list[dict[str, Any]],
        *,
        step: str = "write",
        applied: Callable[[Stamps], bool],
        release: bool = False,
        before_resend: Callable[[], None] | None = None,
    ) -> None:
        """One all-or-nothing batchUpdate, carrying the lease's renewal (or its release).

        When the answer is lost, ``applied`` looks at the re-read stamps to tell whether the
        write went through, so it is never sent twice; ``before_resend`` may refuse to send it
        again after the wait (the sheet changed meanwhile). Sent from a thread of its own, so
        that a Ctrl-C leaves the write to finish and ``close()`` can tell whether the write of
        ``step`` (named in the message) landed.
        """
        self._refuse_write_when_read_only()
        lease_requests, renewed = self._lease_update(release)

        def went_through() -> bool:
            self.info = self.gateway.metadata()
            return applied(self.stamps)

        requests = requests + lease_requests

        def send(refuse_once_interrupted: Callable[[], None]) -> dict[str, Any]:
            def check_before_resend() -> None:
                refuse_once_interrupted()
                if before_resend is not None:
                    before_resend()

            return self.gateway.batch_update(
                requests, already_applied=went_through, before_resend=check_before_resend
            )

        answer = self._send_in_flight(step, applied, send)
        if "replies" in answer:
            self.info = self.info.after(requests, answer["replies"])
        if self.lease is not None and renewed is None:
            lease.let_go(self.lease)
        self.lease = renewed  # only now: a write that failed leaves the lease to close()

    def _send_in_flight(
        self,
        step: str,
        applied: Callable[[Stamps], bool],
        send: Callable[[Callable[[], None]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Send a write from its own thread: a Ctrl-C leaves it in flight, for close()."""
        self.in_flight = WriteInFlight(step, applied, send)
        answer = self.in_flight.answer()
        self.in_flight = None
        return answer

    def take_lease(self) -> None:
        """Hold the migration lease before the first write (LockHeldError names the holder)."""
        if self.lease is not None or self.dry_run:
            return
        self._refuse_write_when_read_only()
        mine = Lease.mine()
        stamps = self.gateway.metadata().stamps
        requests = lease.take_requests(stamps, mine, force=self.settings.break_lock)
        self.taking = mine  # until confirmed: close() removes whatever of the take landed

        def send(refuse_once_interrupted: Callable[[], None]) -> dict[str, Any]:
            return self.gateway.batch_update(
                requests,
                already_applied=lambda: lease.held_by(self.gateway.metadata().stamps, mine),
                before_resend=refuse_once_interrupted,
            )

        self._send_in_flight(TAKING_THE_LEASE, lambda s: lease.held_by(s, mine), send)
        self.info = self.gateway.metadata()
        try:
            lease.confirm(self.info.stamps, mine)
        except LockHeldError:
            self._give_up(mine)  # the loser of a race leaves no lease of its own behind
            self.taking = None
            raise
        lease.hold(mine)
        self.lease, self.taking = mine, None
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

    def close(self) -> InterruptedWrite | None:
        """Release the lease if a failed or partial run still holds it: the sheet is read
        afresh, so a renewal whose answer was lost (Ctrl-C, a dropped connection) is found.

        A write a Ctrl-C left in flight is waited for first (it may renew the lease); returns
        whether it landed, as the sheet says."""
        in_flight, self.in_flight = self.in_flight, None
        interrupted = None
        if in_flight is not None and in_flight.interrupted.is_set():
            settled = in_flight.settle(0)
            if not settled:
                self.gateway.notify(f"waiting for the answer of the {in_flight.step} write")
                settled = in_flight.settle()
            self.info = self.gateway.metadata()
            landed = in_flight.applied(self.stamps)  # the worksheet's stamps, read afresh
            if in_flight.step != TAKING_THE_LEASE:  # no step's write: nothing landed of one
                interrupted = InterruptedWrite(in_flight.step, landed, settled)
        taking, self.taking = self.taking, None
        if taking is not None:  # a take that did not finish: its lease, if it landed, goes
            self._give_up(taking)
        if self.lease is None:
            return interrupted
        mine, self.lease = self.lease, None
        lease.let_go(mine)  # released below, or left on the sheet by a run that is over
        self._give_up(mine)
        return interrupted

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
                "in this step. Run pytest --migrate again (with the application quiet): no cell "
                "was migrated yet, so it takes a new backup of the rows as they are then and "
                "starts over."
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


def _changes(before: Snapshot, now: Snapshot) -> str:
    """What changed in the columns of ``before`` (the backup) since ('' when nothing did)."""
    if before.row_count != now.row_count:
        return f"{before.row_count:,} data rows at the backup, {now.row_count:,} now"
    changed = [
        name
        for name in before.header
        if not now.has_column(name) or now.column(name).digest != before.column(name).digest
    ]
    if not changed:
        return ""
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return f"cells changed in {', '.join(changed[:3])}{more}"
