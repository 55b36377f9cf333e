"""A forced rollback's restore of the data rows from the backup, from one of three sources.

- **The Drive copy** (the backup kind made today), when it opens, its worksheet fits beside the
  sheet under Google's cell limit (``MAX_CELLS``) and its digest is the pre-migration snapshot's:
  ``sheets.copyTo`` of that worksheet into the spreadsheet as a hidden temporary tab (renamed by
  :func:`temporary_tab` in a small write of its own, so that a tab an interrupted run left is
  found by name and deleted by the next), then, in the rollback's one batchUpdate,
  ``copyPaste`` of the tab's rows onto the worksheet's data rows and ``deleteSheet`` of the tab.
  ``PASTE_NORMAL`` pastes "values, formulas, formats and merges" (Sheets API PasteType), so each
  cell comes back as the backup holds it. Atomic, and the payload does not grow with the rows.
- **The backup tab** (``--backup-kind tab``, steps/backup_kinds.py), while it is in the
  spreadsheet and (read again unless the backup was just read from it) its digest is the
  pre-migration snapshot's: the same ``copyPaste`` and ``deleteSheet`` in the rollback's one
  batchUpdate, from the tab itself: no copyTo, no write before it.
- **The local snapshot** (local_snapshot.py), when neither can be used, or for a local backup
  (``--backup-kind local``), and its
  sha256 is the one the backup step recorded: ``updateCells`` in requests each under Google's
  limit ("Request payload size exceeds the limit: 10485760 bytes.", 400 INVALID_ARGUMENT;
  ../shared/google-behaviour.md, and the local server's ``MAX_PAYLOAD_BYTES``), each body
  measured before it is sent. Not atomic: the rows go in several writes, the last one with the
  rollback's stamps; after each, the rows restored so far are saved in ``PROGRESS_FILE`` of the
  checkpoint directory, and a rerun with --force-rollback resumes after them.

Either way the rollback then reads the sheet and proves the restore by its digest (rollback.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .cell_types import Formula
from .checkpoints import write_private_atomically
from .context import SheetContext
from .errors import SheetAccessError, SheetStateError
from .local_snapshot import content_sha256, each_row
from .settings import BackupKind
from .sheet_info import SheetInfo
from .snapshot import Snapshot
from .steps.backup_kinds import BackupPlace, backup_snapshots

if TYPE_CHECKING:
    from .gateway import SheetGateway
    from .writer import Writer

GOOGLE_BODY_LIMIT = 10_485_760
"""Bytes of a request body Google accepts at most (module docstring)."""
BODY_BUDGET = 9 * 1024 * 1024
"""Bytes of rows one updateCells carries at most: the limit less about 1.4 MB of margin for the
layout, stamp and lease requests that may travel with them."""
MAX_CELLS = 10_000_000
"""Cells a spreadsheet holds at most ("Up to 10 million cells or 18,278 columns": Google Drive
help, "Files you can store in Google Drive"; the local server refuses past it with Google's
message): the temporary tab counts while it is there."""
PROGRESS_FILE = "rollback_restore.json"
LOCAL_NOT_ATOMIC = (
    "not atomic: the rows go in several batchUpdates; interrupted, run pytest --rollback "
    "--force-rollback again and it resumes after the rows already restored"
)


def temporary_tab(sheet_id: int) -> str:
    """The name of the temporary tab a restore of worksheet ``sheet_id`` copies the backup to."""
    return f"sheetmigrate restore {sheet_id}"


@dataclass
class RowsRestore:
    """What a restore sends with the rollback's last batchUpdate, and what it did before."""

    final: list[dict[str, Any]]
    """The layout requests and the rows' requests, for the rollback's last batchUpdate."""
    source: str
    """Which backup the rows came from, in words."""
    atomic: bool
    writes_before: int = 0
    """batchUpdates sent before the last one (the temporary tab's name; the local rows)."""
    largest_body: int = 0
    """Bytes of the largest body sent (or, for ``final``, to be sent)."""
    bodies: list[int] = field(default_factory=list)

    def measured(self, requests: list[dict[str, Any]]) -> int:
        size = len(orjson.dumps({"requests": requests}))
        self.bodies.append(size)
        self.largest_body = max(self.largest_body, size)
        return size


