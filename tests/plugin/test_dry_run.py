"""`pytest --migrate --dry-run`: reads, plans and verifies; sends no write at all."""

from __future__ import annotations

import json

from sheet_project import DEMO_ROWS, Project
from sheet_state import FAST_RETRIES


def test_a_dry_run_prints_the_plan_as_a_table_verifies_it_and_sends_no_write(project: Project):
    values_before = project.worksheet().get_all_values()
    project.api.reset_stats()

    result = project.run("--migrate", "--dry-run")

    assert result.ret == 0
    stats = project.api.stats()
    assert stats["requests"] > 0
    assert stats["mutating_requests"] == 0
    assert not (project.path / "logs" / "checkpoints").exists()
    assert project.worksheet().get_all_values() == values_before
    result.stdout.fnmatch_lines(
        [
            "columns  planned  would add Ocupado_Por at F*",
            f"plan for 'Operaciones': {DEMO_ROWS} data rows, 65 -> 68 columns",
            "  column * at * type * action",
            "  Ocupado_Por * F * string * insert, blank",
            "  Fecha_Ocupacion * G * date * insert, blank",
            f"  version * BP * integer * insert, then 0 on {DEMO_ROWS} rows",
            "writes it would send: 1 Drive copy, 2 step batchUpdate(s) *-v*",
        ]
    )
    assert '"insertDimension"' not in result.stdout.str(), "the bodies come with -v"
    assert set(result.parseoutcomes()) == {"passed"}, "nothing failed, errored or skipped"
    report = json.loads((project.path / "logs/migration/verification_report.json").read_text())
    assert (report["checks_passed"], report["mode"]) == (7, "dry run")
    assert set(report["requests"]["by_kind"]) <= {"spreadsheets.get", "values.batchGet"}


def test_a_dry_run_prints_the_exact_batch_update_bodies_with_v(project: Project):
    result = project.run("--migrate", "--dry-run", "-v")

    text = result.stdout.str()
    assert '"insertDimension"' in text
    assert '"repeatCell"' in text
    assert f'"endRowIndex": {DEMO_ROWS + 1}' in text
    assert '"metadataKey": "sheetmigrate.step.3.0.columns"' in text


def test_dry_run_and_rollback_together_are_refused_before_anything_is_read(project: Project):
    project.api.reset_stats()

    result = project.run("--migrate", "--dry-run", "--rollback")

    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--dry-run and --rollback cannot be combined*"])
    assert project.api.stats()["requests"] == 0


def test_a_dry_run_stopped_before_its_first_step_shows_no_plan(project: Project):
    # Every request from the fourth on (the first after the three reads that open the migration:
    # metadata, header, key column) is dropped: the backup step fails, no step ran. A plan shown
    # then would end "writes it would send: none, the sheet is already at this schema".
    project.api.faults({"kind": "blackout", "at": 4})

    result = project.run("--migrate", "--dry-run", *FAST_RETRIES)

    project.api.clear_faults()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["ERROR sheetmigrate::test_step_1_backup - StepFailed: *"])
    text = result.stdout.str()
    assert "plan for 'Operaciones'" not in text and "writes it would send" not in text
