"""Each of the seven checks fails on a sheet built to break it, and then nothing is initialised.

Some sheets are seeded broken; others are damaged by a concurrent writer (a plugin playing the
application) right after the columns step, before verification reads.
"""

from __future__ import annotations

import pytest
from sheet_project import DEMO_ROWS, SUITE, LocalApi, Project, demo_values, make_project, seed_demo

from pytest_sheetmigrate.schema import load_schema

SCHEMA = load_schema(SUITE / "schema.toml")
VERSION = SCHEMA.header.index("version")

WRITER = """
from pytest_sheetmigrate.transport import sheets_client

def pytest_runtest_teardown(item):
    if item.name == "test_step_2_columns":
        sheet = sheets_client({url!r}).open_by_key({key!r}).worksheet("Operaciones")
        sheet.update(range_name={a1!r}, values=[[{value!r}]], raw=True)
"""

# check -> (cell the application overwrites after the columns step, value, words of the message)
DAMAGE = {
    "header_matches_schema": ("C1", "Client", "Client"),
    "row_count_preserved": (f"I{DEMO_ROWS + 2}", "SP-NEW", f"has {DEMO_ROWS + 1} now"),
    "existing_data_unchanged": ("D5", "31/12/1999", "Fecha_Creacion"),
    "new_columns_blank_or_default": ("BP3", "7", "version"),
}


def assert_check_failed_and_nothing_initialised(
    project: Project, result: pytest.RunResult, check: str, words: str
) -> None:
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"FAILED sheetmigrate::test_step_3_verify[[]{check}[]]*"])
    failure = result.stdout.str().split(f"test_step_3_verify[{check}] _")[1]
    assert words in failure.split("\n_")[0]
    result.stdout.fnmatch_lines(["SKIPPED * test_step_4_init depends on step_3_verify*"])
    versions = [row[VERSION] for row in project.worksheet().get_all_values()[1:]]
    assert set(versions) <= {"", "7"}, "the init step did not run"


@pytest.mark.parametrize("check", DAMAGE)
def test_a_check_fails_when_the_application_writes_during_the_migration(
    pytester: pytest.Pytester, project: Project, check: str
):
    a1, value, words = DAMAGE[check]
    pytester.makepyfile(
        application=WRITER.format(url=project.api.url, key=project.sheet, a1=a1, value=value)
    )
    pytester.syspathinsert()

    result = project.run("--migrate", "-p", "application", "-rfEs")

    assert_check_failed_and_nothing_initialised(project, result, check, words)


ROWS_CHANGER = """
from pytest_sheetmigrate.transport import sheets_client

def pytest_runtest_teardown(item):
    if item.name == "test_step_2_columns":
        sheet = sheets_client({url!r}).open_by_key({key!r}).worksheet("Operaciones")
        {change}
"""

# how the application changes the rows between the columns step and the verify read -> rows now
ROW_CHANGES = {
    "a_deleted_row": ("sheet.delete_rows(5)", DEMO_ROWS - 1),
    "an_appended_row": (  # a copy of row 3 under a new key: valid in every column
        "row = sheet.get('3:3', value_render_option='UNFORMATTED_VALUE')[0]; "
        "row[sheet.row_values(1).index('TAG_SPOOL')] = 'SP-NEW'; "
        "sheet.append_row(row, value_input_option='RAW')",
        DEMO_ROWS + 1,
    ),
}


@pytest.mark.parametrize("change", ROW_CHANGES)
def test_rows_deleted_or_added_during_the_migration_are_reported_as_a_row_count_change(
    pytester: pytest.Pytester, project: Project, change: str
):
    code, rows_now = ROW_CHANGES[change]
    pytester.makepyfile(
        application=ROWS_CHANGER.format(url=project.api.url, key=project.sheet, change=code)
    )
    pytester.syspathinsert()

    result = project.run("--migrate", "-p", "application", "-rfEs")

    output = result.stdout.str()
    assert "exceeds grid limits" not in output and "(400)" not in output
    counted = f"the sheet had {DEMO_ROWS} data rows at the backup and has {rows_now} now"
    # the backup (the copy, read alone) is proven only against the sheet after the columns
    # step, so a row count changed since fails backup_matches_source too (issue 14 item 5)
    for check in ("backup_matches_source", "row_count_preserved", "existing_data_unchanged"):
        assert_check_failed_and_nothing_initialised(project, result, check, counted)
    assert " differ" not in output, "a row-count change reported as changed columns"
    assert output.count("FAILED sheetmigrate::test_step_3_verify") == 3, "the other checks ran"


def test_keys_present_and_unique_fails_on_a_repeated_and_a_blank_key(
    pytester: pytest.Pytester, api: LocalApi
):
    values = demo_values()
    key = values[0].index("TAG_SPOOL")
    values[5][key] = values[4][key]
    values[10][key] = ""
    project = make_project(pytester, api, seed_demo(api, values))

    result = project.run("--migrate", "-rfEs")

    assert_check_failed_and_nothing_initialised(
        project, result, "keys_present_and_unique", "row 11"
    )
    result.stdout.fnmatch_lines(["sheetmigrate: verify ran: 5 of 7 checks passed"])


def test_values_match_types_fails_on_text_in_an_integer_column_and_on_an_error_value(
    pytester: pytest.Pytester, api: LocalApi
):
    values = demo_values()
    values[3][values[0].index("ID")] = "tres"
    values[7][values[0].index("Precio_Unitario")] = "#REF!"
    project = make_project(pytester, api, seed_demo(api, values))

    result = project.run("--migrate", "-rfEs")

    assert_check_failed_and_nothing_initialised(project, result, "values_match_types", "'tres'")
    assert "#REF!" in result.stdout.str()


def test_backup_matches_source_refuses_a_backup_given_by_hand_before_any_change(
    pytester: pytest.Pytester, project: Project
):
    stale = demo_values()
    stale[2][1] = "PRJ-OLD"
    stale_backup = seed_demo(project.api, stale)
    header = project.worksheet().row_values(1)

    result = project.run("--migrate", "--backup", stale_backup, "-rfEs")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [f"*--backup {stale_backup} is not a copy of the sheet as it is now*Proyecto*"]
    )
    result.stdout.fnmatch_lines(["SKIPPED * test_step_2_columns depends on step_1_backup*"])
    assert project.worksheet().row_values(1) == header, "no column was added"
