"""``pytest --rollback``: put the worksheet back as it was before the migration, and prove it.

The step-1 snapshot says what "before" was. If the data rows still hold exactly that data (the
migration only added or moved columns), the rollback removes the added columns and moves the
others back; otherwise it refuses, unless forced, in which case the rows are rewritten from the
backup copy, each cell as its kind (formula, number, boolean, text). Either way it is one
all-or-nothing batchUpdate, which also removes the migration's stamps and puts the schema version
back; then the sheet is read again and its digest must equal the pre-migration snapshot's. The
digests hold each cell's kind (snapshot.py), so a formula that comes back as text fails that proof.
Formulas the columns step made Google relocate count as unchanged (the backup step's expected
snapshot); moving the columns back and deleting the added ones makes Google relocate them back.
"""

from __future__ import annotations

from typing import Any

from . import lease
from .a1 import column_letter
from .checks import (
    CheckInput,
    check_existing_data_unchanged,
    check_new_columns_blank_or_default,
    check_row_count_preserved,
)
from .context import SheetContext
from .errors import SheetStateError, VerificationError
from .plan import layout_requests
from .reader import SheetReader
from .results import StepName, StepResult, StepStatus
from .schema import Schema
from .snapshot import Snapshot
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
        if checkpoint and checkpoint.details.get("backup") == backup_key:
            before = Snapshot.from_dict(checkpoint.details["snapshot"])
            kept = checkpoint.details.get("expected")
            expected = Snapshot.from_dict(kept) if kept else before
        else:
            before, expected = context.backup_snapshots(context.gateway.other(backup_key), width)
        current = context.snapshot_of(context.gateway, width)
        changed = _changes_since(schema, before, current, expected)
        if changed and not force:
            raise SheetStateError(
                f"the rows changed since the migration ({changed}). A rollback would lose those "
                "changes: bring them over by hand, or run pytest --rollback --force-rollback to "
                "restore the backup anyway"
            )
        sheet_id = context.sheet.sheet_id
        requests = layout_requests(sheet_id, list(current.header), list(before.header))
        if changed:
            requests += _restore_rows_requests(context, backup_key, before)
        requests += writer.stamps.removal_requests(schema.name)
        previous = (stamp or {}).get("from_version")
        requests += writer.stamps.schema_version_requests(previous)
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
                f"pre-migration {before.digest[:12]}: restore it by hand from the backup copy "
                f"{backup_key}"
            )
        writer.forget(CHECKPOINTS_ROLLED_BACK)
        return StepResult(
            self.name,
            StepStatus.RAN,
            f"restored {before.row_count:,} rows x {len(before.header)} columns from "
            f"{backup_key}; digest {before.digest[:12]} equals the pre-migration snapshot",
            requests=requests,
        )


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


def _restore_rows_requests(
    context: SheetContext, backup_key: str, before: Snapshot
) -> list[dict[str, Any]]:
    """An updateCells rewriting the data rows from the backup (a forced rollback only).

    Unlike the migration's writes its payload grows with the rows: it holds them all. Each cell
    goes back as the backup holds it, read as its ``userEnteredValue``: a formula as a
    ``formulaValue``, a number, a boolean, and text (``=abc`` or ``007`` included) as a
    ``stringValue``. Copying what Google states each cell to be does not depend on how the
    FORMULA render shows text that starts with "=" (formula_kinds.py).
    """
    copy = context.gateway.other(backup_key)
    grid_rows = copy.metadata().sheet(context.schema.worksheet).row_count
    width = len(before.header)
    title = context.sheet.title
    chunks = SheetReader(copy).entered_rows(title, 2, grid_rows, width)
    rows = [row for chunk in chunks for row in chunk]
    height = max(len(rows), context.data_rows, before.row_count)
    rows += [[]] * (height - len(rows))
    return [
        {
            "updateCells": {
                "range": {
                    "sheetId": context.sheet.sheet_id,
                    "startRowIndex": 1,
                    "endRowIndex": height + 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": width,
                },
                "rows": [
                    {
                        "values": [
                            _cell_data(value, title, r, c) for c, value in enumerate(row[:width])
                        ]
                    }
                    for r, row in enumerate(rows, start=2)
                ],
                "fields": "userEnteredValue",
            }
        }
    ]


WRITABLE_KINDS = ("formulaValue", "numberValue", "boolValue", "stringValue")
"""The ExtendedValue kinds a write may carry (errorValue is read-only: ExtendedValue reference)."""


def _cell_data(entered: dict[str, Any], title: str, row: int, column: int) -> dict[str, Any]:
    """The backup cell's userEnteredValue, written back as the same kind."""
    kept = {kind: entered[kind] for kind in WRITABLE_KINDS if kind in entered}
    if entered and not kept:
        raise SheetStateError(
            f"the backup's cell {title}!{column_letter(column)}{row} holds {entered!r}, which "
            "cannot be written back: nothing was changed. Restore the rows by hand from the "
            "backup copy."
        )
    return {"userEnteredValue": kept} if kept else {}
