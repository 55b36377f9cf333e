"""A refusal is reported for its reason, told apart by Google's error reason (issue 11, "Any Drive
or Sheets 403 is reported as 'no access: share as Editor'"): a service account's missing Drive
storage, a protected range, Drive's rate limit (waited out, not reported), no access.

The local server answers each as Google does (docs/emulator.md: "Accounts", "Protected ranges",
"Quotas"); the tool runs with a service account's key against a server in sharing mode.
"""

from __future__ import annotations

import time

import pytest
import requests
from sheet_project import (
    OWNER_TOKEN,
    LocalApi,
    Project,
    demo_values,
    make_project,
    seed_demo,
    seed_owned_demo,
)
from test_bad_input import assert_refused, spreadsheet_digest

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.quotas import QuotaSettings
from pytest_sheetmigrate.emulator.service_keys import (
    SERVICE_ACCOUNT,
    service_account_info,
    write_key_file,
)
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def shared_project(pytester: pytest.Pytester, sharing_server: EmulatorServer) -> Project:
    """The demo sheet owned by OWNER, shared with the service account as Editor."""
    api = LocalApi(sharing_server.url)
    key = seed_owned_demo(api)
    owner = sheets_client(api.url, token=OWNER_TOKEN).open_by_key(key)
    owner.share(SERVICE_ACCOUNT, perm_type="user", role="writer", notify=False)
    project = make_project(pytester, api, key)
    write_key_file(project.path / "sa.json", service_account_info(f"{api.url}/token"))
    return project


def declare_service_account(api: LocalApi) -> None:
    response = requests.post(
        f"{api.url}/_emulator/accounts",
        json={"email": SERVICE_ACCOUNT, "type": "service_account"},
        timeout=10,
    )
    response.raise_for_status()


def digest(project: Project) -> str:
    return spreadsheet_digest(project.api.url, project.sheet, OWNER_TOKEN)


def test_a_service_account_without_drive_storage_is_told_how_to_back_up(shared_project: Project):
    # Drive: "Service accounts don't have storage quota and can't own any files"; the copy is
    # refused 403 storageQuotaExceeded (gspread issue 1592). Sharing the sheet would not help.
    declare_service_account(shared_project.api)
    before = digest(shared_project)

    result = shared_project.run("--migrate", "--credentials", "sa.json")

    assert_refused(
        result,
        f"{SERVICE_ACCOUNT} cannot own the backup copy",
        "storageQuotaExceeded",
        "--backup-folder",
        "--backup-kind tab",
        "--backup-fallback",
    )
    assert "as Editor" not in result.stdout.str()
    assert digest(shared_project) == before


def test_a_service_account_migrates_with_its_backup_in_a_hidden_protected_tab(
    shared_project: Project,
):
    declare_service_account(shared_project.api)

    result = shared_project.run("--migrate", "--credentials", "sa.json", "--backup-kind", "tab")

    result.stdout.fnmatch_lines(["sheetmigrate: * backup: hidden protected tab"])
    result.stdout.fnmatch_lines(["*backup ran*copied to the hidden tab*"])
    assert result.ret == 0


def test_the_fallback_a_user_allowed_is_announced_and_the_run_passes(shared_project: Project):
    declare_service_account(shared_project.api)

    result = shared_project.run(
        "--migrate", "--credentials", "sa.json", "--backup-fallback", "local"
    )

    result.stdout.fnmatch_lines(
        ["*Drive refused the copy (403 storageQuotaExceeded): falling back to*local*"]
    )
    assert result.ret == 0


def test_a_protected_range_is_reported_as_protected_with_the_fix(shared_project: Project):
    owner = sheets_client(shared_project.api.url, token=OWNER_TOKEN).open_by_key(
        shared_project.sheet
    )
    owner.batch_update(
        {
            "requests": [
                {
                    "addProtectedRange": {
                        "protectedRange": {"range": {"sheetId": owner.sheet1.id}},
                    }
                }
            ]
        }
    )
    before = owner.sheet1.get_all_values(value_render_option="FORMULA")

    result = shared_project.run("--migrate", "--credentials", "sa.json")

    assert_refused(
        result,
        "protected",
        f"add {SERVICE_ACCOUNT} to the editors of the protection",
        "Data > Protect sheets and ranges",
    )
    assert "as Editor (Share" not in result.stdout.str()
    # The backup ran and stamped the sheet; the refused columns step changed no cell.
    assert owner.sheet1.get_all_values(value_render_option="FORMULA") == before
    result.stdout.fnmatch_lines(["*backup ran*", "*ERROR sheetmigrate::test_step_2_columns*"])


def test_drives_rate_limit_403_is_retried_as_a_pause_not_reported_as_no_access(
    pytester: pytest.Pytester, demo_sheet: str
):
    # Drive answers its rate limits with 403 userRateLimitExceeded (Drive API "Usage limits"
    # guide): a pause to wait out, like Sheets' 429. One Drive request a minute: the backup's
    # second one is refused for the rest of the minute, and every retry with it.
    quota = QuotaSettings(drive_per_user=1)
    with EmulatorServer(quotas=quota) as server:
        api = LocalApi(server.url)
        project = make_project(pytester, api, seed_demo(api, demo_values()))
        before = spreadsheet_digest(api.url, project.sheet)
        # The server's quota minutes start on the clock's minute, and the retries span ~1.3 s:
        # started near the end of a minute, the next one would refill the quota in between.
        left = 60 - time.time() % 60
        if left < 15:
            time.sleep(left + 0.1)

        result = project.run("--migrate", "--retry-base-seconds", "0.01")

        assert_refused(
            result, "failed 6 times", "403 userRateLimitExceeded", "run the same command"
        )
        assert "as Editor" not in result.stdout.str()
        assert spreadsheet_digest(api.url, project.sheet) == before
