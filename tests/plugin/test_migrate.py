"""`pytest --migrate`, a rerun, and `pytest tests/v3.0`, end to end on the local server."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from pytest_jsonreport.plugin import JSONReport
from sheet_project import DEMO_ROWS, SUITE, Project, demo_values

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.schema import load_schema

SCHEMA = load_schema(SUITE / "schema.toml")
STEP_ITEMS = 1 + 1 + 7 + 1  # backup, columns, seven checks, init


def suite_size(project: Project) -> int:
    result = project.pytester.runpytest("--collect-only", "-q", "tests/v3.0")
    return sum(1 for line in result.outlines if line.startswith("tests/v3.0/"))


def test_migrate_reports_each_step_and_leaves_the_sheet_checkpoints_backup_and_reports(
    project: Project,
):
    """One migration and its rerun, as the user sees them: pytest's counts, the sheet, the files
    under logs/. The engine's side (what each step writes, the sealed checkpoints, the local
    backup's seal) is tested directly in tests/engine."""
    items = STEP_ITEMS + suite_size(project)

    result = project.run("--migrate")

    result.assert_outcomes(passed=items)
    values = project.worksheet().get_all_values()
    assert values[0] == SCHEMA.header
    version = SCHEMA.header.index("version")
    assert [row[version] for row in values[1 : DEMO_ROWS + 1]] == ["0"] * DEMO_ROWS
    assert len(values) == DEMO_ROWS + 1, "the trailing empty rows stay empty"
    after = project.worksheet().get_all_values(value_render_option="UNFORMATTED_VALUE")
    for row_number, original in enumerate(demo.rows(DEMO_ROWS)):
        for name, value in zip(demo.header(), original, strict=True):
            assert after[row_number + 1][after[0].index(name)] == value, (name, row_number)
    assert_checkpoints(project)
    assert_local_backup(project)
    assert_reports(project, result, items)
    project.api.reset_stats()

    rerun = project.run("--migrate")

    assert rerun.ret == 0
    assert project.api.stats()["mutating_requests"] == 0
    for step in ("backup", "columns", "verify", "init"):
        rerun.stdout.fnmatch_lines([f"{step:8} done *"])


def assert_checkpoints(project: Project) -> None:
    """A checkpoint per step; step 5's holds the suite's outcome, recorded after init."""
    names = sorted(p.name for p in (project.path / "logs" / "checkpoints").iterdir())
    assert names == [
        "step_1_backup.json",
        "step_2_columns.json",
        "step_3_verify.json",
        "step_4_init.json",
        "step_5_test.json",
    ]
    backup = json.loads((project.path / "logs/checkpoints/step_1_backup.json").read_text())
    assert backup["spreadsheet"] == project.sheet
    assert backup["details"]["rows"] == DEMO_ROWS
    test = json.loads((project.path / "logs/checkpoints/step_5_test.json").read_text())
    init = json.loads((project.path / "logs/checkpoints/step_4_init.json").read_text())
    assert test["details"]["passed"] is True
    assert test["details"]["tests"]["passed"] > 0 and set(test["details"]["tests"]) == {"passed"}
    assert test["details"]["after_init"] is not None
    assert test["started"] >= init["finished"]


def assert_local_backup(project: Project) -> None:
    """The local backup holds every row as read, with its sha256, readable by its owner only."""
    checkpoint = json.loads((project.path / "logs/checkpoints/step_1_backup.json").read_text())
    path = Path(checkpoint["details"]["local_snapshot"])
    data = gzip.decompress(path.read_bytes())
    assert hashlib.sha256(data).hexdigest() == checkpoint["details"]["local_snapshot_sha256"]

    def trimmed(row: list) -> list:  # the API trims trailing blank cells
        return row[: max((i + 1 for i, cell in enumerate(row) if cell != ""), default=0)]

    assert [json.loads(line) for line in data.splitlines()] == list(map(trimmed, demo_values()))
    assert path.stat().st_mode & 0o777 == 0o600


def assert_reports(project: Project, result: pytest.RunResult, items: int) -> None:
    """The reports give the checks, and the results file ends with pytest's own summary line."""
    report = json.loads((project.path / "logs/migration/verification_report.json").read_text())
    assert (report["checks_passed"], report["checks_total"]) == (7, 7)
    assert report["mode"] == "migrate"
    assert report["schema_version"] == "3.0"
    assert report["requests"]["total"] > 0
    results = (project.path / "logs/migration/final_test_results.txt").read_text()
    summary = results.strip().splitlines()[-1]
    assert summary.startswith(f"{items} passed in ")
    ours = re.fullmatch(r"(.+) in [0-9.]+s", summary)
    pytests = re.search(r"=+ (.+) in [0-9.]+s", result.outlines[-1])
    assert ours is not None and pytests is not None, result.outlines[-1]
    assert ours[1] == pytests[1]  # the counts as pytest gives them (the seconds are not compared)


def test_a_suite_that_fails_on_the_migrated_sheet_is_recorded_in_the_test_step(
    project: Project,
):
    suite = project.path / "tests" / "v3.0" / "test_fails_on_purpose.py"
    suite.write_text("def test_the_application_wants_more():\n    assert False\n")

    result = project.run("--migrate")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["test * ran * 1 failed, * passed"])
    test = json.loads((project.path / "logs/checkpoints/step_5_test.json").read_text())
    assert test["details"]["passed"] is False
    assert test["details"]["tests"]["failed"] == 1


