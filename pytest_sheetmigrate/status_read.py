"""Status, read from the sheet: each worksheet's version, history, pending versions, drift from the
version it is at, and any lease held. Two read requests (the metadata, then each worksheet's header
with its column markers); never a write, and a header that drifted is reported, not refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chain.chain import Chain, ChainVersion, version_key
from .chain.drift import LiveColumn, drift
from .chain.history import HistoryEntry, judge, parse_history
from .chain.status import WorksheetStatus, status_exit, status_lines
from .gateway import SheetGateway
from .lease import leases
from .reader import SheetReader
from .schema import Schema
from .stamp import legacy_stamps_belong_to


@dataclass(frozen=True)
class StatusReport:
    lines: list[str]
    statuses: list[WorksheetStatus]

    def exit_code(self, check: bool) -> int:
        """0, or with ``check`` 1 when a version is pending or a header drifted."""
        return status_exit(self.statuses, check)


def read_status(gateway: SheetGateway, chain: Chain) -> StatusReport:
    info = gateway.metadata()
    titles = list(dict.fromkeys(w.title for v in chain.versions for w in v.file.worksheets))
    statuses = []
    for title in titles:
        sheet = info.sheet(title)
        layout = SheetReader(gateway).column_layout(title)
        head = _head_schema(chain, title)
        legacy = legacy_stamps_belong_to(
            info.stamps, len(info.sheets), head.name, head.header, list(layout.header)
        )
        stamps = info.stamps_of(sheet.sheet_id, legacy=legacy)
        history = parse_history(sheet.stamps.items)
        if not history and stamps.schema_version:
            history = (HistoryEntry.from_stamp(stamps.schema_version),)
        state = judge(chain, title, history)
        ids = {name: str(marker) for (name, _), marker in layout.marker_ids.items()}
        marker_at = {index: str(marker) for (_, index), marker in layout.marker_ids.items()}
        live = [LiveColumn(i, name, marker_at.get(i)) for i, name in enumerate(layout.header)]
        current = _version_of(chain, state.current)
        worksheet = current.file.worksheet(title) if current else None
        found = drift(worksheet.schema, live, ids) if worksheet else None
        statuses.append(WorksheetStatus(state, found))
    held = [lease.describe() for _, lease in leases(info.stamps) if lease and not lease.expired]
    lease_line = f"held by {'; '.join(held)}" if held else None
    return StatusReport(status_lines(chain.head.version, statuses, lease_line), statuses)


def _head_schema(chain: Chain, title: str) -> Schema:
    """The worksheet's target in the last version that gives it."""
    return next(
        w.schema for v in reversed(chain.versions) for w in v.file.worksheets if w.title == title
    )


def _version_of(chain: Chain, version: str | None) -> ChainVersion | None:
    if version is None:
        return None
    return next((v for v in chain.versions if version_key(v.version) == version_key(version)), None)
