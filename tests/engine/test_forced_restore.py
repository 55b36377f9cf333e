"""A forced rollback's restore (issue 14 item 2): from the Drive copy by sheets.copyTo and one
copyPaste, whose payload does not grow with the rows; from the local snapshot, when the copy is
gone, in updateCells each under Google's body limit, resumable, and said to be not atomic.
Every restore proven by the digest, against the in-process local server through gspread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from live_sheet import LiveSheet

from pytest_sheetmigrate import commands, demo, restore
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.results import StepResult
from pytest_sheetmigrate.transport import sheets_client


def migrated_then_changed(live_sheet: LiveSheet, cell: str = "B3") -> list[list[Any]]:
    """The demo migrated, then ``cell`` of an old column changed (a plain rollback is refused)
    and a row without a key appended; returns the worksheet's values (formulas as text) before."""
    before = live_sheet.values("FORMULA")
    commands.migrate(live_sheet.settings())
    worksheet = live_sheet.spreadsheet().worksheet(demo.WORKSHEET)
    worksheet.update([["changed by the app"]], cell)
    worksheet.append_row(["SP-APPENDED", "appended"])
    return before


def forced_rollback(live_sheet: LiveSheet, lines: list[str] | None = None) -> StepResult:
    progress = lines.append if lines is not None else lambda line: None
    record = commands.rollback(live_sheet.settings(), force=True, progress=progress)
    return record.steps[0].result


def tab_titles(live_sheet: LiveSheet) -> list[str]:
    return [sheet.title for sheet in live_sheet.spreadsheet().worksheets(exclude_hidden=False)]


def backup_key(live_sheet: LiveSheet) -> str:
    checkpoint = live_sheet.folder / "logs" / "checkpoints" / "step_1_backup.json"
    return str(json.loads(checkpoint.read_text())["details"]["backup"])


def test_a_forced_rollback_restores_from_the_drive_copy_in_one_batch_update(
    live_sheet: LiveSheet,
) -> None:
    before = migrated_then_changed(live_sheet)
    titles, key = tab_titles(live_sheet), backup_key(live_sheet)

    result = forced_rollback(live_sheet)

    assert result.summary.endswith("equals the pre-migration snapshot")
    assert f"from the Drive copy {key} (copyTo and copyPaste)" in result.summary
    assert "pasted in the one batchUpdate with the stamps" in result.summary
    assert result.details["restore_atomic"] is True
    assert live_sheet.values("FORMULA") == before
    assert tab_titles(live_sheet) == titles, "the temporary tab must be gone"
    pasted = [r for r in result.requests if "copyPaste" in r or "deleteSheet" in r]
    assert len(pasted) == 2 and not any("updateCells" in r for r in result.requests[:-1])


def test_the_drive_copy_s_payload_does_not_grow_with_the_rows(
    live_sheet: LiveSheet, tmp_path: Path
) -> None:
    """The largest body of a forced restore of 40 rows and of 2,000 rows: the same size."""
    migrated_then_changed(live_sheet)
    small = forced_rollback(live_sheet).details["restore_bodies"]
    large_sheet = LiveSheet.seeded(live_sheet.url, tmp_path / "large", rows=2_000)
    migrated_then_changed(large_sheet)

    large = forced_rollback(large_sheet).details["restore_bodies"]

    assert len(small) == len(large) == 2  # the temporary tab's name, then the rollback's write
    assert max(large) < 8_000 and abs(max(large) - max(small)) < 200


def test_a_temporary_tab_an_interrupted_restore_left_is_removed(live_sheet: LiveSheet) -> None:
    before = migrated_then_changed(live_sheet)
    spreadsheet = live_sheet.spreadsheet()
    sheet_id = spreadsheet.worksheet(demo.WORKSHEET).id
    spreadsheet.add_worksheet(restore.temporary_tab(sheet_id), rows=5, cols=2)

    forced_rollback(live_sheet)

    assert restore.temporary_tab(sheet_id) not in tab_titles(live_sheet)
    assert live_sheet.values("FORMULA") == before


