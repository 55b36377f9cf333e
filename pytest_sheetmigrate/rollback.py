"""``pytest --rollback``: put the worksheet back as it was before the migration, and prove it.

The step-1 snapshot says what "before" was. If the data rows still hold exactly that data (the
migration only added or moved columns), the rollback removes the added columns and moves the
others back, in one all-or-nothing batchUpdate, which also removes the migration's stamps and puts
the schema version back. Otherwise it refuses, unless forced, in which case the rows are restored
from the backup too (restore.py): from the Drive copy pasted in that same batchUpdate, or, when the
copy cannot be used, from the local snapshot in several requests (not atomic, resumable). Then
the sheet is read again and its digest must equal the pre-migration snapshot's. The
digests hold each cell's kind (snapshot.py), so a formula that comes back as text fails that proof.
Formulas the columns step made Google relocate count as unchanged (the backup step's expected
snapshot); moving the columns back and deleting the added ones makes Google relocate them back.
"""

from __future__ import annotations

from typing import Any

from . import lease
from .checks import (
    CheckInput,
    check_existing_data_unchanged,
    check_new_columns_blank_or_default,
    check_row_count_preserved,
)
from .errors import SheetStateError, VerificationError
from .plan import layout_requests
from .restore import (
    RowsRestore,
    backup_tab_now,
    forget_progress,
    interrupted_restore,
    restore_rows,
)
from .results import StepName, StepResult, StepStatus
from .schema import Schema
from .settings import BackupKind
from .snapshot import Snapshot
from .steps.backup_kinds import BackupPlace, backup_snapshots
from .steps.base import Step

CHECKPOINTS_ROLLED_BACK = ("test", "init", "verify", "columns", "backup")


class RollbackStep(Step):
    """The migration taken back in one batchUpdate, proven by the digest read afterwards."""

    name = StepName.ROLLBACK

    def done_on_sheet(self) -> bool:
        """No stamp of this migration's steps is left on the sheet."""
        return not self.writer.stamps.removal_requests(self.context.schema.name)

    def run(self, *, force: bool = False) -> StepResult:
        context, writer = self.context, self.writer
        schema, width = context.schema, len(context.header)
        stamp = writer.stamps.step(schema.name, StepName.BACKUP)
        checkpoint = context.checkpoints.load("backup")
        backup_key = (stamp or {}).get("backup") or (
            checkpoint.details["backup"] if checkpoint else None
        )
        if not backup_key:
            raise SheetStateError(
                f"no backup of the migration to schema {schema.name} was found (neither a stamp "
                "on the sheet nor a step-1 checkpoint): there is nothing to roll back to"
            )
        ours = (
            checkpoint.details
            if checkpoint and checkpoint.details.get("backup") == backup_key
            else {}
        )
        place = BackupPlace.from_details({**ours, **(stamp or {}), "backup": backup_key})
        if ours:
            before = Snapshot.from_dict(ours["snapshot"])
            kept = ours.get("expected")
            expected = Snapshot.from_dict(kept) if kept else before
        else:
            before, expected = backup_snapshots(context, place, width)
        current = context.snapshot_of(context.gateway, width)
        changed = _changes_since(schema, before, current, expected)
        if changed and not force:
            interrupted = interrupted_restore(context)
            resumed = (
                f"a forced restore from the local snapshot was interrupted after {interrupted:,} "
                "rows; "
            )
            raise SheetStateError(
                (resumed if interrupted else "")
                + f"the rows changed since the migration ({changed}). A rollback would lose those "
                "changes: bring them over by hand, or run pytest --rollback --force-rollback to "
                "restore the backup anyway"
            )
        sheet_id = context.sheet.sheet_id
        requests = layout_requests(sheet_id, list(current.header), list(before.header))
        restore = None
        if changed:
            writer.take_lease()
            local = ours or place.local_details()  # a local backup's stamp names its file
            restore = restore_rows(
                context, writer, place, before, requests, copy_checked=not ours, local=local
            )
            requests = restore.final
        elif place.kind is BackupKind.TAB and backup_tab_now(writer, place) is not None:
            requests.append({"deleteSheet": {"sheetId": place.tab_id}})  # its rows not needed
        requests += writer.stamps.removal_requests(schema.name)
        previous = (stamp or {}).get("from_version")
        requests += writer.stamps.schema_version_requests(previous)
        if restore is not None:
            restore.measured(requests)
        writer.take_lease()
        held = writer.lease
        assert held is not None
        # The write also releases the lease: if its answer is lost, the lease gone means applied.
        writer.write(
            requests,
            step=self.name,
            applied=lambda stamps: not lease.held_by(stamps, held),
            release=True,
        )
        restored = context.snapshot_of(context.gateway, width)
        if restored.digest != before.digest:
            raise VerificationError(
                f"after the rollback the worksheet's digest is {restored.digest[:12]}, not the "
                f"pre-migration {before.digest[:12]}: restore it by hand from "
                f"{_by_hand(place, ours)}"
            )
        writer.forget(CHECKPOINTS_ROLLED_BACK)
        forget_progress(context)
        source = place.said if restore is None else _said(restore)
        return StepResult(
            self.name,
            StepStatus.RAN,
            f"restored {before.row_count:,} rows x {len(before.header)} columns from "
            f"{source}; digest {before.digest[:12]} equals the pre-migration snapshot",
            requests=requests,
            details=_restore_details(restore),
        )


def _by_hand(place: BackupPlace, ours: dict[str, Any]) -> str:
    """Where the rows are for a restore by hand once a rollback failed its proof."""
    if place.kind is BackupKind.DRIVE:
        return f"the backup copy {place.key}"
    path = ours.get("local_snapshot") or place.local_path
    return f"the local snapshot {path}" if path else place.said


def _said(restore: RowsRestore) -> str:
    """The restore's source, its writes, whether it was atomic, and its largest body."""
    if restore.atomic:
        how = "the rows pasted in the one batchUpdate with the stamps"
    else:
        writes = restore.writes_before + 1
        how = f"{writes} batchUpdate{'s' if writes > 1 else ''}, not atomic"
    return f"{restore.source} ({how}; largest body {restore.largest_body:,} bytes)"


def _restore_details(restore: RowsRestore | None) -> dict[str, Any]:
    if restore is None:
        return {}
    return {
        "restore_source": restore.source,
        "restore_atomic": restore.atomic,
        "restore_bodies": restore.bodies,
    }


def _changes_since(schema: Schema, before: Snapshot, current: Snapshot, expected: Snapshot) -> str:
    """What changed in the data since the migration's snapshot ('' when nothing did): rows,
    the old columns' cells (their formulas as the columns step relocated them: ``expected``),
    and anything but blanks or defaults in the added columns (a rollback removes those
    columns, and what was written there with them)."""
    data = CheckInput(schema, before, current, None, "init", expected=expected)
    checks = (
        check_row_count_preserved,
        check_existing_data_unchanged,
        check_new_columns_blank_or_default,
    )
    problems = [result.message for result in (check(data) for check in checks) if not result.passed]
    return "; ".join(problems)
