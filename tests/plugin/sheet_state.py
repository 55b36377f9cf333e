"""The final state of a migrated sheet, comparable across runs: what crash and fault tests compare.

Two runs of the same migration on two seedings of the same demo sheet must end in equal states:
every cell (formulas as their text), the grid size, the developer metadata (the worksheet's stamps
and schema version, and no lease left behind at the spreadsheet level) with what is volatile
replaced: the time a step ran and the run that wrote it, and the key of the backup copy, replaced
by whether that copy holds what the sheet held before the migration.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from sheet_project import LocalApi, Project, demo_values, seed_demo

from pytest_sheetmigrate import demo

VOLATILE = frozenset({"at", "run"})  # when, and by which run
FAST_RETRIES = ("--retry-base-seconds", "0.001")  # production's first backoff is 0.5 s
BACKUP_HELD = "<a copy of the sheet before the migration>"


def final_state(api: LocalApi, key: str, before: list[list[Any]]) -> dict[str, Any]:
    """The state to compare; ``before`` is the worksheet's values before the migration."""
    spreadsheet = api.client().open_by_key(key)
    found = spreadsheet.fetch_sheet_metadata(
        {"fields": "sheets(properties(title,gridProperties),developerMetadata),developerMetadata"}
    )
    grids = {
        sheet["properties"]["title"]: sheet["properties"]["gridProperties"]
        for sheet in found["sheets"]
    }
    return {
        "grid": grids,
        "values": sheet_values(api, key),
        "metadata": sorted(
            (where, m["metadataKey"], _stable(api, m.get("metadataValue", ""), before))
            for where, m in located_metadata(found)
        ),
        "backup copies": len(backup_copies(api, key)),
    }


def located_metadata(found: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, entry) for the spreadsheet-level and the sheet-located developer metadata of a
    spreadsheets.get answer: where is "spreadsheet" or the worksheet's title."""
    return [("spreadsheet", m) for m in found.get("developerMetadata", [])] + [
        (sheet["properties"]["title"], m)
        for sheet in found.get("sheets", [])
        for m in sheet.get("developerMetadata", [])
    ]


def backup_copies(api: LocalApi, key: str) -> list[dict[str, Any]]:
    """Drive files whose name says they are a backup of spreadsheet ``key``."""
    listed = api.client().http_client.request(
        "get",
        "https://www.googleapis.com/drive/v3/files",
        params={"q": f"name contains '{key}'", "fields": "files(id,name)"},
    )
    return listed.json()["files"]


def sheet_values(api: LocalApi, key: str) -> list[list[Any]]:
    """Every cell of the demo worksheet as stored (formulas as their text), rows trimmed."""
    spreadsheet = api.client().open_by_key(key)
    answer = spreadsheet.values_get(demo.WORKSHEET, params={"valueRenderOption": "FORMULA"})
    return answer.get("values", [])


def _stable(api: LocalApi, value: str, before: list[list[Any]]) -> str:
    """A stamp's value, its volatile parts replaced; a lease is kept whole (none may stay)."""
    try:
        record = json.loads(value)
    except ValueError:
        return value
    if not isinstance(record, dict) or "holder" in record:
        return value
    for name in VOLATILE & record.keys():
        record[name] = "<volatile>"
    if "backup" in record:
        held = sheet_values(api, record["backup"]) == before
        record["backup"] = BACKUP_HELD if held else f"<{record['backup']}: not the sheet before>"
    return json.dumps(record, sort_keys=True)


@dataclass
class Reference:
    """An uninterrupted migration of a fresh demo sheet: its request count and final state."""

    requests: int
    before: list[list[Any]]
    state: dict[str, Any]
    sent: dict[str, int]  # requests by kind, as the run's report counts them


def fresh_sheet(project: Project) -> str:
    """A new seeding of the demo sheet, and a project with no checkpoint or report left."""
    shutil.rmtree(project.path / "logs", ignore_errors=True)
    return seed_demo(project.api, demo_values())


def migrate(project: Project, key: str) -> pytest.RunResult:
    """``pytest --migrate`` of spreadsheet ``key``, in this process, retrying without delay."""
    return project.run("--migrate", "--sheet", key, *FAST_RETRIES)


def reference_run(project: Project) -> Reference:
    key = fresh_sheet(project)
    before = sheet_values(project.api, key)
    project.api.reset_stats()
    result = migrate(project, key)
    assert result.ret == 0, result.stdout.str()
    requests = project.api.stats()["requests"]
    sent = requests_report(project)["by_kind"]
    return Reference(requests, before, final_state(project.api, key, before), sent)


def requests_report(project: Project) -> dict[str, Any]:
    """The "requests" part of the last run's verification report: by kind, and retries."""
    report = project.path / "logs" / "migration" / "verification_report.json"
    return json.loads(report.read_text())["requests"]
