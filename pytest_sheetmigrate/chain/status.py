"""Status: each worksheet's version, history, pending versions and drift, as lines, and the exit
code of a status run (``--check``: non-zero on pending versions or drift, for CI).

Read-only by construction: a pure function of what the status command read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .drift import Drift
from .history import ChainState

UP_TO_DATE = 0
BEHIND_OR_DRIFTED = 1  # only with --check


@dataclass(frozen=True)
class WorksheetStatus:
    state: ChainState
    drift: Drift | None = None  # against the version the worksheet is at (None: none applied)

    @property
    def needs_attention(self) -> bool:
        return bool(self.state.pending) or bool(self.drift)


def status_lines(head: str, statuses: Sequence[WorksheetStatus], lease: str | None) -> list[str]:
    lines = []
    for status in statuses:
        state = status.state
        at = f"at {state.current}" if state.current else "not migrated yet"
        lines.append(f"{state.worksheet}: {at}, head {head}")
        for entry in state.applied:
            if entry.stamped_only:
                lines.append(f"  applied {entry.version}: (from its schema-version stamp)")
                continue
            repaired = f", repaired {len(entry.repairs)}x" if entry.repairs else ""
            lines.append(f"  applied {entry.version}: {entry.at} by {entry.by}{repaired}")
        pending = ", ".join(v.version for v in state.pending)
        lines.append(f"  pending: {pending}" if pending else "  pending: none")
        if status.drift:
            lines += [f"  drift: {line}" for line in status.drift.lines()]
        elif status.drift is not None:
            lines.append(f"  drift: none (the header is version {state.current}'s)")
        elif state.current:
            lines.append(
                f"  drift: not checked (version {state.current} is before the versions given, "
                "so its columns are not known)"
            )
    lines.append(f"lease: {lease}" if lease else "lease: none held")
    return lines


def status_exit(statuses: Sequence[WorksheetStatus], check: bool) -> int:
    if check and any(status.needs_attention for status in statuses):
        return BEHIND_OR_DRIFTED
    return UP_TO_DATE
