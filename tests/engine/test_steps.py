"""The steps as objects, run by hand against the local server: each says whether it is done on
the sheet, and a fresh run finds done what an earlier one did."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from pytest_sheetmigrate.checks import CheckResult
from pytest_sheetmigrate.context import SheetContext
from pytest_sheetmigrate.errors import VerificationError
from pytest_sheetmigrate.results import StepName, StepStatus, Verification
from pytest_sheetmigrate.rollback import RollbackStep
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.steps import BackupStep, ColumnsStep, InitStep, VerifyStep
from pytest_sheetmigrate.writer import make_writer

OpenRun = Callable[..., AbstractContextManager[Run]]
STEPS = (BackupStep, ColumnsStep, VerifyStep, InitStep)


def done_on_sheet(run: Run) -> dict[str, bool]:
    """What each step says of the sheet as a fresh run opens it."""
    context = SheetContext.open(run.settings, run.gateway, run.schema)
    writer = make_writer(context)
    return {step.name: step(context, writer).done_on_sheet() for step in STEPS}


def test_the_docstring_s_script_migrates_the_sheet(live_sheet):
    settings = live_sheet.settings(Mode.MIGRATE)
    run = Run.checked(settings)
    try:
        run.backup()
        run.columns()
        result = run.init(run.verify())
    finally:
        run.close()

    assert (result.step, result.status) == (StepName.INIT, StepStatus.RAN)
    assert run.writer.lease is None
    assert [m for m in live_sheet.metadata() if m["metadataKey"] == "sheetmigrate.lease"] == []


def test_each_step_is_found_done_on_the_sheet_once_it_ran(open_run: OpenRun):
    with open_run(Mode.MIGRATE) as run:
        seen = [done_on_sheet(run)]
        run.backup()
        seen.append(done_on_sheet(run))
        run.columns()
        seen.append(done_on_sheet(run))
        verification = run.verify()
        seen.append(done_on_sheet(run))
        run.init(verification)
        seen.append(done_on_sheet(run))

    assert [[name for name, done in step.items() if done] for step in seen] == [
        [],
        ["backup"],
        ["backup", "columns"],
        ["backup", "columns", "verify"],
        ["backup", "columns", "verify", "init"],
    ]


def test_a_rerun_finds_every_step_done_and_writes_nothing(open_run: OpenRun, live_sheet):
    with open_run(Mode.MIGRATE) as first:
        first.backup()
        first.columns()
        first.init(first.verify())
    written = live_sheet.stats()["mutating_requests"]

    with open_run(Mode.MIGRATE) as rerun:
        statuses = [rerun.backup().status, rerun.columns().status]
        verification = rerun.verify()
        statuses += [verification.status, rerun.init(verification).status]

    assert statuses == [StepStatus.DONE] * 4
    assert live_sheet.stats()["mutating_requests"] == written, "no write, not even the lease"


def test_the_init_step_refuses_a_failed_verification_before_reading_anything(
    open_run: OpenRun, live_sheet
):
    with open_run(Mode.MIGRATE) as run:
        failed = CheckResult("row_count_preserved", False, "rows lost")
        verification = Verification({failed.name: failed}, StepStatus.RAN)
        requests = live_sheet.stats()["requests"]

        with pytest.raises(VerificationError, match="row_count_preserved"):
            run.init(verification)

        assert live_sheet.stats()["requests"] == requests


def test_the_rollback_step_is_done_once_no_stamp_of_the_migration_is_left(
    open_run: OpenRun, live_sheet
):
    values = live_sheet.values()
    with open_run(Mode.MIGRATE) as run:
        run.backup()
        run.columns()
        run.init(run.verify())
    with open_run(Mode.ROLLBACK) as run:
        step = RollbackStep(run.context, run.writer)
        assert not step.done_on_sheet()

        result = run.rollback()

        assert (result.step, result.status) == (StepName.ROLLBACK, StepStatus.RAN)
        assert step.done_on_sheet()
        assert run.writer.lease is None, "the rollback's write released it"
    assert live_sheet.values() == values


def test_columns_added_by_hand_are_found_done_and_the_step_writes_nothing(
    open_run: OpenRun, live_sheet
):
    with open_run(Mode.MIGRATE) as run:
        assert not ColumnsStep(run.context, run.writer).done_on_sheet()
        by_hand = run.plan.columns_requests()  # what a person could do in the UI
        run.gateway.batch_update(by_hand, already_applied=lambda: False)
    written = live_sheet.stats()["mutating_requests"]

    with open_run(Mode.MIGRATE) as run:
        step = ColumnsStep(run.context, run.writer)
        assert step.done_on_sheet()
        outcome = step.run()

        assert outcome.result.status is StepStatus.DONE and outcome.result.requests == []
        assert outcome.layout == run.schema.header
    assert live_sheet.stats()["mutating_requests"] == written


def test_the_test_step_keeps_the_suite_s_outcome_in_its_checkpoint_and_a_dry_run_keeps_none(
    open_run: OpenRun, live_sheet
):
    checkpoint = live_sheet.settings().checkpoint_dir / "step_5_test.json"
    with open_run(Mode.DRY_RUN) as run:
        run.backup()
        run.columns()
        run.init(run.verify())
        run.record.tests.update({"test_a": "passed"})  # as the plugin feeds the record
        planned = run.test()
    assert (planned.step, planned.status) == (StepName.TEST, StepStatus.PLANNED)
    assert not checkpoint.exists(), "a dry run leaves no checkpoint"

    with open_run(Mode.MIGRATE) as run:
        run.backup()
        run.columns()
        run.init(run.verify())
        run.record.tests.update({"test_a": "passed", "test_b": "failed"})
        result = run.test()

    assert (result.status, result.summary) == (StepStatus.RAN, "1 failed, 1 passed")
    saved = json.loads(checkpoint.read_text())
    assert saved["details"]["passed"] is False
    assert saved["details"]["tests"] == {"passed": 1, "failed": 1}
    assert saved["details"]["after_init"] == run.writer.stamps.step("3.0", StepName.INIT)["at"]
