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
    "row_count_preserved": (f"I{DEMO_ROWS + 2}", "SP-NEW", f"{DEMO_ROWS + 1} after"),
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
