"""Where the backup goes (issue 14 item 1) and the rollback from each kind (item 2): a Drive
copy, a Drive copy in a shared-drive folder, a hidden protected tab made in the backup stamp's
own batchUpdate, the local snapshot alone; the fallback a user allows when Drive refuses the
copy for storage quota. Real gspread against the in-process local server; the service-account
cases on a server in sharing mode, where a declared service account owns no Drive file."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from live_sheet import LiveSheet, open_run_on

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.service_keys import (
    SERVICE_ACCOUNT,
    service_account_info,
    write_key_file,
)
from pytest_sheetmigrate.errors import (
    SheetAccessError,
    SheetMigrateError,
    SheetStateError,
    StorageQuotaError,
)
from pytest_sheetmigrate.results import StepResult, StepStatus
from pytest_sheetmigrate.settings import BackupKind, Mode
from pytest_sheetmigrate.transport import sheets_client

OWNER, OWNER_TOKEN = "owner@example.com", "owner-token"
EDITOR, EDITOR_TOKEN = "editor@example.com", "editor-token"  # another Editor of the sheet


# --- helpers ----------------------------------------------------------------------------------


def metadata(sheet: LiveSheet, token: str = "local-token") -> dict[str, Any]:
    response = requests.get(
        f"{sheet.url}/v4/spreadsheets/{sheet.key}",
        params={"fields": "sheets(properties,protectedRanges,developerMetadata)"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def tab(sheet: LiveSheet, sheet_id: int, token: str = "local-token") -> dict[str, Any]:
    found = [s for s in metadata(sheet, token)["sheets"] if s["properties"]["sheetId"] == sheet_id]
    assert found, f"no tab {sheet_id}"
    return found[0]


def tab_values(sheet: LiveSheet, title: str, token: str = "local-token") -> list[list[Any]]:
    client = sheets_client(sheet.url, token=token)
    return (
        client.open_by_key(sheet.key).worksheet(title).get_all_values(value_render_option="FORMULA")
    )


def digest(sheet: LiveSheet, token: str = "local-token") -> str:
    """Every tab's properties, protections, metadata and values (formulas as text)."""
    found = metadata(sheet, token)
    titles = [s["properties"]["title"] for s in found["sheets"]]
    values = [tab_values(sheet, title, token) for title in titles]
    canonical = json.dumps([found, values], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def checkpoint(sheet: LiveSheet) -> dict[str, Any]:
    path = sheet.folder / "logs" / "checkpoints" / "step_1_backup.json"
    return dict(json.loads(path.read_text())["details"])


def backup_result(sheet: LiveSheet, lines: list[str] | None = None, **settings: Any) -> StepResult:
    progress = lines.append if lines is not None else lambda line: None
    record = commands.migrate(sheet.settings(**settings), progress=progress)
    return record.steps[0].result


def drive_files(url: str, token: str = "local-token", **params: Any) -> list[dict[str, Any]]:
    response = requests.get(
        f"{url}/drive/v3/files",
        params={"supportsAllDrives": True, "includeItemsFromAllDrives": True, **params},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return list(response.json().get("files", []))


# --- the tab ----------------------------------------------------------------------------------


def test_the_tab_backup_is_a_hidden_protected_copy_made_with_its_stamp(live_sheet: LiveSheet):
    before = tab_values(live_sheet, demo.WORKSHEET)

    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.TAB) as run:
        result = run.backup()
        sent = [requests for step, requests in run.writer.sent if step == "backup"]

    details = result.details
    assert details["backup_kind"] == "tab"
    tab_id, title = details["backup_tab"]["sheetId"], details["backup_tab"]["title"]
    assert details["stamp"]["backup_tab"] == {"sheetId": tab_id, "title": title}
    assert title.startswith("sheetmigrate backup 0 before 3.0 ")
    # one batchUpdate: the stamp, the copy, its hiding and its protection together
    assert len(sent) == 1
    kinds = [next(iter(request)) for request in sent[0]]
    assert {"createDeveloperMetadata", "duplicateSheet", "addProtectedRange"} <= set(kinds)
    made = tab(live_sheet, tab_id)
    assert made["properties"]["hidden"] is True
    (protection,) = made["protectedRanges"]
    assert protection["range"] == {"sheetId": tab_id} and not protection.get("warningOnly")
    assert tab_values(live_sheet, title) == before
    assert tab_values(live_sheet, demo.WORKSHEET) == before  # the backup changes no cell


def test_the_tab_backup_is_resumed_from_its_stamp_with_or_without_the_checkpoint(
    live_sheet: LiveSheet,
):
    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.TAB) as run:
        made = run.backup()
    tabs = len(metadata(live_sheet)["sheets"])

    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.TAB) as run:
        resumed = run.backup()
    (live_sheet.folder / "logs" / "checkpoints" / "step_1_backup.json").unlink()
    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.TAB) as run:
        found = run.backup()

    assert resumed.status is StepStatus.DONE and "made" in resumed.summary
    assert "found on the sheet" in found.summary and "the hidden tab" in found.summary
    assert found.details["snapshot"] == made.details["snapshot"]  # read again from the tab
    assert len(metadata(live_sheet)["sheets"]) == tabs, "no second tab"


