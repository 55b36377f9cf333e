"""One migration at a time: the lease in the spreadsheet's developer metadata."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sheet_project import Project

LEASE_KEY = "sheetmigrate.lease"


def leases(project: Project) -> list[dict]:
    spreadsheet = project.api.client().open_by_key(project.sheet)
    found = spreadsheet.fetch_sheet_metadata({"fields": "developerMetadata"})
    metadata = found.get("developerMetadata", [])
    return [json.loads(m["metadataValue"]) for m in metadata if m["metadataKey"] == LEASE_KEY]


def hold_lease(project: Project, *, host: str, pid: int, minutes: int) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    value = {
        "holder": f"alice@{host}",
        "host": host,
        "pid": pid,
        "run": "0" * 32,
        "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    project.api.client().open_by_key(project.sheet).batch_update(
        {
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": LEASE_KEY,
                            "metadataValue": json.dumps(value),
                            "location": {"spreadsheet": True},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            ]
        }
    )


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_run_is_refused_with_the_holders_name_and_expiry(project: Project):
    hold_lease(project, host="other-host", pid=4242, minutes=10)
    header_before = project.worksheet().row_values(1)

    result = project.run("--migrate")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*another migration holds the lease*alice@other-host (pid 4242) until *--break-lock*"]
    )
    assert project.worksheet().row_values(1) == header_before
    assert [lease["holder"] for lease in leases(project)] == ["alice@other-host"]


def test_a_lease_left_by_a_dead_process_on_this_host_is_taken_over_at_once(project: Project):
    hold_lease(project, host=socket.gethostname(), pid=dead_pid(), minutes=10)

    result = project.run("--migrate")

    assert result.ret == 0
    assert leases(project) == [], "the finished run released the lease"


@pytest.mark.parametrize(("minutes", "ret"), [(-1, 0), (10, 1)])
def test_a_lease_from_another_host_is_taken_over_only_once_expired(
    project: Project, minutes: int, ret: int
):
    hold_lease(project, host="other-host", pid=4242, minutes=minutes)

    assert project.run("--migrate").ret == ret


def test_break_lock_removes_a_live_lease_by_hand(project: Project):
    hold_lease(project, host="other-host", pid=4242, minutes=10)

    result = project.run("--migrate", "--break-lock")

    assert result.ret == 0
    assert leases(project) == []


def test_a_run_that_stops_at_a_failed_check_releases_its_lease(
    pytester: pytest.Pytester, project: Project
):
    pytester.makepyfile(
        application=f"""
        from pytest_sheetmigrate.transport import sheets_client

        def pytest_runtest_teardown(item):
            if item.name == "test_step_2_columns":
                sheet = sheets_client({project.api.url!r}).open_by_key({project.sheet!r})
                sheet.worksheet("Operaciones").update(range_name="D5", values=[["x"]])
        """
    )
    pytester.syspathinsert()

    result = project.run("--migrate", "-p", "application")

    assert result.ret == 1
    assert leases(project) == []


def test_the_loser_of_two_simultaneous_starts_removes_its_own_lease(
    pytester: pytest.Pytester, project: Project
):
    # Another run takes the lease between this run's taking it and its confirming it; run ids
    # decide, and "0" * 32 is the smallest, so the other run wins (issue 11, defect 17).
    pytester.makepyfile(
        application=f"""
        import json
        from datetime import UTC, datetime, timedelta

        from pytest_sheetmigrate import lease
        from pytest_sheetmigrate.transport import sheets_client

        original = lease.confirm

        def racing_confirm(stamps, mine):
            expires = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            value = {{"holder": "alice@other-host", "host": "other-host", "pid": 4242,
                      "run": "0" * 32, "expires": expires}}
            sheet = sheets_client({project.api.url!r}).open_by_key({project.sheet!r})
            sheet.batch_update({{"requests": [{{"createDeveloperMetadata": {{
                "developerMetadata": {{"metadataKey": {LEASE_KEY!r},
                "metadataValue": json.dumps(value), "location": {{"spreadsheet": True}},
                "visibility": "DOCUMENT"}}}}}}]}})
            return original(sheet_stamps(sheet), mine)

        def sheet_stamps(sheet):
            from pytest_sheetmigrate.stamp import Stamps
            found = sheet.fetch_sheet_metadata({{"fields": "developerMetadata"}})
            return Stamps.parse(found.get("developerMetadata", []))

        def pytest_configure(config):
            lease.confirm = racing_confirm

        def pytest_unconfigure(config):  # the run is in-process: leave the module as it was
            lease.confirm = original
        """
    )
    pytester.syspathinsert()
    header_before = project.worksheet().row_values(1)

    result = project.run("--migrate", "-p", "application")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*started at the same moment holds the lease*alice@other-host*"])
    assert [lease["holder"] for lease in leases(project)] == ["alice@other-host"]
    assert project.worksheet().row_values(1) == header_before
