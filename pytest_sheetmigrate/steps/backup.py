"""Step 1, backup: the backup of the kind chosen (a Drive copy, checked against the source; a
hidden tab; the local snapshot alone: steps/backup_kinds.py), and stamped.

The writer decides what a backup is (:meth:`Writer.backup`): the live writer makes one (or
resumes the one an earlier run made, or starts over when the sheet changed before any cell was
migrated); the recording writer plans one, streaming the source into its in-memory result.
Either way the source is read once, and each chunk goes to a sink the writer gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from ..checkpoints import Checkpoint
from ..checks import CheckInput, check_backup_matches_source
from ..context import RowSink, SheetContext
from ..errors import SheetStateError, StorageQuotaError
from ..plan import layout_requests
from ..results import StepName, StepResult, StepStatus
from ..settings import BackupKind, Settings
from ..snapshot import Snapshot
from ..snapshot_builder import SnapshotBuilder, SourceAndCopyBuilder
from ..stamp import utc_now
from .backup_kinds import (
    BackupPlace,
    backup_snapshots,
    local_key,
    refuse_tab_past_cell_limit,
    refuse_title_taken,
    tab_requests,
    tab_title,
)
from .base import Step
from .dependents import judge, start_scan

SinkOf = Callable[[SheetContext], RowSink]
SERVICE_ACCOUNT_DOMAIN = ".gserviceaccount.com"
"""How a service account's e-mail ends (``name@project.iam.gserviceaccount.com``)."""


@dataclass(frozen=True)
class BackupOutcome:
    """What the backup step hands on: the sheet before the migration, and the copy as read."""

    result: StepResult
    before: Snapshot
    backup: Snapshot | None  # the copy's snapshot (None: not read, the checkpoint's is before)
    context: SheetContext  # the sheet as opened; a fresh one when the step started over
    expected: Snapshot | None = None
    """``before`` with its formulas relocated as the columns step makes Google rewrite them
    (None: the same as ``before``)."""

    @property
    def local_snapshot(self) -> str | None:
        """The local backup snapshot's path, when this run or the one it resumes wrote one."""
        found = self.result.details.get("local_snapshot")
        return str(found) if found else None