def test_a_tab_backup_past_ten_million_cells_is_refused_before_any_write(
    sheets_server: EmulatorServer, tmp_path: Path
):
    requests.post(f"{sheets_server.url}/_emulator/reset", timeout=10).raise_for_status()
    values = [demo.header(), *demo.rows(20)]
    response = requests.post(
        f"{sheets_server.url}/_emulator/spreadsheets",
        json={
            "title": demo.DEMO_TITLE,
            "sheets": [
                {"title": demo.WORKSHEET, "values": values, "rowCount": 76_000},
                {"title": "Otra", "values": [["x"]], "rowCount": 1_000, "columnCount": 26},
            ],
        },
        timeout=60,
    )
    response.raise_for_status()
    sheet = LiveSheet(sheets_server.url, response.json()["spreadsheetId"], tmp_path)
    before = digest(sheet)

    for command in (commands.dry_run, commands.migrate):
        with pytest.raises(SheetStateError) as refused:
            command(sheet.settings(backup_kind=BackupKind.TAB))
        message = str(refused.value)
        assert "past Google's limit of 10,000,000 cells" in message
        assert "--backup-kind local" in message and "--backup-folder" in message
        dry = command is commands.dry_run
        changed = "nothing would be changed" if dry else "nothing was changed"
        assert changed in message
    assert digest(sheet) == before


def test_the_dry_run_plans_each_kind_and_writes_nothing(live_sheet: LiveSheet):
    before = digest(live_sheet)
    said = {}
    for kind in BackupKind:
        record = commands.dry_run(live_sheet.settings(backup_kind=kind))
        said[kind] = record.steps[0].result.summary
    folder = commands.dry_run(live_sheet.settings(backup_folder="0AFolder"))

    assert said[BackupKind.DRIVE].startswith(f"would copy {demo.DEMO_TITLE!r} on Drive")
    assert "into a hidden, protected tab" in said[BackupKind.TAB]
    assert "local snapshot alone" in said[BackupKind.LOCAL]
    assert "in shared-drive folder 0AFolder" in folder.steps[0].result.summary
    assert digest(live_sheet) == before
    assert drive_files(live_sheet.url, q=f"name contains '{demo.DEMO_TITLE} (backup'") == []


def test_a_rollback_from_the_tab_pastes_it_back_and_deletes_it(live_sheet: LiveSheet):
    before = live_sheet.values("FORMULA")
    made = backup_result(live_sheet, backup_kind=BackupKind.TAB)
    tab_id = made.details["backup_tab"]["sheetId"]
    worksheet = live_sheet.spreadsheet().worksheet(demo.WORKSHEET)
    worksheet.update([["changed by the app"]], "B3")

    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK), force=True)

    result = record.steps[0].result
    assert "from the hidden tab" in result.summary and "(copyPaste" in result.summary
    assert "equals the pre-migration snapshot" in result.summary
    assert result.details["restore_atomic"] is True
    assert len(result.details["restore_bodies"]) == 1  # no copyTo, no write before
    kinds = [next(iter(request)) for request in result.requests]
    assert "copyPaste" in kinds and "updateCells" not in kinds
    assert live_sheet.values("FORMULA") == before
    ids = [s["properties"]["sheetId"] for s in metadata(live_sheet)["sheets"]]
    assert tab_id not in ids


def test_an_unforced_rollback_of_a_tab_backup_puts_the_layout_back_and_deletes_the_tab(
    live_sheet: LiveSheet,
):
    before = live_sheet.values("FORMULA")
    backup_result(live_sheet, backup_kind=BackupKind.TAB)

    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK))

    assert "the hidden tab" in record.steps[0].result.summary
    assert live_sheet.values("FORMULA") == before
    assert [s["properties"]["title"] for s in metadata(live_sheet)["sheets"]] == [demo.WORKSHEET]


