"""Interrupt `pytest --migrate` anywhere, run it again: it finishes, and nothing is lost.

Two ways to interrupt: the server applies request k and drops its answer, then refuses every later
request (``apply_then_reset`` then ``blackout``), walked over every k of a whole migration; and a
SIGKILL of the pytest process while a request is in flight. The rerun must end in the state an
uninterrupted run ends in, cell for cell (see ``sheet_state``).

The walk runs pytest in this process: the lease an interrupted run leaves names this live process
but a run that is over, which a rerun takes over as it would one of a dead process. The killed
runs are processes of their own.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from sheet_project import DEMO_ROWS, Project
from sheet_state import (
    FAST_RETRIES,
    Reference,
    final_state,
    fresh_sheet,
    migrate,
    reference_run,
)

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer

PYTHON_FRAME = re.compile(r"\.py:\d+: \w+(Error|Exception)\b|^Traceback", re.MULTILINE)
MIGRATE = ("-p", "no:cacheprovider", "--migrate", *FAST_RETRIES)


def crash_at(project: Project, key: str, k: int) -> str | None:
    """Interrupt a run at request k, then rerun; None when it converges, else what went wrong."""
    project.api.faults({"kind": "apply_then_reset", "at": k}, {"kind": "blackout", "at": k + 1})
    crashed = migrate(project, key)
    project.api.clear_faults()
    output = crashed.stdout.str()
    if crashed.ret == 0:
        return "the interrupted run exited 0"
    if PYTHON_FRAME.search(output):
        return "the interrupted run printed a traceback:\n" + output[-3000:]
    rerun = migrate(project, key)
    if rerun.ret != 0:
        return f"the rerun exited {rerun.ret}:\n" + rerun.stdout.str()[-3000:]
    return None


def test_a_run_interrupted_at_any_request_converges_when_run_again(project: Project):
    """Every crash point, through pytest: the interrupted run never exits 0 nor prints a
    traceback, and the rerun exits 0 in the state of an uninterrupted run. The same walk with
    the checkpoints lost before the rerun runs at the engine level (tests/engine/
    test_crash_walk.py): the interrupted run is the same, only the rerun's reading differs."""
    reference = reference_run(project)
    failures = {}
    for k in range(1, reference.requests + 1):
        key = fresh_sheet(project)
        problem = crash_at(project, key, k)
        if problem is None:
            state = final_state(project.api, key, reference.before)
            if state != reference.state:
                problem = "the final sheet differs: " + _difference(state, reference)
        if problem is not None:
            failures[k] = problem

    converged = reference.requests - len(failures)
    report = "\n".join(f"k={k}: {problem}" for k, problem in failures.items())
    assert not failures, (
        f"{reference.requests} crash points, {converged} converge; the others:\n{report}"
    )


# Today these are the lease's take, the Drive copy, the backup stamp, the columns write and the
# init write (requests counted from the start of the run); whatever they become, each is mid-run.
KILL_AT = (5, 8, 11, 13, 16)
IN_FLIGHT_MS = 20  # every request of the killed run waits this long before the server runs it


@pytest.mark.parametrize("at", KILL_AT, ids=[f"request {n} in flight" for n in KILL_AT])
def test_a_killed_run_converges_when_run_again(project: Project, at: int):
    reference = reference_run(project)
    assert at < reference.requests, f"a migration sends {reference.requests} requests now"
    key = fresh_sheet(project)
    project.api.reset_stats()
    project.api.faults({"kind": "latency", "rate": 1.0, "ms": IN_FLIGHT_MS})
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", *MIGRATE, "--sheet", key],
        cwd=project.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: project.api.stats()["requests"] >= at or run.poll() is not None)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert run.returncode == -signal.SIGKILL, f"the run ended before its request {at}"
    # The killed run's last request still lands; the rerun's first one waits until it has.
    project.api.faults({"kind": "latency", "at": 1, "ms": 10 * IN_FLIGHT_MS})

    rerun = migrate(project, key)

    project.api.clear_faults()
    assert rerun.ret == 0, rerun.stdout.str()
    assert final_state(project.api, key, reference.before) == reference.state


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the run did not get there within a minute"
        time.sleep(0.002)


def _difference(state: dict, reference: Reference) -> str:
    return "; ".join(
        f"{name}: {state[name]!r:.400} != {reference.state[name]!r:.400}"
        for name in state
        if state[name] != reference.state[name]
    )


def test_a_rerun_after_the_value_write_landed_and_its_stamp_did_not_keeps_the_app_s_values(
    project: Project, sheets_server: EmulatorServer
):
    """Issue 11 #1: init writes its defaults (by the column's marker), then its stamps. A crash
    between the two leaves 0s and no init stamp; the application then writes its own version
    into one row. The rerun writes no default over it (only blank cells get one) and stamps
    the sheet; the validation, reading the sheet, reports the row that is not 0."""
    key = fresh_sheet(project)
    sheets_server.interleave(0, None)
    assert migrate(project, key).ret == 0
    requests = list(sheets_server.app.interleaving.requests)
    sheets_server.app.interleaving.clear()
    k = next(n for n, r in enumerate(requests, 1) if r.endswith(":batchUpdateByDataFilter"))
    next_write = next(r for r in requests[k:] if r.startswith("POST"))
    assert next_write.endswith(":batchUpdate"), f"the stamps are not the next write: {requests}"

    key = fresh_sheet(project)
    project.api.faults({"kind": "apply_then_reset", "at": k}, {"kind": "blackout", "at": k + 1})
    crashed = migrate(project, key)
    project.api.clear_faults()
    assert crashed.ret != 0
    worksheet = project.api.client().open_by_key(key).worksheet(demo.WORKSHEET)
    version = worksheet.row_values(1).index("version") + 1
    assert worksheet.col_values(version)[1:] == ["0"] * DEMO_ROWS, "the value write landed"
    worksheet.update_cell(3, version, 7)  # the application, upgraded, writes its own version

    rerun = migrate(project, key)

    assert worksheet.col_values(version)[1:] == ["0", "7"] + ["0"] * (DEMO_ROWS - 2)
    rerun.stdout.fnmatch_lines(["*init ran: wrote version on 40 rows*"])
    # The validation reads the sheet as it is: the application's 7 is reported, not hidden.
    assert rerun.ret == 1
    rerun.stdout.fnmatch_lines(["FAILED *test_version_is_zero_on_every_data_row*"])
    found = (
        project.api.client()
        .open_by_key(key)
        .fetch_sheet_metadata({"fields": "sheets.developerMetadata(metadataKey,metadataValue)"})
    )
    stamps = [item for sheet in found["sheets"] for item in sheet.get("developerMetadata", [])]
    assert {"metadataKey": "sheetmigrate.schema_version", "metadataValue": "3.0"} in stamps