def test_a_json_report_plugin_given_to_pytest_main_is_the_one_the_reports_are_built_from(
    project: Project,
):
    # pytest-json-report's documented direct use: its JSONReport passed to pytest.main. A second
    # one registered by sheetmigrate would add its hooks twice (a crash) and drop the user's file.
    mine = JSONReport()

    result = project.pytester.runpytest(
        "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "--migrate", "--json-report-file=mine.json", plugins=[mine],
    )  # fmt: skip

    items = STEP_ITEMS + suite_size(project)
    assert result.ret == 0, result.stdout.str()
    assert mine.report is not None and mine.report["summary"]["passed"] == items
    assert json.loads((project.path / "mine.json").read_text())["summary"]["passed"] == items
    report = json.loads((project.path / "logs/migration/verification_report.json").read_text())
    assert (report["checks_passed"], report["tests"]["passed"]) == (7, items)


def test_validation_of_a_migrated_sheet_passes_writes_nothing_and_keeps_the_migration_s_report(
    project: Project,
):
    """`pytest tests/v3.0` after a migration: it passes without a write, has a report of its own
    under runs/, and neither it nor a `--collect-only` replaces the migration's report (issue
    11: they overwrote it with "checks_passed": 0)."""
    items = 1 + suite_size(project)
    project.run("--migrate")
    top = project.path / "logs/migration/verification_report.json"
    migrated = top.read_text()
    project.api.reset_stats()

    result = project.run("tests/v3.0")

    result.assert_outcomes(passed=items)
    assert project.api.stats()["mutating_requests"] == 0
    [run] = sorted((project.path / "logs/migration/runs").glob("*-validate"))
    report = json.loads((run / "verification_report.json").read_text())
    assert (report["mode"], report["checks_total"]) == ("validate", 0)
    assert report["tests"] == {"passed": items, "total": items}
    results = (run / "final_test_results.txt").read_text()
    assert results.strip().splitlines()[-1].startswith(f"{items} passed in ")

    project.run("--migrate", "--collect-only")

    assert top.read_text() == migrated
    report = json.loads(migrated)
    assert (report["mode"], report["checks_passed"]) == ("migrate", 7)
    modes = [run.name.rsplit("-", 1)[1] for run in sorted((top.parent / "runs").iterdir())]
    assert modes == ["migrate", "validate"]  # --collect-only ran nothing and wrote nothing


def test_validation_of_a_sheet_not_yet_migrated_names_its_version_and_the_next_step(
    project: Project,
):
    result = project.run("tests/v3.0")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the sheet is at schema version *, not 3.0*pytest --migrate*"])
    result.assert_outcomes(failed=1, skipped=suite_size(project))
    assert project.api.stats()["mutating_requests"] == 0


TEAM_CHECK = """
def test_an_occupied_spool_has_an_occupation_date(live_rows):
    rows = live_rows()
    undated = [r["TAG_SPOOL"] for r in rows if r["Ocupado_Por"] and not r["Fecha_Ocupacion"]]
    assert undated == []
"""


def test_a_teams_own_check_reads_every_live_row_through_live_rows(project: Project):
    (project.path / "tests" / "v3.0" / "test_team.py").write_text(TEAM_CHECK)
    project.run("--migrate")
    header = project.worksheet().row_values(1)
    holder = header.index("Ocupado_Por") + 1
    project.worksheet().update_cell(DEMO_ROWS + 1, holder, "José Pérez")

    result = project.run("tests/v3.0/test_team.py")

    result.assert_outcomes(passed=1, failed=1)  # the sheet's version, then the team's check
    result.stdout.fnmatch_lines([f"*'SP-{DEMO_ROWS:05d}'*"])


def test_a_migration_stopped_before_its_checks_keeps_the_last_report_in_place(project: Project):
    project.run("--migrate")
    top = project.path / "logs/migration/verification_report.json"
    migrated = top.read_text()
    (project.path / "tests" / "v3.0" / "test_broken.py").write_text("def test_broken(:\n")

    result = project.run("--migrate")  # a collection error: no step, no check ran

    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert top.read_text() == migrated
    stopped = sorted((top.parent / "runs").iterdir())[-1]  # its own folder has its report
    assert json.loads((stopped / "verification_report.json").read_text())["checks_passed"] == 0


def test_a_validation_run_that_asks_for_the_snapshot_before_writes_nothing(project: Project):
    (project.path / "tests" / "v3.0" / "test_before.py").write_text(
        "def test_before(snapshot_before):\n    assert snapshot_before.row_count\n"
    )
    project.run("--migrate")
    shutil.rmtree(project.path / "logs" / "checkpoints")  # the cache lost: the sheet still knows
    project.api.reset_stats()

    result = project.run("tests/v3.0/test_before.py")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*snapshot_before exists only in a migration run*"])
    assert project.api.stats()["mutating_requests"] == 0
    assert not (project.path / "logs" / "checkpoints").exists(), "a validation run writes none"