def test_a_forced_rollback_whose_tab_was_deleted_restores_from_the_local_snapshot(
    live_sheet: LiveSheet,
):
    before = live_sheet.values("FORMULA")
    made = backup_result(live_sheet, backup_kind=BackupKind.TAB)
    spreadsheet = live_sheet.spreadsheet()
    spreadsheet.del_worksheet_by_id(made.details["backup_tab"]["sheetId"])
    spreadsheet.worksheet(demo.WORKSHEET).update([["changed by the app"]], "B3")
    lines: list[str] = []

    settings = live_sheet.settings(Mode.ROLLBACK)
    record = commands.rollback(settings, force=True, progress=lines.append)

    result = record.steps[0].result
    assert "from the local snapshot" in result.summary and "not atomic" in result.summary
    assert any("is no longer in the spreadsheet" in line for line in lines)
    assert live_sheet.values("FORMULA") == before


# --- the local snapshot alone -----------------------------------------------------------------


def test_the_local_backup_makes_no_copy_and_a_forced_rollback_restores_from_it(
    live_sheet: LiveSheet,
):
    before = live_sheet.values("FORMULA")
    files = drive_files(live_sheet.url)

    made = backup_result(live_sheet, backup_kind=BackupKind.LOCAL)
    live_sheet.spreadsheet().worksheet(demo.WORKSHEET).update([["changed"]], "B3")
    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK), force=True)

    assert drive_files(live_sheet.url) == files, "no copy on Drive"
    details = made.details
    assert details["backup_kind"] == "local"
    assert details["stamp"]["local_snapshot"] == details["local_snapshot"]
    path = Path(details["local_snapshot"])
    assert path.stat().st_mode & 0o777 == 0o600
    assert details["backup"] == f"local:{details['local_snapshot_sha256'][:16]}"
    result = record.steps[0].result
    assert f"from the local snapshot {path}" in result.summary
    assert result.details["restore_atomic"] is False
    assert live_sheet.values("FORMULA") == before


def test_a_local_backup_is_resumed_without_its_checkpoint_from_the_file(live_sheet: LiveSheet):
    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.LOCAL) as run:
        made = run.backup()
    (live_sheet.folder / "logs" / "checkpoints" / "step_1_backup.json").unlink()

    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.LOCAL) as run:
        found = run.backup()

    assert "found on the sheet" in found.summary and "the local snapshot" in found.summary
    assert found.details["snapshot"] == made.details["snapshot"]


def test_a_forced_rollback_of_a_local_backup_without_its_checkpoint_uses_the_stamped_file(
    live_sheet: LiveSheet,
):
    before = live_sheet.values("FORMULA")
    made = backup_result(live_sheet, backup_kind=BackupKind.LOCAL)
    assert made.details["stamp"]["local_snapshot_sha256"] == made.details["local_snapshot_sha256"]
    shutil.rmtree(live_sheet.folder / "logs" / "checkpoints")
    live_sheet.spreadsheet().worksheet(demo.WORKSHEET).update([["changed"]], "B3")

    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK), force=True)

    assert "from the local snapshot" in record.steps[0].result.summary
    assert live_sheet.values("FORMULA") == before


def test_a_local_backup_whose_file_was_changed_is_not_trusted(live_sheet: LiveSheet):
    with open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.LOCAL) as run:
        made = run.backup()
    (live_sheet.folder / "logs" / "checkpoints" / "step_1_backup.json").unlink()
    path = Path(made.details["local_snapshot"])
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[:-1])))  # the last row taken out

    with (
        open_run_on(live_sheet, Mode.MIGRATE, backup_kind=BackupKind.LOCAL) as run,
        pytest.raises(SheetStateError) as refused,
    ):
        run.backup()

    assert "is not the file the backup step wrote" in str(refused.value)


# --- a service account in sharing mode --------------------------------------------------------


@pytest.fixture(scope="module")
def sharing_server() -> Iterator[EmulatorServer]:
    accounts = {OWNER_TOKEN: OWNER, EDITOR_TOKEN: EDITOR}
    with EmulatorServer(sharing=True, accounts=accounts) as server:
        yield server


