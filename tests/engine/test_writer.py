"""The writers against the local server: the live one sends each step's requests, its stamp and
the lease's renewal in one batchUpdate; the recording one (dry run) sends nothing and records
the same bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from live_sheet import LiveSheet

from pytest_sheetmigrate.lease import LEASE_KEY
from pytest_sheetmigrate.results import StepStatus
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.writer import LiveWriter, RecordingWriter

OpenRun = Callable[..., AbstractContextManager[Run]]
BATCH_UPDATE = "POST /v4/spreadsheets/{spreadsheetId}:batchUpdate"


def created_keys(requests: list[dict[str, Any]]) -> list[str]:
    return [
        r["createDeveloperMetadata"]["developerMetadata"]["metadataKey"]
        for r in requests
        if "createDeveloperMetadata" in r
    ]


def without_stamps(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The requests that change cells and columns, and the column markers: the stamps (their
    times and run ids differ from run to run) and the lease left out."""

    def kept(request: dict[str, Any]) -> bool:
        if "deleteDeveloperMetadata" in request:
            return False
        created = request.get("createDeveloperMetadata")
        return created is None or "dimensionRange" in created["developerMetadata"]["location"]

    return [request for request in requests if kept(request)]


def test_the_live_writer_sends_a_step_its_stamp_and_the_lease_renewal_in_one_batch_update(
    open_run: OpenRun, live_sheet: LiveSheet
):
    with open_run(Mode.MIGRATE) as run:
        run.backup()
        assert isinstance(run.writer, LiveWriter) and run.writer.lease is not None
        held = run.writer.lease
        before = live_sheet.stats()

        run.columns()

        after = live_sheet.stats()
        assert after["mutating_requests"] - before["mutating_requests"] == 1
        assert after["by_endpoint"][BATCH_UPDATE] - before["by_endpoint"][BATCH_UPDATE] == 1
        step, sent = run.writer.sent[-1]
        assert step == "columns"
        assert "sheetmigrate.step.3.0.columns" in created_keys(sent)
        assert created_keys(sent)[-1] == LEASE_KEY
        renewed = json.loads(
            sent[-1]["createDeveloperMetadata"]["developerMetadata"]["metadataValue"]
        )
        assert renewed["run"] == held.run and run.writer.lease is not None
        assert run.writer.lease.expires == renewed["expires"]
        assert run.writer.stamps.step("3.0", "columns") is not None, "its stamps, with no re-read"


def test_the_recording_writer_sends_no_write_takes_no_lease_and_saves_no_checkpoint(
    open_run: OpenRun, live_sheet: LiveSheet
):
    values = live_sheet.values()
    with open_run(Mode.DRY_RUN) as run:
        before = live_sheet.stats()
        assert isinstance(run.writer, RecordingWriter)

        results = [run.backup(), run.columns()]
        verification = run.verify()
        results.append(run.init(verification))

        assert live_sheet.stats()["mutating_requests"] == before["mutating_requests"]
        assert [result.status for result in results] == [StepStatus.PLANNED] * 3
        assert verification.passed and verification.status is StepStatus.PLANNED
        assert run.writer.lease is None and run.writer.taking is None
        assert [step for step, _ in run.writer.sent] == ["columns", "init"]
    assert not live_sheet.settings().checkpoint_dir.exists()
    assert live_sheet.values() == values


def test_the_recording_writer_records_the_bodies_the_live_writer_sends(
    open_run: OpenRun,
):
    with open_run(Mode.DRY_RUN) as dry:
        dry.backup()
        planned = dry.columns()
        recorded = dict(dry.writer.sent)
    with open_run(Mode.MIGRATE) as live:
        live.backup()
        ran = live.columns()
        sent = dict(live.writer.sent)

    assert planned.requests == recorded["columns"]
    assert without_stamps(recorded["columns"]) == without_stamps(sent["columns"])
    assert created_keys(sent["columns"]) == [*created_keys(recorded["columns"]), LEASE_KEY]
    assert ran.requests == sent["columns"][: len(ran.requests)]


def test_the_recording_writer_applies_what_it_records_to_its_own_view_of_the_sheet(
    open_run: OpenRun,
):
    with open_run(Mode.DRY_RUN) as run:
        run.backup()
        assert run.writer.stamps.step("3.0", "columns") is None

        run.columns()

        assert run.writer.stamps.step("3.0", "columns") is not None, "recorded, not sent"
        assert run.gateway.metadata().sheet("Operaciones").stamps.items == ()
        planned = run.verify().after
        assert planned is not None and list(planned.header) == run.schema.header


def test_the_dry_run_s_planned_result_is_the_sheet_the_migration_leaves(
    open_run: OpenRun,
):
    with open_run(Mode.DRY_RUN) as dry:
        dry.backup()
        dry.columns()
        dry.init(dry.verify())
        planned = dry.result_snapshot()
        planned_rows = list(dry.result_rows())
    with open_run(Mode.MIGRATE) as live:
        live.backup()
        live.columns()
        live.init(live.verify())
        migrated = live.result_snapshot()
        migrated_rows = list(live.result_rows())

    assert planned.digest == migrated.digest
    assert planned_rows == migrated_rows