class BackupStep(Step):
    name = StepName.BACKUP

    def done_on_sheet(self) -> bool:
        """The sheet carries this migration's backup stamp."""
        return self._stamp() is not None

    def run(self) -> BackupOutcome:
        return self.writer.backup(self)

    def _stamp(self) -> dict[str, Any] | None:
        return self.writer.stamps.step(self.context.schema.name, self.name)

    def _backup_key(self) -> str | None:
        return self.context.settings.backup or (self._stamp() or {}).get("backup")

    # the live writer's backup ------------------------------------------------------------

    def make_or_resume(self, sink: SinkOf) -> BackupOutcome:
        stamp, backup_key = self._stamp(), self._backup_key()
        checkpoint = self.context.checkpoints.load("backup")  # another migration's: refused
        if not stamp:
            return self._make(backup_key, sink)
        assert backup_key is not None  # a backup stamp always names its copy
        resumed = self._resume(stamp, backup_key, checkpoint)
        live = self._live_unless_migrated()
        changes = _changes(resumed.before, live) if live is not None else ""
        if live is None or not changes:
            return resumed
        return self._start_over(backup_key, changes, live, resumed.before, sink)

    def _resume(
        self, stamp: dict[str, Any], backup_key: str, checkpoint: Checkpoint | None
    ) -> BackupOutcome:
        """The backup an earlier run made: its snapshot from the checkpoint written with this
        very stamp, else read again from the copy."""
        context = self.context
        details = checkpoint.details if checkpoint else {}
        if details.get("backup") == backup_key and details.get("stamp") == stamp:
            before = Snapshot.from_dict(details["snapshot"])
            expected = Snapshot.from_dict(details["expected"]) if "expected" in details else None
            said = BackupPlace.from_details({**stamp, "backup": backup_key}).said
            summary = f"backup {said} made {stamp.get('at')}"
            result = StepResult(self.name, StepStatus.DONE, summary, details=details)
            return BackupOutcome(result, before, before, context, expected)
        started = utc_now()  # resumed without its checkpoint: the backup is the state before
        place = BackupPlace.from_details({**stamp, "backup": backup_key})
        before, expected = backup_snapshots(context, place, len(context.header))
        details = {**self._details(backup_key, before, expected), **place.details()}
        details["stamp"] = stamp
        self.writer.save(self.name, started, "found done on the sheet", details)
        summary = f"backup {place.said} found on the sheet"
        result = StepResult(self.name, StepStatus.DONE, summary, details=details)
        return BackupOutcome(result, before, before, context, expected)

    def _live_unless_migrated(self) -> Snapshot | None:
        """The sheet as it is now, unless init was written: once cells are migrated, the backup
        stays the truth about "before" and a rerun does not compare with it again."""
        if self.writer.stamps.step(self.context.schema.name, StepName.INIT):
            return None
        return self.context.snapshot_of(self.context.gateway, len(self.context.header))

    def _start_over(
        self, old_key: str, changes: str, live: Snapshot, before: Snapshot, sink: SinkOf
    ) -> BackupOutcome:
        """The sheet changed since backup ``old_key`` before any cell of it was migrated (the
        application's new rows, a key fixed after a failed check): that change is kept. The
        columns this migration added, still blank, are taken out again with its stamps, and
        the migration starts over from a new backup; the old copy stays where it is."""
        undone = self._undo_columns(old_key, changes, live, before)
        fresh = self.context.reopened()
        self.writer.seen(fresh.info)
        made = BackupStep(fresh, self.writer)._make(fresh.settings.backup, sink)
        removed = " (the columns it had added, still blank, removed)" if undone else ""
        summary = (
            f"the sheet changed since backup {old_key} was made ({changes}), before any cell "
            f"of it was migrated: started over{removed}; {made.result.summary}; {old_key} is kept"
        )
        return replace(made, result=replace(made.result, status=StepStatus.RAN, summary=summary))

    def _undo_columns(self, old_key: str, changes: str, live: Snapshot, before: Snapshot) -> bool:
        """Take the columns step back (blank added columns removed, moved ones put back, the
        migration's stamps removed) in one batchUpdate; False when it had not run."""
        name, stamps = self.context.schema.name, self.writer.stamps
        if stamps.step(name, StepName.COLUMNS) is None or list(live.header) == list(before.header):
            return False
        self._refuse_header_unlike_backup(old_key, live, before)
        added = [column for column in live.header if not before.has_column(column)]
        filled = [c for c in added if live.column(c).blank_count != live.row_count]
        if filled:
            raise SheetStateError(
                f"the sheet changed since backup {old_key} was made ({changes}), and cells were "
                f"written into the columns this migration added ({', '.join(filled)}): starting "
                "over would delete them, so nothing was changed. Copy those cells elsewhere, "
                "clear them, and run pytest --migrate again: it then takes a new backup and "
                "starts over."
            )
        sheet_id = self.context.sheet.sheet_id
        requests = layout_requests(sheet_id, list(live.header), list(before.header))
        requests += stamps.removal_requests(name)
        self.writer.take_lease()
        self.writer.write(requests, applied=lambda now: now.step(name, StepName.COLUMNS) is None)
        return True

    def _refuse_header_unlike_backup(self, old_key: str, live: Snapshot, before: Snapshot) -> None:
        """Only the columns this migration added may be taken back: every column of the backup
        must still be there, under its name, and no other column be new."""
        stamp = self.writer.stamps.step(self.context.schema.name, StepName.COLUMNS) or {}
        ours = set(stamp.get("added", []))
        gone = [name for name in before.header if name not in live.header]
        known = set(before.header) | ours
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
                f"the header of {self.context.sheet.title!r} changed since backup {old_key} was "
                f"made ({what}): nothing was changed. Give the columns back their names from "
                "the backup (or undo the change) and run pytest --migrate again."
            )

    def _make(self, backup_key: str | None, sink: SinkOf) -> BackupOutcome:
        """Step 1 proper: make the backup of the kind chosen (or check the copy given), and
        stamp it; the tab kind's copy is made by the stamp's own batchUpdate."""
        context, writer = self.context, self.writer
        started = utc_now()
        kind = context.settings.backup_kind
        if backup_key:
            context.gateway.file(backup_key)  # exists and readable, or refused before any write
        elif kind is BackupKind.TAB:
            refuse_tab_past_cell_limit(context)
        writer.take_lease()
        made: list[dict[str, Any]] = []
        if backup_key:
            status = StepStatus.DONE
            summary = f"backup {backup_key} given; checked against the source"
            read = self._read_source(backup_key, sink(context))
            self._refuse_backup_unlike_source(backup_key, read.before, read.copy)
            place = BackupPlace(BackupKind.DRIVE, backup_key)
        elif kind is BackupKind.DRIVE:
            try:
                backup_key, status, summary, read = self._copy_source(sink)
                place = BackupPlace(kind, backup_key, folder=context.settings.backup_folder)
            except StorageQuotaError as refused:
                place, status, summary, read, made = self._fall_back(refused, started, sink)
        else:
            place, status, summary, read, made = self._in_reach(kind, started, sink)
        stamp_details = {
            **place.details(),
            "rows": context.data_rows,
            "from_version": writer.stamps.schema_version,
            **writer.run_id(),
        }
        schema = context.schema.name
        stamping = writer.stamps.step_requests(schema, self.name, stamp_details)
        writer.write_step(stamping + made, self.name)
        stamp = writer.stamps.step(schema, self.name)
        details = {
            **self._details(place.key, read.before, read.expected),
            **read.local,
            **place.details(),
            **_accepted(read),
            "stamp": stamp,
        }
        writer.save(self.name, started, status, details)
        result = StepResult(self.name, status, summary, details=details)
        backup = read.copy if read.copy is not None else read.before
        return BackupOutcome(result, read.before, backup, context, read.expected)

    def _fall_back(
        self, refused: StorageQuotaError, started: str, sink: SinkOf
    ) -> tuple[BackupPlace, StepStatus, str, SourceRead, list[dict[str, Any]]]:
        """The Drive copy was refused for storage quota: the fallback the user allowed, said
        and recorded, or the refusal with its options."""
        fallback = self.context.settings.backup_fallback
        if fallback is None:
            raise refused
        if fallback is BackupKind.TAB:
            refuse_tab_past_cell_limit(self.context)
        why = "Drive refused the copy (403 storageQuotaExceeded)"
        self.context.gateway.notify(f"{why}: falling back to --backup-fallback {fallback.value}")
        place, status, summary, read, made = self._in_reach(fallback, started, sink)
        place = replace(place, fallback_from=why)
        return place, status, f"{why}; fell back to {summary}", read, made

    def _in_reach(
        self, kind: BackupKind, started: str, sink: SinkOf
    ) -> tuple[BackupPlace, StepStatus, str, SourceRead, list[dict[str, Any]]]:
        """A tab or local backup: the source read alone (the read is the backup's snapshot),
        and the requests that go with the stamp (the tab's: duplicated, hidden, protected)."""
        context = self.context
        read = self._read_source(None, sink(context))
        if kind is BackupKind.LOCAL:
            local = read.local
            path, sha = local.get("local_snapshot"), local.get("local_snapshot_sha256")
            place = BackupPlace(kind, local_key(local), local_path=path, local_sha=sha)
            summary = f"{place.said} kept as the backup (no copy on Google)"
            return place, StepStatus.RAN, summary, read, []
        title = tab_title(context, started)
        refuse_title_taken(context, title)
        tab_id, made = tab_requests(context, title, context.gateway.account)
        place = BackupPlace(kind, f"tab:{tab_id}", tab_id=tab_id, tab_title=title)
        summary = f"copied to {place.said}, protected, with its stamp in one batchUpdate"
        return place, StepStatus.RAN, summary, read, made

    def _refuse_backup_unlike_source(
        self, backup_key: str, before: Snapshot, copy: Snapshot | None
    ) -> None:
        """A copy given by hand must equal the sheet before anything is changed."""
        assert copy is not None
        data = CheckInput(self.context.schema, before, before, copy, "columns")
        result = check_backup_matches_source(data)
        if not result.passed:
            raise SheetStateError(
                f"--backup {backup_key} is not a copy of the sheet as it is now: {result.message} "
                "Nothing was changed. Pass a current copy, or leave --backup out and the tool "
                "makes one."
            )

    def _details(
        self, backup_key: str, before: Snapshot, expected: Snapshot | None = None
    ) -> dict[str, Any]:
        rows = self.context.data_rows
        details = {"backup": backup_key, "rows": rows, "snapshot": before.to_dict()}
        if expected is not None and expected is not before:  # formulas the step relocates
            details["expected"] = expected.to_dict()
        return details

    def _backup_name(self) -> str:
        """The same name on every run, so a copy an interrupted run left is found, not remade."""
        context = self.context
        return (
            f"{context.info.title} (backup of {context.gateway.key} worksheet "
            f"{context.sheet.title} before schema {context.schema.name})"
        )

    def _copy_source(self, sink: SinkOf) -> tuple[str, StepStatus, str, SourceRead]:
        """Copy the spreadsheet on Drive, or reuse the copy a run interrupted before its stamp
        left behind when it still equals the source; read both."""
        gateway, name = self.context.gateway, self._backup_name()
        folder = self.context.settings.backup_folder
        where = f" in shared-drive folder {folder}" if folder else ""
        left = gateway.find_copy(name, folder)
        if left is not None:
            read = self._read_source(left, sink(self.context))
            if read.copy is not None and read.copy.digest == read.before.digest:
                return (
                    left,
                    StepStatus.DONE,
                    f"copy {left} found on Drive{where} by name, equal, reused",
                    read,
                )
        copied = gateway.copy(name, folder, not_this=left)  # read alone: never the leftover
        read = self._read_source(copied, sink(self.context), copy_alone=True)
        return copied, StepStatus.RAN, f"copied to {copied}{where}", read

    # the recording writer's backup -------------------------------------------------------

    def plan(self, result: RowSink) -> BackupOutcome:
        """The dry run's backup: the source streamed into the in-memory ``result``; the
        planned copy is a copy of what was read."""
        backup_key, settings = self._backup_key(), self.context.settings
        if not backup_key and settings.backup_kind is BackupKind.TAB:
            refuse_tab_past_cell_limit(self.context, dry_run=True)
        read = self._read_source(None, result)
        if backup_key:
            status, summary = StepStatus.DONE, f"backup {backup_key} exists"
        else:
            status, summary = StepStatus.PLANNED, self._planned(settings)
        step = StepResult(self.name, status, summary, details=_accepted(read))
        return BackupOutcome(step, read.before, read.before, self.context, read.expected)

    def _planned(self, settings: Settings) -> str:
        """What the backup step would make, in words."""
        if settings.backup_kind is BackupKind.TAB:
            sheet = self.context.sheet
            return (
                f"would copy {sheet.title!r} ({sheet.row_count * sheet.column_count:,} cells) "
                "into a hidden, protected tab, in one batchUpdate with the backup stamp"
            )
        if settings.backup_kind is BackupKind.LOCAL:
            return "would keep the local snapshot alone as the backup (no copy on Google)"
        where = (
            f" in shared-drive folder {settings.backup_folder}" if settings.backup_folder else ""
        )
        fallback = (
            f" (refused for storage quota: would fall back to {settings.backup_fallback.value})"
            if settings.backup_fallback
            else ""
        )
        account = self.context.gateway.account or ""
        if account.endswith(SERVICE_ACCOUNT_DOMAIN) and not settings.backup_folder:
            fallback += (
                f"; {account} is a service account, which owns no Drive file: Google refuses "
                "this copy (403 storageQuotaExceeded)"
                + ("" if settings.backup_fallback else ", choose --backup-folder or --backup-kind")
            )
        return f"would copy {self.context.info.title!r} on Drive{where}{fallback}"

    # reading -----------------------------------------------------------------------------

    def _read_source(
        self, backup_key: str | None, sink: RowSink, *, copy_alone: bool = False
    ) -> SourceRead:
        """Stream the source (and the backup copy beside it) once, building both snapshots;
        each chunk of the source also goes to ``sink``. Returns the sink's details.

        ``copy_alone``: the copy was made by this very step, so it is read instead of the
        source (its tabs have the same titles): its snapshot stands for "before" and for the
        backup, and verification proves both against the sheet after the columns step
        (checks.py ``check_backup_matches_source``). A copy given by hand or found by name is
        read beside the source instead: it must be proven equal before any write."""
        context = self.context
        schema, header, relocate = context.schema, context.header, context.plan.formula_relocation
        copy_gateway = context.gateway.other(backup_key) if backup_key else None
        paired = SourceAndCopyBuilder(schema, header, relocate) if backup_key else None
        chunks: Iterator[tuple[list[list[Any]], list[list[Any]]]]
        if copy_alone:
            assert copy_gateway is not None
            paired, chunks = None, ((chunk, []) for chunk in context.rows_of(copy_gateway))
        else:
            chunks = context.source_and_copy(copy_gateway)
        source = paired.source if paired else SnapshotBuilder(schema, header, relocate)
        scan, row = start_scan(context), 2
        for chunk, copy_chunk in chunks:  # the two of a pair may cover other rows
            if paired is not None:  # the copy is digested only where it differs
                paired.add_rows(chunk, copy_chunk)
            else:
                source.add_rows(chunk)
            if scan is not None:
                scan.add_rows(context.sheet.title, chunk, row)
                row += len(chunk)
            sink.write(chunk)
        local = sink.close()  # a refusal below keeps the local snapshot: the sheet as it was
        accepted = judge(scan, context)  # refused here, before the backup's stamp
        before, copy = paired.finish() if paired else (source.finish(), None)
        if copy_alone:
            copy = before
        context.progress(f"read {context.data_rows:,} rows x {len(context.header)} columns")
        return SourceRead(before, copy, local, source.expected(), accepted)


class SourceRead(NamedTuple):
    before: Snapshot
    copy: Snapshot | None
    """The copy's snapshot (None: no copy read)."""
    local: dict[str, Any]
    """The sink's details."""
    expected: Snapshot
    """``before`` with its formulas relocated by the plan (``before`` when none changes)."""
    accepted: list[str]
    """The formulas and objects whose change of meaning the user accepted (steps/dependents.py)."""


def _accepted(read: SourceRead) -> dict[str, Any]:
    """The accepted changes of meaning, for the step's details (the report shows them)."""
    return {"formula_changes_accepted": read.accepted} if read.accepted else {}


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