@pytest.fixture
def as_service_account(sharing_server: EmulatorServer, tmp_path: Path) -> LiveSheet:
    """The demo sheet owned by OWNER, shared with a declared service account as Editor; the
    engine runs with that account's key file (``credentials`` of the settings)."""
    url = sharing_server.url
    requests.post(f"{url}/_emulator/reset", timeout=10).raise_for_status()
    values = [demo.header(), *demo.rows(40)]
    response = requests.post(
        f"{url}/_emulator/spreadsheets",
        json={
            "title": demo.DEMO_TITLE,
            "owner": OWNER,
            "sheets": [{"title": demo.WORKSHEET, "values": values, "rowCount": len(values) + 10}],
        },
        timeout=60,
    )
    response.raise_for_status()
    key = response.json()["spreadsheetId"]
    owner = sheets_client(url, token=OWNER_TOKEN).open_by_key(key)
    for email in (SERVICE_ACCOUNT, EDITOR):
        owner.share(email, perm_type="user", role="writer", notify=False)
    requests.post(
        f"{url}/_emulator/accounts",
        json={"email": SERVICE_ACCOUNT, "type": "service_account"},
        timeout=10,
    ).raise_for_status()
    write_key_file(tmp_path / "sa.json", service_account_info(f"{url}/token"))
    return LiveSheet(url, key, tmp_path)


def shared_drive(url: str) -> str:
    members = [{"email": SERVICE_ACCOUNT, "role": "writer"}]
    response = requests.post(
        f"{url}/_emulator/drives", json={"name": "Backups", "members": members}, timeout=10
    )
    response.raise_for_status()
    return str(response.json()["id"])


def sa(sheet: LiveSheet) -> dict[str, Any]:
    return {"credentials": sheet.folder / "sa.json"}


def test_a_drive_copy_refused_for_storage_quota_says_so_and_the_options(
    as_service_account: LiveSheet,
):
    sheet = as_service_account
    before = digest(sheet, OWNER_TOKEN)

    with pytest.raises(StorageQuotaError) as refused:
        commands.migrate(sheet.settings(**sa(sheet)))

    message = str(refused.value)
    assert "403 storageQuotaExceeded" in message
    for option in ("--backup-folder", "--backup-kind tab", "--backup-kind local"):
        assert option in message
    assert "--backup-fallback" in message and "user's credentials" in message
    assert digest(sheet, OWNER_TOKEN) == before


def test_the_dry_run_of_a_service_account_says_its_drive_copy_would_be_refused(
    as_service_account: LiveSheet,
):
    sheet = as_service_account

    record = commands.dry_run(sheet.settings(**sa(sheet)))

    summary = record.steps[0].result.summary
    assert f"{SERVICE_ACCOUNT} is a service account, which owns no Drive file" in summary
    assert "choose --backup-folder or --backup-kind" in summary


def test_the_fallback_the_user_allowed_is_taken_announced_and_recorded(
    as_service_account: LiveSheet,
):
    sheet = as_service_account
    lines: list[str] = []

    result = backup_result(sheet, lines, backup_fallback=BackupKind.TAB, **sa(sheet))

    assert result.summary.startswith("Drive refused the copy (403 storageQuotaExceeded); fell back")
    assert any("falling back to --backup-fallback tab" in line for line in lines)
    assert result.details["backup_kind"] == "tab"
    assert "storageQuotaExceeded" in result.details["stamp"]["backup_fallback_from"]
    made = tab(sheet, result.details["backup_tab"]["sheetId"], OWNER_TOKEN)
    (protection,) = made["protectedRanges"]
    assert SERVICE_ACCOUNT in protection["editors"]["users"]


def test_only_the_account_that_made_the_backup_tab_and_the_owner_may_edit_it(
    as_service_account: LiveSheet,
):
    sheet = as_service_account

    result = backup_result(sheet, backup_kind=BackupKind.TAB, **sa(sheet))

    title = result.details["backup_tab"]["title"]
    (protection,) = tab(sheet, result.details["backup_tab"]["sheetId"], OWNER_TOKEN)[
        "protectedRanges"
    ]
    assert protection["editors"]["users"] == [OWNER, SERVICE_ACCOUNT]
    other = sheets_client(sheet.url, token=EDITOR_TOKEN).open_by_key(sheet.key).worksheet(title)
    with pytest.raises(gspread.exceptions.APIError) as refused:
        other.update([["overwritten"]], "B2")
    assert refused.value.code == 400 and "protected cell" in refused.value.error["message"]
    other.spreadsheet.worksheet(demo.WORKSHEET).update([["the app's own edit"]], "B2")


def test_a_service_account_backs_up_into_a_shared_drive_folder_and_finds_it_again(
    as_service_account: LiveSheet,
):
    sheet = as_service_account
    folder = shared_drive(sheet.url)
    with open_run_on(sheet, Mode.MIGRATE, backup_folder=folder, **sa(sheet)) as run:
        run.context.gateway.copy(run.context.gateway.key, folder)  # a stray copy, other name
        key = run.context.gateway.copy(_backup_name(run), folder)  # left by a run cut short

    result = backup_result(sheet, backup_folder=folder, **sa(sheet))

    assert result.details["backup"] == key
    assert result.details["stamp"]["backup_folder"] == folder
    found = f"found on Drive in shared-drive folder {folder} by name, equal, reused"
    assert found in result.summary


