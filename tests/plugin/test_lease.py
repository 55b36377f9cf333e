"""One migration at a time: the lease in the spreadsheet's developer metadata."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

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


def test_a_second_run_is_refused_naming_the_holder_and_break_lock_then_takes_the_lease(
    project: Project,
):
    """What the user sees of a live lease of another run and of --break-lock. The lease rules
    (a dead or expired holder taken over, a failed check or a lost race releasing it) are tested
    directly in tests/engine/test_migration_facade.py and test_lease_holder.py."""
    hold_lease(project, host="other-host", pid=4242, minutes=10)
    header_before = project.worksheet().row_values(1)

    result = project.run("--migrate")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*another migration holds the lease*alice@other-host (pid 4242) until *--break-lock*"]
    )
    assert project.worksheet().row_values(1) == header_before
    assert [lease["holder"] for lease in leases(project)] == ["alice@other-host"]

    broken = project.run("--migrate", "--break-lock")

    assert broken.ret == 0
    assert leases(project) == []
