"""`pytest --rollback`: the worksheet restored from the step-1 backup, proven by digest."""

from __future__ import annotations

from sheet_project import DEMO_ROWS, LocalApi, Project, demo_values, seed_demo
from sheet_state import located_metadata

from pytest_sheetmigrate import demo


def values_and_stamps(project: Project) -> tuple[list[list], list[str]]:
    spreadsheet = project.api.client().open_by_key(project.sheet)
    metadata = spreadsheet.fetch_sheet_metadata(
        {"fields": "developerMetadata,sheets(properties.title,developerMetadata)"}
    )
    stamps = sorted(
        f"{where}: {m['metadataKey']}={m['metadataValue']}"
        for where, m in located_metadata(metadata)
    )
    values = spreadsheet.worksheet(demo.WORKSHEET).get_all_values(value_render_option="FORMULA")
    return values, stamps


def test_rollback_restores_the_sheet_as_it_was_before_the_migration(project: Project):
    before = values_and_stamps(project)
    assert project.run("--migrate").ret == 0

    result = project.run("--rollback")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["rollback ran * equals the pre-migration snapshot"])
    assert values_and_stamps(project) == before
    assert not list((project.path / "logs" / "checkpoints").glob("step_*.json"))


def test_after_a_rollback_the_migration_runs_again(project: Project):
    project.run("--migrate")
    project.run("--rollback")

    result = project.run("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["columns  ran *"])


def test_rollback_refuses_when_the_rows_changed_since_the_migration(project: Project):
    project.run("--migrate")
    project.worksheet().update(range_name="B3", values=[["changed by the app"]])
    after_change = values_and_stamps(project)

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the rows changed since the migration*--force-rollback*"])
    assert values_and_stamps(project) == after_change


def test_a_forced_rollback_restores_the_backup_over_the_changed_rows(project: Project):
    before = values_and_stamps(project)
    project.run("--migrate")
    sheet = project.worksheet()
    sheet.update(range_name="B3", values=[["changed by the app"]])
    sheet.update(range_name=f"I{DEMO_ROWS + 2}", values=[["SP-NEW"]])

    result = project.run("--rollback", "--force-rollback")

    assert result.ret == 0
    assert values_and_stamps(project) == before


def test_rollback_without_a_migration_says_there_is_nothing_to_roll_back(project: Project):
    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*no backup of the migration to schema 3.0 was found*"])


def test_rollback_refuses_when_the_app_wrote_into_an_added_column(project: Project):
    project.run("--migrate")
    header = project.worksheet().row_values(1)
    project.worksheet().update_cell(3, header.index("Ocupado_Por") + 1, "José Pérez")

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the rows changed since the migration*Ocupado_Por*"])
    assert project.worksheet().row_values(1) == header


def test_a_rollback_whose_answer_is_lost_is_not_sent_twice(project: Project, api: LocalApi):
    before = values_and_stamps(project)
    project.run("--migrate")
    other = ("--sheet", seed_demo(api, demo_values()), "--checkpoint-dir", "logs/rehearsal")
    project.run("--migrate", *other)
    api.reset_stats()
    assert project.run("--rollback", *other).ret == 0
    write = api.stats()["requests"] - 1  # the rollback's batchUpdate, before its final read

    api.faults({"kind": "apply_then_reset", "at": write})
    result = project.run("--rollback", "--retry-base-seconds", "0.001")

    assert result.ret == 0
    assert values_and_stamps(project) == before


def test_rollback_after_an_appended_row_reports_the_row_count_change(project: Project):
    project.run("--migrate")
    sheet = project.worksheet()
    row = sheet.get("3:3", value_render_option="UNFORMATTED_VALUE")[0]
    row[sheet.row_values(1).index("TAG_SPOOL")] = "SP-NEW"
    sheet.append_row(row, value_input_option="RAW")
    after_change = values_and_stamps(project)

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            f"*the rows changed since the migration (the sheet had {DEMO_ROWS} data rows at the "
            f"backup and has {DEMO_ROWS + 1} now*"
        ]
    )
    assert " differ" not in result.stdout.str(), "a row-count change reported as changed columns"
    assert values_and_stamps(project) == after_change