@pytest.mark.parametrize(
    ("member", "answer"),
    [(None, "404 notFound"), ("reader", "403 insufficientFilePermissions")],
    ids=["not a member", "a reader"],
)
def test_a_folder_the_account_cannot_add_to_is_named_with_the_fix(
    as_service_account: LiveSheet, member: str | None, answer: str
):
    sheet = as_service_account
    members = [{"email": SERVICE_ACCOUNT, "role": member}] if member else []
    response = requests.post(
        f"{sheet.url}/_emulator/drives", json={"name": "Other", "members": members}, timeout=10
    )
    folder = response.json()["id"]
    before = digest(sheet, OWNER_TOKEN)

    with pytest.raises(SheetAccessError) as refused:
        commands.migrate(sheet.settings(backup_folder=folder, **sa(sheet)))

    message = str(refused.value)
    assert f"Drive refused the backup copy in --backup-folder {folder}" in message
    assert f"{SERVICE_ACCOUNT} is a member of that shared drive as Contributor" in message
    assert f"({answer}: " in message
    assert "--sheet" not in message and "as Editor" not in message  # not the sheet's problem
    assert digest(sheet, OWNER_TOKEN) == before


def test_a_service_account_rolls_back_from_each_kind(as_service_account: LiveSheet):
    sheet = as_service_account
    before = tab_values(sheet, demo.WORKSHEET, OWNER_TOKEN)
    choices: list[dict[str, Any]] = [
        {"backup_folder": shared_drive(sheet.url)},
        {"backup_kind": BackupKind.TAB},
        {"backup_kind": BackupKind.LOCAL},
    ]
    used = []
    for choice in choices:
        backup_result(sheet, **choice, **sa(sheet))
        client = sheets_client(sheet.url, token=OWNER_TOKEN)
        client.open_by_key(sheet.key).worksheet(demo.WORKSHEET).update([["changed"]], "B3")
        record = commands.rollback(sheet.settings(Mode.ROLLBACK, **sa(sheet)), force=True)
        used.append(record.steps[0].result.summary)
        assert tab_values(sheet, demo.WORKSHEET, OWNER_TOKEN) == before

    assert "from the Drive copy" in used[0]
    assert "from the hidden tab" in used[1]
    assert "from the local snapshot" in used[2]


def _backup_name(run: Any) -> str:
    from pytest_sheetmigrate.steps.backup import BackupStep

    return BackupStep(run.context, run.writer)._backup_name()


def backed_up_tab(sheet: LiveSheet) -> None:
    with open_run_on(sheet, Mode.MIGRATE, backup_kind=BackupKind.TAB) as run:
        run.backup()


@pytest.mark.parametrize("keep_checkpoints", [True, False], ids=["checkpoints kept", "lost"])
def test_a_tab_backup_interrupted_at_any_request_leaves_one_tab_with_its_stamp(
    live_sheet: LiveSheet, tmp_path: Path, keep_checkpoints: bool
):
    """The local server applies request k of the backup step and drops its answer, then
    refuses every later one; run again, the step ends with exactly one backup tab, the one
    its stamp names, holding the sheet."""
    before = tab_values(live_sheet, demo.WORKSHEET)
    sent = live_sheet.stats()["requests"]
    backed_up_tab(live_sheet)
    count = live_sheet.stats()["requests"] - sent
    for k in range(1, count + 1):
        sheet = LiveSheet.seeded(live_sheet.url, tmp_path / f"crash-{k}")
        sheet.faults({"kind": "apply_then_reset", "at": k}, {"kind": "blackout", "at": k + 1})
        with pytest.raises(SheetMigrateError):
            backed_up_tab(sheet)
        sheet.faults()
        if not keep_checkpoints:
            shutil.rmtree(sheet.folder / "logs" / "checkpoints", ignore_errors=True)
        backed_up_tab(sheet)

        tabs = [s["properties"] for s in metadata(sheet)["sheets"]]
        backups = [t for t in tabs if t["title"].startswith("sheetmigrate backup")]
        assert len(backups) == 1, f"interrupted at request {k}: {tabs}"
        stamps = [m for m in sheet.metadata() if m["metadataKey"].endswith(".backup")]
        (stamp,) = stamps
        assert json.loads(stamp["metadataValue"])["backup_tab"]["sheetId"] == backups[0]["sheetId"]
        assert tab_values(sheet, backups[0]["title"]) == before
