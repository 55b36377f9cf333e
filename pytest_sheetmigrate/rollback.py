"""``pytest --rollback``: put the worksheet back as it was before the migration, and prove it.

The step-1 snapshot says what "before" was. If the data rows still hold exactly that data (the
migration only added or moved columns), the rollback removes the added columns and moves the
others back; otherwise it refuses, unless forced, in which case the rows are rewritten from the
backup copy, each cell as its kind (formula, number, boolean, text). Either way it is one
all-or-nothing batchUpdate, which also removes the migration's stamps and puts the schema version
back; then the sheet is read again and its digest must equal the pre-migration snapshot's. The
digests hold each cell's kind (snapshot.py), so a formula that comes back as text fails that proof.
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
from .migration import Migration
from .results import StepName, StepResult, StepStatus
from .schema import column_letter
from .snapshot import Snapshot


def rollback(migration: Migration, *, force: bool = False) -> StepResult:
    schema = migration.schema
    stamp = migration.stamps.step(schema.name, "backup")
    checkpoint = migration.checkpoints.load("backup")
    backup_key = (stamp or {}).get("backup") or (
        checkpoint.details["backup"] if checkpoint else None
    )
    if not backup_key:
        raise SheetStateError(
            f"no backup of the migration to schema {schema.name} was found (neither a stamp on "
            "the sheet nor a step-1 checkpoint): there is nothing to roll back to"
        )
    if checkpoint and checkpoint.details.get("backup") == backup_key:
        before = Snapshot.from_dict(checkpoint.details["snapshot"])
    else:
        before = migration.snapshot_of_copy(backup_key)
    current = migration.live_snapshot()
    changed = _changes_since(migration, before, current)
    if changed and not force:
        raise SheetStateError(
            f"the rows changed since the migration ({changed}). A rollback would lose those "
            "changes: bring them over by hand, or run pytest --rollback --force-rollback to "
            "restore the backup anyway"
        )
    requests = _layout_requests(migration.sheet.sheet_id, list(current.header), list(before.header))
    if changed:
        requests += _restore_rows_requests(migration, backup_key, before)
    requests += migration.stamps.removal_requests(schema.name)
    previous = (stamp or {}).get("from_version")
    requests += migration.stamps.schema_version_requests(previous)
    migration.take_lease()
    held = migration.lease
    assert held is not None
    # The write also releases the lease: if its answer is lost, the lease gone means applied.
    migration.write(
        requests,
        step="rollback",
        applied=lambda stamps: not lease.held_by(stamps, held),
        release=True,
    )
    restored = migration.live_snapshot()
    if restored.digest != before.digest:
        raise VerificationError(
            f"after the rollback the worksheet's digest is {restored.digest[:12]}, not the "
            f"pre-migration {before.digest[:12]}: restore it by hand from the backup copy "
            f"{backup_key}"
        )
    for step in ("init", "verify", "columns", "backup"):
        migration.checkpoints.discard(step)
    return StepResult(
        StepName.ROLLBACK,
        StepStatus.RAN,
        f"restored {before.row_count:,} rows x {len(before.header)} columns from {backup_key}; "
        f"digest {before.digest[:12]} equals the pre-migration snapshot",
        requests=requests,
    )


def _changes_since(migration: Migration, before: Snapshot, current: Snapshot) -> str:
    """What changed in the data since the migration's snapshot ('' when nothing did): rows,
    the old columns' cells, and anything but blanks or defaults in the added columns (a
    rollback removes those columns, and what was written there with them)."""
    data = CheckInput(migration.schema, before, current, None, "init")
    checks = (
        check_row_count_preserved,
        check_existing_data_unchanged,
        check_new_columns_blank_or_default,
    )
    problems = [result.message for result in (check(data) for check in checks) if not result.passed]
    return "; ".join(problems)


def _layout_requests(sheet_id: int, current: list[str], target: list[str]) -> list[dict[str, Any]]:
    """deleteDimension for each column ``target`` lacks, then moveDimension into its order."""
    requests: list[dict[str, Any]] = []
    for index in sorted((i for i, name in enumerate(current) if name not in target), reverse=True):
        requests.append({"deleteDimension": {"range": _columns(sheet_id, index)}})
        del current[index]
    for index, name in enumerate(target):
        source = current.index(name)
        if source != index:
            requests.append(
                {"moveDimension": {"source": _columns(sheet_id, source), "destinationIndex": index}}
            )
            current.insert(index, current.pop(source))
    return requests


def _columns(sheet_id: int, index: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1}


def _restore_rows_requests(
    migration: Migration, backup_key: str, before: Snapshot
) -> list[dict[str, Any]]:
    """An updateCells rewriting the data rows from the backup (a forced rollback only).

    Unlike the migration's writes its payload grows with the rows: it holds them all. Each cell
    goes back as the backup holds it, read as its ``userEnteredValue``: a formula as a
    ``formulaValue``, a number, a boolean, and text (``=abc`` or ``007`` included) as a
    ``stringValue``. Copying what Google states each cell to be does not depend on how the
    FORMULA render shows text that starts with "=" (formula_kinds.py).
    """
    copy = migration.gateway.other(backup_key)
    grid_rows = copy.metadata().sheet(migration.schema.worksheet).row_count
    width = len(before.header)
    title = migration.sheet.title
    rows = [row for chunk in copy.iter_entered_rows(title, 2, grid_rows, width) for row in chunk]
    height = max(len(rows), migration.data_rows, before.row_count)
    rows += [[]] * (height - len(rows))
    return [
        {
            "updateCells": {
                "range": {
                    "sheetId": migration.sheet.sheet_id,
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
