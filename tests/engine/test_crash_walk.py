"""Interrupt the engine at any request, run it again: it finishes, and nothing is lost.

The engine-level counterpart of tests/plugin/test_crash_resume.py's walk: the local server
applies request k of a migration and drops its answer, then refuses every later request
(``apply_then_reset`` then ``blackout``), for every k of a whole migration. The interrupted run
must stop with one of the project's errors (``SheetMigrateError``: a message, not a traceback),
and a second run, with the checkpoints kept or lost, must end in the state an uninterrupted run
ends in, cell for cell: values (formulas as text), grid sizes, stamps (their times, run ids and
backup keys made comparable) and the number of backup copies.

In one process, the lease an interrupted run leaves names this process but a run that is over,
which the rerun takes over as it would one of a dead process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from live_sheet import LiveSheet, open_run_on

from pytest_sheetmigrate.errors import SheetMigrateError
from pytest_sheetmigrate.settings import Mode

AUTH = {"Authorization": "Bearer local"}
VOLATILE = frozenset({"at", "run"})  # when, and by which run
BACKUP_HELD = "<a copy of the sheet before the migration>"


def migrate(sheet: LiveSheet) -> None:
    with open_run_on(sheet, Mode.MIGRATE) as run:
        run.backup()
        run.columns()
        run.init(run.verify())


def get(sheet: LiveSheet, path: str, **params: str) -> dict[str, Any]:
    response = requests.get(f"{sheet.url}{path}", params=params, headers=AUTH, timeout=30)
    response.raise_for_status()
    return response.json()


def values_of(sheet: LiveSheet, key: str) -> list[list[Any]]:
    found = get(sheet, f"/v4/spreadsheets/{key}/values/Operaciones", valueRenderOption="FORMULA")
    return found.get("values", [])


def final_state(sheet: LiveSheet, before: list[list[Any]]) -> dict[str, Any]:
    """What two runs of one migration on two seedings of one sheet must end with alike."""
    fields = "sheets(properties(title,gridProperties),developerMetadata),developerMetadata"
    found = get(sheet, f"/v4/spreadsheets/{sheet.key}", fields=fields)
    located = [("spreadsheet", m) for m in found.get("developerMetadata", [])] + [
        (tab["properties"]["title"], m)
        for tab in found["sheets"]
        for m in tab.get("developerMetadata", [])
    ]
    copies = get(sheet, "/drive/v3/files", q=f"name contains '{sheet.key}'", fields="files(id)")
    return {
        "grid": {
            t["properties"]["title"]: t["properties"]["gridProperties"] for t in found["sheets"]
        },
        "values": values_of(sheet, sheet.key),
        "metadata": sorted(
            (where, m["metadataKey"], stable(sheet, m.get("metadataValue", ""), before))
            for where, m in located
        ),
        "backup copies": len(copies["files"]),
    }


def stable(sheet: LiveSheet, value: str, before: list[list[Any]]) -> str:
    """A stamp's value with its volatile parts replaced; a lease is kept whole (none may stay)."""
    try:
        record = json.loads(value)
    except ValueError:
        return value
    if not isinstance(record, dict) or "holder" in record:
        return value
    for name in VOLATILE & record.keys():
        record[name] = "<volatile>"
    if "backup" in record:
        held = values_of(sheet, record["backup"]) == before
        record["backup"] = BACKUP_HELD if held else f"<{record['backup']}: not the sheet before>"
    return json.dumps(record, sort_keys=True)


def requests_sent(sheet: LiveSheet) -> int:
    return sheet.stats()["requests"]


@pytest.fixture
def reference(live_sheet: LiveSheet) -> tuple[int, list[list[Any]], dict[str, Any]]:
    """An uninterrupted migration of the demo sheet: its request count, values before, final
    state."""
    before = values_of(live_sheet, live_sheet.key)
    sent = requests_sent(live_sheet)
    migrate(live_sheet)
    return requests_sent(live_sheet) - sent, before, final_state(live_sheet, before)


def crash_at(sheet: LiveSheet, k: int, *, keep_checkpoints: bool) -> str | None:
    """Interrupt a run at request k, then run again; None when that converges."""
    sheet.faults({"kind": "apply_then_reset", "at": k}, {"kind": "blackout", "at": k + 1})
    try:
        migrate(sheet)
    except SheetMigrateError:
        pass
    except Exception as error:  # a bug: the plugin would show its traceback
        return f"the interrupted run raised {error!r}"
    else:
        return "the interrupted run finished"
    finally:
        sheet.faults()
    if not keep_checkpoints:
        shutil.rmtree(sheet.folder / "logs" / "checkpoints", ignore_errors=True)
    try:
        migrate(sheet)
    except Exception as error:
        return f"the rerun raised {error!r}"
    return None


@pytest.mark.parametrize("keep_checkpoints", [True, False], ids=["checkpoints kept", "lost"])
def test_a_run_interrupted_at_any_request_converges_when_run_again(
    live_sheet: LiveSheet,
    reference: tuple[int, list[list[Any]], dict[str, Any]],
    tmp_path: Path,
    keep_checkpoints: bool,
):
    count, before, state = reference
    failures = {}
    for k in range(1, count + 1):
        sheet = LiveSheet.seeded(live_sheet.url, tmp_path / f"crash-{k}")
        problem = crash_at(sheet, k, keep_checkpoints=keep_checkpoints)
        if problem is None and final_state(sheet, before) != state:
            now = final_state(sheet, before)
            problem = "the final sheet differs: " + "; ".join(
                f"{name}: {now[name]!r:.300} != {state[name]!r:.300}"
                for name in state
                if now[name] != state[name]
            )
        if problem is not None:
            failures[k] = problem

    report = "\n".join(f"k={k}: {problem}" for k, problem in failures.items())
    assert count > 10, "a whole migration sends more requests than that"
    assert not failures, f"{count} crash points, {count - len(failures)} converge:\n{report}"
