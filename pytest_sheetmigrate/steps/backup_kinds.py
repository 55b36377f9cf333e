"""Where a backup is: :class:`BackupPlace`, and the two kinds made inside the run's own reach.

- ``drive`` (steps/backup.py): a Drive copy of the spreadsheet, in the account's My Drive or in
  a shared-drive folder (``--backup-folder``), the way a service account can write.
- ``tab``: a hidden, protected copy of the worksheet in the same spreadsheet, made by
  ``duplicateSheet`` (with ``newSheetId``) in the very batchUpdate of the backup stamp, which
  also hides it (``updateSheetProperties``) and protects it (``addProtectedRange`` of the whole
  tab, ``warningOnly`` false): the batchUpdate is all-or-nothing, so no tab is left without its
  stamp. Editors of the protection: the account that ran the migration, when known; the
  spreadsheet's owner can always edit ("editors: The users and groups with edit access to the
  protected range", ProtectedRange reference; the owner's right is the Sheets UI's). Nobody
  else may change it. The copy counts against Google's 10,000,000 cells a spreadsheet, so it is
  refused before any write when the spreadsheet would pass them.
- ``local``: the local snapshot alone (local_snapshot.py), no copy on Google.

For the tab and local kinds the source is read once, alone, before the stamp; that read is
the backup's snapshot. A rollback restores from each (restore.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..context import SheetContext
from ..errors import SheetStateError
from ..local_snapshot import content_sha256, each_row
from ..plan import MAX_CELLS, formula_relocation_from
from ..reader import SheetReader
from ..settings import BackupKind
from ..snapshot import Snapshot
from ..snapshot_builder import SnapshotBuilder

TAB_PREFIX = "sheetmigrate backup"
_MAX_TITLE = 100  # characters of a tab's title
_CHUNK = 5_000  # rows of the local snapshot digested at a time


@dataclass(frozen=True)
class BackupPlace:
    """What the backup stamp and the step-1 checkpoint record of where the backup is."""

    kind: BackupKind
    key: str
    """The Drive copy's key; ``tab:<sheetId>`` or ``local:<sha256 prefix>`` for the others."""
    folder: str | None = None
    tab_id: int | None = None
    tab_title: str | None = None
    local_path: str | None = None
    local_sha: str | None = None
    """The local snapshot's sha256, for the local kind (its stamp holds it, so a rerun or a
    rollback that lost the checkpoint still checks the file)."""
    fallback_from: str | None = None
    """Why another kind was used than the one chosen (the refusal), when one was."""

    @classmethod
    def from_details(cls, details: dict[str, Any]) -> BackupPlace:
        """The place a stamp or checkpoint names (stamps older than the kinds: a Drive copy)."""
        kind = BackupKind(details.get("backup_kind") or BackupKind.DRIVE.value)
        tab = details.get("backup_tab") or {}
        return cls(
            kind,
            str(details.get("backup", "")),
            folder=details.get("backup_folder"),
            tab_id=int(tab["sheetId"]) if "sheetId" in tab else None,
            tab_title=tab.get("title"),
            local_path=details.get("local_snapshot"),
            local_sha=details.get("local_snapshot_sha256"),
            fallback_from=details.get("backup_fallback_from"),
        )

    def details(self) -> dict[str, Any]:
        """The place, for the stamp and the checkpoint."""
        found: dict[str, Any] = {"backup": self.key, "backup_kind": self.kind.value}
        if self.folder:
            found["backup_folder"] = self.folder
        if self.tab_id is not None:
            found["backup_tab"] = {"sheetId": self.tab_id, "title": self.tab_title}
        if self.kind is BackupKind.LOCAL:
            found.update(self.local_details())
        if self.fallback_from:
            found["backup_fallback_from"] = self.fallback_from
        return found

    def local_details(self) -> dict[str, Any]:
        """The local snapshot's path and sha256 as the backup step's details hold them."""
        found = {"local_snapshot": self.local_path, "local_snapshot_sha256": self.local_sha}
        return {key: value for key, value in found.items() if value}

    @property
    def said(self) -> str:
        """The backup in words."""
        if self.kind is BackupKind.TAB:
            return f"the hidden tab {self.tab_title!r} (sheetId {self.tab_id})"
        if self.kind is BackupKind.LOCAL:
            return f"the local snapshot {self.local_path}"
        where = f" in shared-drive folder {self.folder}" if self.folder else ""
        return f"the Drive copy {self.key}{where}"


# the tab -------------------------------------------------------------------------------------


def tab_title(context: SheetContext, at: str) -> str:
    """The backup tab's title: the worksheet's id, the schema and the time (a backup started
    over gets a tab of its own)."""
    title = (
        f"{TAB_PREFIX} {context.sheet.sheet_id} before {context.schema.name} {at.replace(':', '')}"
    )
    return title[:_MAX_TITLE]


