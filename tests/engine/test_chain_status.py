"""The status lines and exit codes (chain/status.py): version, history, pending, drift, lease."""

from __future__ import annotations

from pathlib import Path

from chain_files import BASE_COLUMNS, V3, version_file

from pytest_sheetmigrate.chain.chain import load_chain
from pytest_sheetmigrate.chain.drift import LiveColumn, drift
from pytest_sheetmigrate.chain.history import HistoryEntry, judge
from pytest_sheetmigrate.chain.status import WorksheetStatus, status_exit, status_lines


def statuses(tmp_path: Path, applied: tuple[str, ...], live_names: list[str]) -> WorksheetStatus:
    version_file(tmp_path, "2.1", BASE_COLUMNS, header="baseline = true")
    version_file(tmp_path, "3.0", V3)
    chain = load_chain(tmp_path)
    history = tuple(
        HistoryEntry(v, "2026-11-30T10:00:00Z", "ops@example.com", chain.version(v).checksum)
        for v in applied
    )
    state = judge(chain, "Operaciones", history)
    target = chain.version(applied[-1]).file.worksheets[0].schema
    live = [LiveColumn(i, name) for i, name in enumerate(live_names)]
    return WorksheetStatus(state, drift(target, live))


def test_an_up_to_date_sheet_says_so_and_passes_the_check(tmp_path: Path) -> None:
    status = statuses(tmp_path, ("2.1", "3.0"), [n for n, _ in V3])
    lines = status_lines("3.0", [status], lease=None)
    assert lines == [
        "Operaciones: at 3.0, head 3.0",
        "  applied 2.1: 2026-11-30T10:00:00Z by ops@example.com",
        "  applied 3.0: 2026-11-30T10:00:00Z by ops@example.com",
        "  pending: none",
        "  drift: none (the header is version 3.0's)",
        "lease: none held",
    ]
    assert status_exit([status], check=True) == 0


def test_pending_versions_or_drift_fail_the_check_only_when_asked(tmp_path: Path) -> None:
    behind = statuses(tmp_path, ("2.1",), [n for n, _ in BASE_COLUMNS] + ["Extra"])
    lines = status_lines("3.0", [behind], lease="held by run 1f2e since 2026-12-01T09:00:00Z")
    assert "  pending: 3.0" in lines
    assert any(line.startswith("  drift: 'Extra' at E of 'Operaciones'") for line in lines)
    assert lines[-1] == "lease: held by run 1f2e since 2026-12-01T09:00:00Z"
    assert status_exit([behind], check=False) == 0
    assert status_exit([behind], check=True) == 1