def restore_rows(
    context: SheetContext,
    writer: Writer,
    place: BackupPlace,
    before: Snapshot,
    layout: list[dict[str, Any]],
    *,
    copy_checked: bool,
    local: dict[str, Any],
) -> RowsRestore:
    """Restore the data rows from the backup ``place`` names: the Drive copy or the backup tab
    when usable, else (and for a local backup) the local snapshot; ``copy_checked``: ``before``
    was read from the backup itself. ``local``: the backup checkpoint's details (the local
    snapshot's path and sha256). The lease is held."""
    backup_key = place.key
    if place.kind is BackupKind.LOCAL:
        unusable = "the backup is the local snapshot alone"
    elif place.kind is BackupKind.TAB:
        unusable = _tab_unusable(context, writer, place, before, copy_checked)
        if not unusable:
            return _from_backup_tab(context, writer, place, before, layout)
    else:
        copy = context.gateway.other(backup_key)
        unusable = _copy_unusable(context, writer, copy, before, copy_checked)
        if not unusable:
            return _from_drive_copy(context, writer, copy, backup_key, before, layout)
    path, sha = local.get("local_snapshot"), local.get("local_snapshot_sha256")
    if not path or not Path(path).exists():
        raise SheetStateError(
            f"{place.said} cannot be restored from ({unusable}) and no local "
            "snapshot of the rows was found: nothing was changed. Restore the rows by hand"
            + (f" from the local snapshot {path}" if path else "")
        )
    if content_sha256(Path(path)) != sha:
        raise SheetStateError(
            f"{place.said} cannot be restored from ({unusable}), and the local "
            f"snapshot {path} is not the file the backup step wrote (its sha256 differs): "
            "nothing was changed. Restore the rows by hand."
        )
    if place.kind is not BackupKind.LOCAL:
        context.gateway.notify(f"{place.said} is not usable ({unusable}): restoring from {path}")
    return _from_local_snapshot(context, writer, Path(path), str(sha), backup_key, before, layout)


def _copy_unusable(
    context: SheetContext, writer: Writer, copy: SheetGateway, before: Snapshot, checked: bool
) -> str:
    """Why the Drive copy cannot be restored from ('' when it can): gone or out of reach, its
    worksheet too large to be copied in beside the sheet, or changed since the backup."""
    title = context.sheet.title
    try:
        tab = copy.metadata().sheet(title)
        cells = sum(sheet.row_count * sheet.column_count for sheet in writer.info.sheets.values())
        copied = tab.row_count * tab.column_count
        if cells + copied > MAX_CELLS:
            return (
                f"copying its worksheet in ({copied:,} cells) beside the spreadsheet's "
                f"{cells:,} would pass Google's limit of {MAX_CELLS:,} cells a spreadsheet"
            )
        if checked:
            return ""
        now = context.snapshot_of(copy, len(before.header))
    except (SheetAccessError, SheetStateError) as error:
        return str(error)
    if now.digest != before.digest:
        return (
            f"its worksheet's digest {now.digest[:12]} is not the pre-migration "
            f"{before.digest[:12]}: it was changed since the backup"
        )
    return ""


# the Drive copy ------------------------------------------------------------------------------


def _from_drive_copy(
    context: SheetContext,
    writer: Writer,
    copy: SheetGateway,
    backup_key: str,
    before: Snapshot,
    layout: list[dict[str, Any]],
) -> RowsRestore:
    sheet, width = context.sheet, len(before.header)
    backup_tab = copy.metadata().sheet(sheet.title)
    name = temporary_tab(sheet.sheet_id)
    restore = RowsRestore([], f"the Drive copy {backup_key} (copyTo and copyPaste)", atomic=True)
    tab_id = _copied_tab(context, writer, copy, backup_tab.sheet_id)
    leftovers = [s.sheet_id for s in writer.info.sheets.values() if s.title == name]
    named = [{"deleteSheet": {"sheetId": left}} for left in leftovers if left != tab_id] + [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": tab_id, "title": name, "hidden": True},
                "fields": "title,hidden",
            }
        }
    ]
    restore.measured(named)
    writer.write(
        named,
        step="rollback",
        applied=lambda _: getattr(writer.info.sheets.get(name), "sheet_id", None) == tab_id,
    )
    restore.writes_before = 1
    restore.final = list(layout) + _paste_requests(context, tab_id, backup_tab.row_count, width)
    return restore