def refuse_tab_past_cell_limit(context: SheetContext, *, dry_run: bool = False) -> None:
    """A copy of the worksheet beside it must leave the spreadsheet within Google's limit,
    counting every tab's grid, the copy and the columns the migration adds."""
    sheet = context.sheet
    tabs = sum(tab.row_count * tab.column_count for tab in context.info.sheets.values())
    copy = sheet.row_count * sheet.column_count
    added = len(context.plan.columns_to_add) * sheet.row_count
    total = tabs + copy + added
    if total <= MAX_CELLS:
        return
    changed = "nothing would be changed" if dry_run else "nothing was changed"
    raise SheetStateError(
        f"--backup-kind tab would copy {sheet.title!r} ({copy:,} cells of grid) into the "
        f"spreadsheet: with its tabs' {tabs:,} cells and the {added:,} of the columns this "
        f"migration adds it would hold {total:,}, past Google's limit of {MAX_CELLS:,} cells a "
        f"spreadsheet; {changed}. Choose another backup: --backup-kind drive (with "
        "--backup-folder FOLDER_ID for a service account) or --backup-kind local, or delete "
        "unused (empty) rows or columns first"
    )


def tab_requests(
    context: SheetContext, title: str, account: str | None
) -> tuple[int, list[dict[str, Any]]]:
    """The new tab's id, and the requests that make it: duplicated, hidden, protected."""
    taken = {tab.sheet_id for tab in context.info.sheets.values()}
    new_id = _free_sheet_id(taken)
    protection: dict[str, Any] = {
        "range": {"sheetId": new_id},
        "description": f"sheetmigrate: the backup of {context.sheet.title!r}; "
        "a rollback restores from it",
        "warningOnly": False,
    }
    if account:
        protection["editors"] = {"users": [account]}
    requests: list[dict[str, Any]] = [
        {
            "duplicateSheet": {
                "sourceSheetId": context.sheet.sheet_id,
                "insertSheetIndex": len(context.info.sheets),
                "newSheetId": new_id,
                "newSheetName": title,
            }
        },
        {
            "updateSheetProperties": {
                "properties": {"sheetId": new_id, "hidden": True},
                "fields": "hidden",
            }
        },
        {"addProtectedRange": {"protectedRange": protection}},
    ]
    return new_id, requests


def refuse_title_taken(context: SheetContext, title: str) -> None:
    if title in context.info.sheets:
        raise SheetStateError(
            f"a tab named {title!r} is already in the spreadsheet: nothing was changed. "
            "Run pytest --migrate again in a moment (the name holds the time)"
        )


def _free_sheet_id(taken: set[int]) -> int:
    """A sheetId no tab has (Google's are positive 31-bit integers)."""
    while True:
        candidate = secrets.randbelow(2**31 - 2) + 1
        if candidate not in taken:
            return candidate


# reading a backup again ----------------------------------------------------------------------


def backup_snapshots(
    context: SheetContext, place: BackupPlace, width: int
) -> tuple[Snapshot, Snapshot]:
    """The backup as it is now, and with its formulas relocated as the columns step makes
    Google rewrite them: read from the Drive copy or the tab, or from the local snapshot."""
    if place.kind is BackupKind.DRIVE:
        return context.backup_snapshots(context.gateway.other(place.key), width)
    if place.kind is BackupKind.TAB:
        return _tab_snapshots(context, place, width)
    return _local_snapshots(context, place)


def _tab_snapshots(
    context: SheetContext, place: BackupPlace, width: int
) -> tuple[Snapshot, Snapshot]:
    info = context.gateway.metadata()
    found = [tab for tab in info.sheets.values() if tab.sheet_id == place.tab_id]
    if not found:
        raise SheetStateError(
            f"{place.said} is no longer in the spreadsheet: the backup is gone. Restore by "
            "hand from the local snapshot the backup step wrote (its path is in "
            "logs/checkpoints/step_1_backup.json)"
        )
    schema = replace(context.schema, worksheet=found[0].title)
    return SheetReader(context.gateway).snapshots(
        schema, found[0].title, width, lambda header: formula_relocation_from(schema, header)
    )


def _local_snapshots(context: SheetContext, place: BackupPlace) -> tuple[Snapshot, Snapshot]:
    if not place.local_path or not Path(place.local_path).exists():
        raise SheetStateError(
            f"{place.said} is not on this machine: the backup is out of reach. Run from the "
            "machine and folder that made it"
        )
    if place.local_sha and content_sha256(Path(place.local_path)) != place.local_sha:
        raise SheetStateError(
            f"{place.said} is not the file the backup step wrote (its sha256 differs from the "
            "one in the backup stamp): the backup cannot be trusted. Restore it from a copy of "
            "that file, or roll back by hand"
        )
    rows = each_row(Path(place.local_path))
    header = [str(cell) for cell in next(rows)]
    schema = context.schema
    builder = SnapshotBuilder(schema, header, formula_relocation_from(schema, header))
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _CHUNK:
            builder.add_rows(chunk)
            chunk = []
    builder.add_rows(chunk)
    return builder.finish(), builder.expected()


def local_key(local: dict[str, Any]) -> str:
    """The key a local-only backup is known by: its file's sha256 (prefix)."""
    return f"local:{str(local.get('local_snapshot_sha256', ''))[:16]}"
