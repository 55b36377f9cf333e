"""A Ctrl-C while a step's write is in flight, at the engine level: the write ends on its own,
the writer's ``close()`` says whether it landed (as the sheet's stamps say), and no lease is left.

The local server holds the step's batchUpdate (a latency fault on that one request) and applies
it when the hold ends, or answers 500 without applying it; while it is held the main thread gets
a real SIGINT (its KeyboardInterrupt). The engine-level
counterpart of tests/plugin/test_interrupted.py, whose pytester runs also check the terminal
message and the exit code.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from live_sheet import DEMO_ROWS, SCHEMA, LiveSheet, open_run_on

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.in_flight import InterruptedWrite
from pytest_sheetmigrate.results import Verification
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.stamp import Stamps

HOLD_MS = 1500  # the held write: long enough to interrupt it, in any load


def run_up_to(run: Run, step: str) -> Verification | None:
    """The steps before ``step``; the verification, when one of them is verify."""
    run.backup()
    if step == "columns":
        return None
    run.columns()
    return run.verify()


def run_step(run: Run, step: str, verification: Verification | None) -> None:
    if verification is not None:
        run.init(verification)
    else:
        run.columns()


def write_number(server: EmulatorServer, sheet: LiveSheet, step: str) -> int:
    """The number, counted from the start of ``step``, of its write (its first batchUpdate),
    as a rehearsal on a copy of the sheet sends it."""
    rehearsal = LiveSheet.seeded(sheet.url, sheet.folder / "rehearsal")
    with open_run_on(rehearsal, Mode.MIGRATE) as run:
        verification = run_up_to(run, step)
        server.interleave(0, None)  # count and record from here
        run_step(run, step, verification)
    routes = list(server.app.interleaving.requests)
    server.app.interleaving.clear()
    return next(n for n, route in enumerate(routes, 1) if route.endswith(":batchUpdate"))


@contextmanager
def ctrl_c_when_it_arrives(sheet: LiveSheet, requests: int) -> Iterator[None]:
    """Within the block, SIGINT this process once the server has seen ``requests`` requests in
    all (the write held there); never after the block: no later test is interrupted."""
    over = threading.Event()

    def interrupt() -> None:
        while sheet.stats()["requests"] < requests:
            if over.wait(0.005):
                return
        os.kill(os.getpid(), signal.SIGINT)  # handled in the main thread, waiting on the write

    watcher = threading.Thread(target=interrupt, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        over.set()
        watcher.join()


def leases(sheet: LiveSheet) -> list[str]:
    return [k for k, _, _ in Stamps.parse(sheet.metadata()).items if k == "sheetmigrate.lease"]


@pytest.mark.parametrize(
    ("step", "lands"),
    [("columns", True), ("columns", False), ("init", True)],
    ids=["columns write lands", "columns write answers 500", "init write lands"],
)
def test_a_ctrl_c_during_a_write_in_flight_leaves_it_to_end_and_close_says_what_landed(
    sheets_server: EmulatorServer, live_sheet: LiveSheet, step: str, lands: bool
):
    at = write_number(sheets_server, live_sheet, step)

    with open_run_on(live_sheet, Mode.MIGRATE) as run:
        verification = run_up_to(run, step)
        held = [{"kind": "latency", "at": at, "ms": HOLD_MS}]
        live_sheet.faults(*held, *([] if lands else [{"kind": "http_500", "at": at}]))
        arrived = live_sheet.stats()["requests"] + at
        with ctrl_c_when_it_arrives(live_sheet, arrived), pytest.raises(KeyboardInterrupt):
            run_step(run, step, verification)
        interrupted = run.writer.close()
    live_sheet.faults()

    assert interrupted == InterruptedWrite(step, landed=lands, settled=True)
    assert (Stamps.parse(live_sheet.metadata(), 0).step("3.0", step) is not None) is lands
    assert leases(live_sheet) == [], "the write's renewal and the lease both gone"

    with open_run_on(live_sheet, Mode.MIGRATE) as rerun:
        rerun.backup()
        rerun.columns()
        init = rerun.init(rerun.verify())

    assert init.summary in ("defaults already written", f"wrote version on {DEMO_ROWS} rows")
    values = live_sheet.values()
    assert values[0] == load_schema(SCHEMA).header
    version = values[0].index("version")
    assert [row[version] for row in values[1:]] == ["0"] * DEMO_ROWS
