"""A worksheet's history in the spreadsheet, and the chain judged against it.

Each applied version is one sheet-located developer-metadata item on the worksheet (key
``sheetmigrate.history.<version>``, visibility DOCUMENT, as the stamps are: stamp.py), its value
JSON: the version, when, by whom (the account), the checksum of its file, and the repairs (an
applied file changed on purpose, accepted: Flyway's repair). It is written in the same atomic
batchUpdate as the version's last write (the init step's stamps), so a version is in the history
exactly when it is done; a rollback removes it with the version's stamps.

Judged against the chain before anything is written: the versions applied, those pending (in
order), and refusals: an applied file that changed (its checksum), an applied version whose file
is gone, a file that would slot in below an applied version (a gap the history does not
explain), a sheet ahead of the folder.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import SheetStateError
from ..stamp import HISTORY_PREFIX, create_metadata_request, history_key
from .chain import Chain, ChainVersion, version_key


@dataclass(frozen=True)
class HistoryEntry:
    version: str
    at: str
    by: str
    checksum: str
    repairs: tuple[dict[str, str], ...] = ()  # each {"at", "by", "checksum", "was"}

    @property
    def stamped_only(self) -> bool:
        """Known from the schema-version stamp alone (a sheet migrated before the history
        existed): when and by whom are not known, nor the checksum to compare."""
        return not self.checksum

    @classmethod
    def from_stamp(cls, version: str) -> HistoryEntry:
        return cls(version, "", "", "")

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "version": self.version,
            "at": self.at,
            "by": self.by,
            "checksum": self.checksum,
        }
        if self.repairs:
            body["repairs"] = list(self.repairs)
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, value: str) -> HistoryEntry:
        body = json.loads(value)
        return cls(
            str(body["version"]),
            str(body["at"]),
            str(body["by"]),
            str(body["checksum"]),
            tuple(body.get("repairs", ())),
        )

    def repaired(self, checksum: str, at: str, by: str) -> HistoryEntry:
        repair = {"at": at, "by": by, "checksum": checksum, "was": self.checksum}
        return replace(self, checksum=checksum, repairs=(*self.repairs, repair))


def entry_request(sheet_id: int, entry: HistoryEntry) -> dict[str, Any]:
    """The request that records ``entry`` on the worksheet."""
    return create_metadata_request(history_key(entry.version), entry.to_json(), sheet_id)


def parse_history(items: Iterable[tuple[str, int, str]]) -> tuple[HistoryEntry, ...]:
    """The entries among a worksheet's ``sheetmigrate.*`` items (key, id, value), in version
    order."""
    entries = [
        HistoryEntry.from_json(value) for key, _, value in items if key.startswith(HISTORY_PREFIX)
    ]
    return tuple(sorted(entries, key=lambda entry: version_key(entry.version)))


@dataclass(frozen=True)
class ChainState:
    """A worksheet's place in the chain."""

    worksheet: str
    applied: tuple[HistoryEntry, ...]
    pending: tuple[ChainVersion, ...]
    repairs: tuple[tuple[ChainVersion, HistoryEntry], ...] = field(default=())
    """Applied versions whose file changed and whose change is accepted: the entry to rewrite."""

    @property
    def current(self) -> str | None:
        return self.applied[-1].version if self.applied else None


def judge(
    chain: Chain,
    worksheet: str,
    history: tuple[HistoryEntry, ...],
    *,
    applied_text: Callable[[str], str | None] = lambda version: None,
    accept_changed: bool = False,
    now: str = "",
    by: str = "",
) -> ChainState:
    """The worksheet's applied and pending versions, or a refusal that says the fix.

    ``applied_text``: the text of a version's file as it was applied (the local archive), for the
    summary of what changed; ``accept_changed``: an applied file changed on purpose (recorded as
    a repair, with ``now`` and ``by``).
    """
    mine = [v for v in chain.versions if v.file.worksheet(worksheet) is not None]
    by_key = {version_key(v.version): v for v in mine}
    first = version_key(mine[0].version) if mine else ()
    repairs = []
    for entry in history:
        found = by_key.get(version_key(entry.version))
        if found is None and entry.stamped_only and version_key(entry.version) < first:
            continue  # a version before the chain (a lone schema's sheet at the one before)
        if found is None:
            raise SheetStateError(
                f"{worksheet!r} is at version {entry.version} (applied {entry.at} by "
                f"{entry.by}), but {chain.folder} has no file for it: the folder is behind the "
                f"sheet. Restore {entry.version}'s file (from version control), or roll the "
                "sheet back with the folder that applied it."
            )
        if not entry.stamped_only and found.checksum != entry.checksum:
            if not accept_changed:
                raise SheetStateError(
                    f"{found.file.path} was changed after version {entry.version} was applied "
                    f"to {worksheet!r} ({entry.at} by {entry.by})"
                    f"{_change_summary(applied_text(entry.version), found)}. An applied version "
                    "is not edited: put the change in a new version, or restore the file; to "
                    "accept the change on purpose (recorded in the history) run with "
                    "--accept-changed-versions."
                )
            repairs.append((found, entry.repaired(found.checksum, now, by)))
    last = version_key(history[-1].version) if history else None
    applied = {version_key(e.version) for e in history}
    pending = tuple(v for v in mine if version_key(v.version) not in applied)
    below = [v for v in pending if last is not None and version_key(v.version) < last]
    if below:
        raise SheetStateError(
            f"{below[0].file.path.name} (version {below[0].version}) is not applied to "
            f"{worksheet!r}, but version {history[-1].version}, after it, is: a version cannot "
            f"slot in below the applied ones. Renumber it after {history[-1].version}."
        )
    return ChainState(worksheet, history, pending, tuple(repairs))


def _change_summary(applied: str | None, now: ChainVersion) -> str:
    """``; diff: +2 -1 lines, first: - name = "Estado" / + name = "Status"`` ('' when the applied
    text is not known)."""
    if applied is None:
        return " (its checksum differs; the text applied is not in the local archive to compare)"
    text = now.file.path.read_text(encoding="utf-8-sig")
    changed = [
        line
        for line in difflib.unified_diff(applied.splitlines(), text.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    added = sum(1 for line in changed if line.startswith("+"))
    shown = " / ".join(changed[:2])
    return f"; diff: +{added} -{len(changed) - added} lines, first: {shown}"