def _paste_requests(
    context: SheetContext, tab_id: int, grid_rows: int, width: int
) -> list[dict[str, Any]]:
    """The worksheet's rows pasted from tab ``tab_id`` (``grid_rows`` rows, header too), rows
    past them cleared, and the tab deleted."""
    sheet = context.sheet
    height = max(sheet.row_count, context.data_rows + 1)  # the worksheet's rows, header too
    final = []
    if sheet.row_count < grid_rows:
        final.append(_append_rows(sheet.sheet_id, grid_rows - sheet.row_count))
    final.append(
        {
            "copyPaste": {
                "source": _grid(tab_id, 1, grid_rows, width),
                "destination": _grid(sheet.sheet_id, 1, grid_rows, width),
                "pasteType": "PASTE_NORMAL",
                "pasteOrientation": "NORMAL",
            }
        }
    )
    if height > grid_rows:  # rows past the backup's grid (appended since): cleared
        final.append(
            {
                "updateCells": {
                    "range": _grid(sheet.sheet_id, grid_rows, height, width),
                    "fields": "userEnteredValue",
                }
            }
        )
    final.append({"deleteSheet": {"sheetId": tab_id}})
    return final


def _copied_tab(context: SheetContext, writer: Writer, copy: SheetGateway, backup_tab: int) -> int:
    """The backup's worksheet copied into the spreadsheet by sheets.copyTo; the new tab's id.
    A lost answer is told from a refused copy by a tab that was not there before."""
    known = {s.sheet_id for s in writer.info.sheets.values()}
    prefix = f"Copy of {context.sheet.title}"
    found: list[int] = []

    def copied() -> bool:
        now = context.gateway.metadata()
        found[:] = [
            s.sheet_id
            for s in now.sheets.values()
            if s.sheet_id not in known and s.title.startswith(prefix)
        ]
        return bool(found)

    answer = copy.copy_sheet_to(backup_tab, context.gateway.key, already_copied=copied)
    return int(answer.get("sheetId") or found[0])


def _grid(sheet_id: int, start_row: int, end_row: int, width: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": start_row,
        "endRowIndex": end_row,
        "startColumnIndex": 0,
        "endColumnIndex": width,
    }


def _append_rows(sheet_id: int, rows: int) -> dict[str, Any]:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": rows}}


# the backup tab --------------------------------------------------------------------------------


def backup_tab_now(writer: Writer, place: BackupPlace) -> SheetInfo | None:
    """The backup tab as the spreadsheet's metadata last showed it (None: it is gone)."""
    found = [tab for tab in writer.info.sheets.values() if tab.sheet_id == place.tab_id]
    return found[0] if found else None


def _tab_unusable(
    context: SheetContext, writer: Writer, place: BackupPlace, before: Snapshot, checked: bool
) -> str:
    """Why the backup tab cannot be restored from ('' when it can): gone, or changed."""
    if backup_tab_now(writer, place) is None:
        return f"{place.said} is no longer in the spreadsheet"
    if checked:
        return ""
    try:
        now = backup_snapshots(context, place, len(before.header))[0]
    except (SheetAccessError, SheetStateError) as error:
        return str(error)
    if now.digest != before.digest:
        return (
            f"its digest {now.digest[:12]} is not the pre-migration {before.digest[:12]}: it "
            "was changed since the backup"
        )
    return ""


def _from_backup_tab(
    context: SheetContext,
    writer: Writer,
    place: BackupPlace,
    before: Snapshot,
    layout: list[dict[str, Any]],
) -> RowsRestore:
    """copyPaste of the backup tab's rows onto the worksheet, and the tab deleted, in the
    rollback's one batchUpdate: no copyTo, no write before it."""
    tab = backup_tab_now(writer, place)
    assert tab is not None and place.tab_id is not None
    restore = RowsRestore([], f"{place.said} (copyPaste)", atomic=True)
    restore.final = _paste_requests(context, place.tab_id, tab.row_count, len(before.header))
    restore.final[:0] = layout
    return restore


# the local snapshot ----------------------------------------------------------------------------