def test_without_the_drive_copy_the_rows_come_from_the_local_snapshot_in_bounded_requests(
    live_sheet: LiveSheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each updateCells carries at most BODY_BUDGET bytes of rows (set small here, so the 40
    rows take several requests); the summary and the progress say it is not atomic."""
    monkeypatch.setattr(restore, "BODY_BUDGET", 8_000)
    before = migrated_then_changed(live_sheet)
    sheets_client(live_sheet.url).del_spreadsheet(backup_key(live_sheet))
    lines: list[str] = []

    result = forced_rollback(live_sheet, lines)

    assert result.summary.endswith("equals the pre-migration snapshot")
    assert "from the local snapshot " in result.summary and "not atomic" in result.summary
    assert any("not usable" in line for line in lines)
    assert any("not atomic" in line and "rows from the local snapshot" in line for line in lines)
    bodies = result.details["restore_bodies"]
    assert len(bodies) > 3
    assert all(size < 8_000 + 4_000 for size in bodies), bodies  # rows plus stamps and lease
    assert live_sheet.values("FORMULA") == before
    assert not (live_sheet.folder / "logs" / "checkpoints" / restore.PROGRESS_FILE).exists()


def test_a_drive_copy_changed_since_the_backup_is_not_restored_from(
    live_sheet: LiveSheet,
) -> None:
    before = migrated_then_changed(live_sheet)
    copy = sheets_client(live_sheet.url).open_by_key(backup_key(live_sheet))
    copy.worksheet(demo.WORKSHEET).update([["edited in the copy"]], "C4")

    result = forced_rollback(live_sheet)

    assert "from the local snapshot " in result.summary
    assert live_sheet.values("FORMULA") == before


class Interrupted(Exception):
    """The process stopped right after a restore saved its progress."""


def test_an_interrupted_restore_from_the_local_snapshot_resumes_after_the_rows_restored(
    live_sheet: LiveSheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(restore, "BODY_BUDGET", 8_000)
    before = migrated_then_changed(live_sheet, "B40")  # a row the first request does not write
    sheets_client(live_sheet.url).del_spreadsheet(backup_key(live_sheet))
    save = restore._save_progress
    saved: list[dict[str, Any]] = []

    def save_then_stop(path: Path, progress: dict[str, Any]) -> None:
        save(path, progress)
        saved.append(progress)
        raise Interrupted

    monkeypatch.setattr(restore, "_save_progress", save_then_stop)
    with pytest.raises(Interrupted):
        forced_rollback(live_sheet)
    monkeypatch.setattr(restore, "_save_progress", save)
    done = saved[0]["rows_restored"]
    assert 0 < done < 40

    with pytest.raises(Exception, match=f"interrupted after {done:,} rows"):
        commands.rollback(live_sheet.settings())  # not forced: refused, and says so
    lines: list[str] = []
    result = forced_rollback(live_sheet, lines)

    assert f"resuming the restore after the {done:,} rows already restored" in lines
    assert live_sheet.values("FORMULA") == before
    assert result.summary.endswith("equals the pre-migration snapshot")


def test_a_copy_to_whose_answer_is_lost_is_not_sent_twice(
    live_sheet: LiveSheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server applies the copyTo and drops its answer: the tab it made is found, no second
    copy is made, and none is left behind."""
    before = migrated_then_changed(live_sheet)
    titles = tab_titles(live_sheet)
    copy_sheet_to = SheetGateway.copy_sheet_to

    def answer_lost(self: SheetGateway, *args: Any, **kwargs: Any) -> dict[str, Any]:
        live_sheet.faults({"kind": "apply_then_reset", "at": 1})  # the copyTo, next
        return copy_sheet_to(self, *args, **kwargs)

    monkeypatch.setattr(SheetGateway, "copy_sheet_to", answer_lost)
    result = forced_rollback(live_sheet)

    assert "from the Drive copy" in result.summary
    assert result.summary.endswith("equals the pre-migration snapshot")
    assert tab_titles(live_sheet) == titles
    assert live_sheet.values("FORMULA") == before
    endpoints = live_sheet.stats()["by_endpoint"]
    assert sum(n for name, n in endpoints.items() if "copyTo" in name) == 1, endpoints


def test_a_drive_copy_too_large_to_copy_in_beside_the_sheet_is_not_restored_from(
    live_sheet: LiveSheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Google holds at most 10,000,000 cells a spreadsheet (here set to less than the sheet and
    the copied tab together): the restore comes from the local snapshot, and says why."""
    monkeypatch.setattr(restore, "MAX_CELLS", 5_000)  # the two tabs: 51 x 68 + 51 x 65 cells
    before = migrated_then_changed(live_sheet)
    lines: list[str] = []

    result = forced_rollback(live_sheet, lines)

    assert "from the local snapshot " in result.summary
    assert any("would pass Google's limit of 5,000 cells a spreadsheet" in line for line in lines)
    assert live_sheet.values("FORMULA") == before
