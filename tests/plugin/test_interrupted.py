"""Ctrl-C while a step's write is in flight: the run lets it end, says what landed, no lease left.

A real SIGINT to a `pytest --migrate` process while the server holds the step's batchUpdate (a
latency fault on that one request). The server applies it when the hold ends (or answers 500
without applying it), as Google applies a request it has received whether or not its client
still waits. The interrupted run must leave no lease on the sheet (the write renews it), say which
step was interrupted and whether its write landed, exit non-zero, and a rerun must end where an
uninterrupted run ends.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from sheet_project import Project
from sheet_state import FAST_RETRIES, final_state, fresh_sheet, migrate, reference_run
from test_crash_resume import PYTHON_FRAME
from test_demo import WORKTREE
from test_lease import leases

from pytest_sheetmigrate.emulator import EmulatorServer

BATCH_UPDATE = "POST /v4/spreadsheets/{spreadsheetId}:batchUpdate"
HOLD_MS = 4000  # the held write: long enough to interrupt it, in any load


def request_number_of_write(
    server: EmulatorServer, project: Project, monkeypatch: pytest.MonkeyPatch, step: str
) -> tuple[int, Any]:
    """Run a reference migration and find the (1-based) number of the request that is the
    step's write: the batchUpdate carrying the step's stamp. Returns it and the reference."""
    templates: list[str] = []
    stamped: list[list[str]] = []  # per batchUpdate, the stamp keys it creates
    count, execute, reset = server.app.stats.count, server.store.execute, server.app.stats.reset

    def counted_from_here() -> None:  # the reference counts from its stats reset
        templates.clear()
        stamped.clear()
        reset()

    def counted(template: str, **kwargs: Any) -> None:
        templates.append(template)
        count(template, **kwargs)

    def executed(operation: str, kwargs: dict[str, Any], caller: str | None) -> Any:
        if operation == "spreadsheets_batch_update":
            stamped.append(
                [
                    request["createDeveloperMetadata"]["developerMetadata"]["metadataKey"]
                    for request in kwargs["body"]["requests"]
                    if "createDeveloperMetadata" in request
                ]
            )
        return execute(operation, kwargs, caller)

    with monkeypatch.context() as patch:
        patch.setattr(server.app.stats, "count", counted)
        patch.setattr(server.app.stats, "reset", counted_from_here)
        patch.setattr(server.store, "execute", executed)
        reference = reference_run(project)
    writes = [n for n, template in enumerate(templates, start=1) if template == BATCH_UPDATE]
    which = [i for i, keys in enumerate(stamped) if any(k.endswith(f".{step}") for k in keys)]
    if step == "lease":  # the take; every step's write then renews the lease
        which = which[:1]
    assert len(which) == 1, f"batchUpdates and the stamps they create: {stamped}"
    return writes[which[0]], reference


def interrupted_run(project: Project, key: str, at: int, *, lands: bool) -> tuple[int, str]:
    """Run ``pytest --migrate`` on ``key`` in a subprocess, the server holding its request
    ``at`` (answering 500 unless it ``lands``), and SIGINT it while the request is held."""
    project.api.reset_stats()
    held = [{"kind": "latency", "at": at, "ms": HOLD_MS}]
    project.api.faults(*held, *([] if lands else [{"kind": "http_500", "at": at}]))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--migrate", "--sheet", key]
        + list(FAST_RETRIES),
        cwd=project.path,
        env={**os.environ, "PYTHONPATH": str(WORKTREE)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while project.api.stats()["requests"] < at and run.poll() is None:
            assert time.monotonic() < deadline, "the run never sent its write"
            time.sleep(0.005)
        arrived = time.monotonic()
        run.send_signal(signal.SIGINT)  # the write is held by the server now
        output, _ = run.communicate(timeout=120)
    finally:
        run.kill()
    time.sleep(max(0.0, arrived + HOLD_MS / 1000 + 0.5 - time.monotonic()))  # the hold is over
    project.api.clear_faults()
    return run.returncode, output


def test_a_ctrl_c_during_a_write_in_flight_says_what_landed_and_leaves_no_lease(
    sheets_server: EmulatorServer, project: Project, monkeypatch: pytest.MonkeyPatch
):
    """A columns write that answers 500. A write that lands, and init's, are interrupted the
    same way in tests/engine/test_interrupted_write.py; each message is in test_in_flight.py."""
    step, lands = "columns", False
    at, reference = request_number_of_write(sheets_server, project, monkeypatch, step)
    key = fresh_sheet(project)
    returncode, output = interrupted_run(project, key, at, lands=lands)

    assert returncode == 2, output  # pytest's exit code for KeyboardInterrupt
    assert leases(dataclasses.replace(project, sheet=key)) == [], output
    landed = "the write landed" if lands else "the write did not land"
    assert f"interrupted during the {step} step, while its write was in flight: {landed}" in (
        output
    ), output
    assert "Running pytest --migrate again is safe" in output
    assert not PYTHON_FRAME.search(output), output

    rerun = migrate(project, key)

    assert rerun.ret == 0, rerun.stdout.str()
    assert final_state(project.api, key, reference.before) == reference.state


def test_a_ctrl_c_while_the_lease_is_being_taken_leaves_no_lease(
    sheets_server: EmulatorServer, project: Project, monkeypatch: pytest.MonkeyPatch
):
    """The take is a write of its own, before any step's: interrupted in flight, it lands, and
    the run still removes the lease it took (a rerun on another host is not locked out)."""
    at, reference = request_number_of_write(sheets_server, project, monkeypatch, "lease")
    key = fresh_sheet(project)
    returncode, output = interrupted_run(project, key, at, lands=True)

    assert returncode == 2, output
    assert leases(dataclasses.replace(project, sheet=key)) == [], output
    assert "interrupted during the backup step, with no write in flight" in output, output
    assert "the lease this run held is released" in output, output
    assert not PYTHON_FRAME.search(output), output

    rerun = migrate(project, key)

    assert rerun.ret == 0, rerun.stdout.str()
    assert final_state(project.api, key, reference.before) == reference.state