def _from_local_snapshot(
    context: SheetContext,
    writer: Writer,
    path: Path,
    sha: str,
    backup_key: str,
    before: Snapshot,
    layout: list[dict[str, Any]],
) -> RowsRestore:
    """The rows in updateCells of at most ``BODY_BUDGET`` bytes each; all but the last sent
    here, each followed by the progress file; the last left for the rollback's batchUpdate."""
    progress_path = context.checkpoints.directory / PROGRESS_FILE
    key = {"backup": backup_key, "local_snapshot_sha256": sha, "sheet_id": context.sheet.sheet_id}
    done = _rows_done(progress_path, key)
    restore = RowsRestore([], f"the local snapshot {path}", atomic=False)
    rows = each_row(path)
    width = len(next(rows))  # the header
    height = max(context.sheet.row_count - 1, context.data_rows, before.row_count)  # data rows
    pending = list(layout)
    total = height
    if done:
        context.gateway.notify(f"resuming the restore after the {done:,} rows already restored")
    chunks = _row_chunks(rows, context.sheet.sheet_id, width, height, skip=done)
    previous: tuple[int, dict[str, Any]] | None = None
    for chunk in chunks:
        if previous is not None:
            requests = pending + [previous[1]]
            restore.measured(requests)
            # Sent again when its answer is lost: the same rows written twice are written once.
            writer.write(requests, step="rollback", applied=lambda _: False)
            # The writer keeps each request it sent (Writer.sent): the rows, written and about
            # to be checkpointed, are dropped from it, so memory holds one request's rows.
            previous[1]["updateCells"]["rows"].clear()
            restore.writes_before += 1
            pending = []
            done = previous[0]
            _save_progress(progress_path, {**key, "rows_restored": done})
            context.gateway.notify(
                f"restored {done:,} of {total:,} rows from the local snapshot ({LOCAL_NOT_ATOMIC})"
            )
        previous = chunk
    restore.final = pending + ([previous[1]] if previous is not None else [])
    return restore


def _row_chunks(
    rows: Iterator[list[Any]], sheet_id: int, width: int, height: int, *, skip: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(data rows restored once it lands, an updateCells) over data rows ``skip+1..height``,
    each carrying at most ``BODY_BUDGET`` bytes of rows (every row measured); rows past the
    snapshot's end go as empty rows, which clears them."""
    batch: list[dict[str, Any]] = []
    size, start = 0, skip
    for row in range(1, height + 1):
        values = next(rows, None)
        if row <= skip:
            continue
        data: dict[str, Any] = {"values": _cells(values[:width]) if values else []}
        length = len(orjson.dumps(data)) + 1  # and its comma
        if batch and size + length > BODY_BUDGET:
            yield row - 1, _update_cells(sheet_id, start, row - 1, width, batch)
            batch, size, start = [], 0, row - 1
        batch.append(data)
        size += length
    if batch:
        yield height, _update_cells(sheet_id, start, height, width, batch)


def _update_cells(
    sheet_id: int, first: int, last: int, width: int, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """updateCells of data rows ``first+1..last`` (sheet rows ``first+2..last+1``)."""
    return {
        "updateCells": {
            "range": _grid(sheet_id, first + 1, last + 1, width),
            "rows": rows,
            "fields": "userEnteredValue",
        }
    }


def _cells(values: list[Any]) -> list[dict[str, Any]]:
    return [_cell(value) for value in values]


def _cell(value: Any) -> dict[str, Any]:
    """A snapshot cell written back as its kind (a formula, a boolean, a number, text)."""
    if isinstance(value, Formula):
        return {"userEnteredValue": {"formulaValue": str(value)}}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    if value is None or value == "":
        return {}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _rows_done(path: Path, key: dict[str, Any]) -> int:
    """The rows an interrupted restore of this very backup restored (0: none, or another's)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(saved, dict) or any(saved.get(name) != value for name, value in key.items()):
        return 0
    return int(saved.get("rows_restored", 0))


def _save_progress(path: Path, progress: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_atomically(path, json.dumps(progress).encode())


def forget_progress(context: SheetContext) -> None:
    """The restore finished: its progress file goes."""
    (context.checkpoints.directory / PROGRESS_FILE).unlink(missing_ok=True)


def interrupted_restore(context: SheetContext) -> int:
    """Rows an interrupted restore from the local snapshot left restored (0: none)."""
    path = context.checkpoints.directory / PROGRESS_FILE
    try:
        return int(json.loads(path.read_text(encoding="utf-8")).get("rows_restored", 0))
    except (OSError, ValueError, AttributeError):
        return 0
