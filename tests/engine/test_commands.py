"""The commands (commands.py) and the run record they return, on a live sheet, no pytest plugin:
each command is called as a script calls it."""

from __future__ import annotations

import json

import pytest
from live_sheet import DEMO_ROWS, SCHEMA, LiveSheet

from pytest_sheetmigrate import commands
from pytest_sheetmigrate.checks import CHECKS
from pytest_sheetmigrate.errors import ConfigError, SheetAccessError, SheetStateError
from pytest_sheetmigrate.record import RunOutcome, RunRecord
from pytest_sheetmigrate.report import write_reports
from pytest_sheetmigrate.results import StepStatus
from pytest_sheetmigrate.run import Flags, Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode

MIGRATION = ["backup", "columns", "verify", "init"]


def statuses(record: RunRecord) -> list[tuple[str, str]]:
    return [(step.result.step, step.result.status) for step in record.steps]


def test_a_migration_records_each_step_ran_and_seven_passed_checks(live_sheet: LiveSheet):
    heard: list[str] = []

    record = commands.migrate(live_sheet.settings(), progress=heard.append)

    assert statuses(record) == [(step, StepStatus.RAN) for step in MIGRATION]
    assert [check.name for check in record.checks] == list(CHECKS)
    assert (record.checks_passed, record.outcome) == (7, RunOutcome.PASSED)
    assert all(step.requests > 0 for step in record.steps if step.result.step != "verify")
    assert sum(step.requests for step in record.steps) <= record.requests["total"]
    assert record.steps[1].rows == DEMO_ROWS
    assert heard[0].startswith("backup ran: ") and heard[2] == "verify ran: 7 of 7 checks passed"
    assert live_sheet.values()[0] == load_schema(SCHEMA).header


def test_a_rerun_finds_every_step_done_and_a_validation_then_passes(live_sheet: LiveSheet):
    commands.migrate(live_sheet.settings())

    again = commands.migrate(live_sheet.settings())
    validated = commands.validate(live_sheet.settings())

    assert statuses(again) == [(step, StepStatus.DONE) for step in MIGRATION]
    assert again.checks_passed == 7
    assert (validated.mode, validated.outcome, validated.steps) == (
        Mode.VALIDATE,
        RunOutcome.PASSED,
        [],
    )


def test_a_validation_of_a_sheet_not_migrated_raises_naming_its_version(live_sheet: LiveSheet):
    with pytest.raises(SheetStateError, match="is at schema version .*, not 3.0; it lacks"):
        commands.validate(live_sheet.settings())


def test_a_dry_run_plans_every_step_and_sends_no_write(live_sheet: LiveSheet):
    before = live_sheet.values()

    record = commands.dry_run(live_sheet.settings())

    assert statuses(record) == [(step, StepStatus.PLANNED) for step in MIGRATION]
    assert record.checks_passed == 7 and record.mode is Mode.DRY_RUN
    assert record.steps[1].result.requests, "the columns step holds the body it would send"
    assert live_sheet.stats()["mutating_requests"] == 0
    assert live_sheet.values() == before


def test_a_rollback_after_a_migration_restores_the_sheet(live_sheet: LiveSheet):
    before = live_sheet.values()
    commands.migrate(live_sheet.settings())

    record = commands.rollback(live_sheet.settings())

    assert statuses(record) == [("rollback", StepStatus.RAN)]
    assert live_sheet.values() == before


def test_the_reports_are_written_from_the_record(live_sheet: LiveSheet):
    record = commands.migrate(live_sheet.settings())
    record.tests["tests/v3.0/test_operaciones.py::test_one"] = "passed"
    report_dir = live_sheet.folder / "reports"

    written = write_reports(report_dir, record, "1 passed in 0.50s")

    assert [path.parent for path in written[-2:]] == [report_dir, report_dir]
    report = json.loads((report_dir / "verification_report.json").read_text())
    assert (report["checks_passed"], report["checks_total"], report["mode"]) == (7, 7, "migrate")
    assert report["tests"] == {"passed": 1, "total": 1}
    assert report["requests"]["total"] == record.requests["total"]
    results = (report_dir / "final_test_results.txt").read_text().splitlines()
    assert results == ["PASSED   tests/v3.0/test_operaciones.py::test_one", "", "1 passed in 0.50s"]


def test_a_run_interrupted_between_steps_says_where_it_resumes(live_sheet: LiveSheet):
    run = Run.checked(live_sheet.settings())
    run.backup()

    said = run.close(interrupted=True)

    assert said is not None
    assert "interrupted during the columns step, with no write in flight" in said
    assert "Running pytest --migrate again is safe: it resumes at columns" in said
    assert run.record.outcome is RunOutcome.INTERRUPTED


def test_the_checks_of_a_migration_not_yet_verified_are_recorded_as_not_run(
    live_sheet: LiveSheet,
):
    run = Run.checked(live_sheet.settings())
    try:
        run.backup()
    finally:
        run.close()

    assert run.record.step_running() == "columns"
    assert {check.outcome for check in run.record.checks} == {"skipped"}
    assert len(run.record.checks) == len(CHECKS)


@pytest.mark.parametrize(
    ("flags", "refused"),
    [
        (Flags(dry_run=True, rollback=True), "--dry-run and --rollback cannot be combined"),
        (Flags(migrate=True, rollback=True), "--migrate and --rollback cannot be combined"),
        (Flags(force_rollback=True), "--force-rollback goes with --rollback"),
    ],
)
def test_flags_that_mean_nothing_together_are_refused(flags: Flags, refused: str):
    with pytest.raises(ConfigError, match=refused):
        flags.mode()


def test_an_error_that_stops_a_step_is_recorded_and_the_checks_say_why_they_did_not_run(
    live_sheet: LiveSheet,
):
    run = Run.checked(live_sheet.settings(sheet="no-such-spreadsheet"))

    with pytest.raises(SheetAccessError), run.recorded("backup"):
        run.backup()
    run.close()

    record = run.record
    assert (record.outcome, record.setup_mistake, record.steps) == (RunOutcome.FAILED, True, [])
    assert [error.where for error in record.errors] == ["backup"]
    assert {check.outcome for check in record.checks} == {"skipped"}
    assert all(check.message.startswith("not run: ") for check in record.checks)
    assert "no-such-spreadsheet" in record.checks[0].message
