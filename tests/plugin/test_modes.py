"""Modes: contradictory ones are refused, a migration that did not run every step never exits 0,
and a session that has not configured sheetmigrate is left alone.

Each case is a real pytest run (pytester) through real gspread against the local Sheets server.
"""

from __future__ import annotations

import pytest
from sheet_project import LocalApi, Project, demo_values, make_project, seed_demo

from pytest_sheetmigrate import demo

KEY = demo.header().index("TAG_SPOOL")


def test_migrate_with_rollback_is_refused_before_any_request(project: Project):
    project.api.reset_stats()

    result = project.run("--migrate", "--rollback")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--migrate and --rollback cannot be combined*"])
    assert project.api.stats()["requests"] == 0


def test_a_migration_inside_a_pytest_xdist_worker_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")  # what xdist sets in each worker
    project.api.reset_stats()

    result = project.run("--migrate")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot run under pytest-xdist*without -n*"])
    assert project.api.stats()["requests"] == 0


def _duplicate_key_project(pytester: pytest.Pytester, api: LocalApi) -> Project:
    values = demo_values()
    values[6][KEY] = values[5][KEY]
    return make_project(pytester, api, seed_demo(api, values))


def test_last_failed_after_a_failed_verify_does_not_exit_0(
    pytester: pytest.Pytester, api: LocalApi
):
    project = _duplicate_key_project(pytester, api)
    first = pytester.runpytest("--migrate", "-W", "ignore::pytest.PytestAssertRewriteWarning")
    assert first.ret == pytest.ExitCode.TESTS_FAILED

    again = pytester.runpytest(
        "--migrate", "--lf", "-W", "ignore::pytest.PytestAssertRewriteWarning"
    )

    assert again.ret == pytest.ExitCode.TESTS_FAILED
    again.stdout.fnmatch_lines(
        [
            "*sheetmigrate::test_step_1_backup did not run: it was deselected*",
            "*--lf*",
        ]
    )
    assert "passed" not in again.parseoutcomes()
    results = (project.path / "logs/migration/final_test_results.txt").read_text()
    assert "FAILED   sheetmigrate::migration" in results


REVERSING_CONFTEST = """
import pytest

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.reverse()
"""


def test_items_reordered_after_the_plugin_make_the_migration_fail_saying_so(project: Project):
    project.pytester.makeconftest(REVERSING_CONFTEST)

    result = project.run("--migrate")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*sheetmigrate::test_step_2_columns did not run: skipped*depends on step_1_backup*",
            "*reordered*",
        ]
    )
    assert project.worksheet().row_values(1) == demo.header(), "no column was added"


UNRELATED_SUITE = """
import pytest

@pytest.fixture
def live_rows():
    return [{"id": 1}]

@pytest.fixture
def migrated_sheet():
    return "my own sheet"

def test_uses_its_own_fixtures(live_rows, migrated_sheet, pytestconfig):
    assert live_rows == [{"id": 1}] and migrated_sheet == "my own sheet"
    registered = pytestconfig.pluginmanager.list_name_plugin()
    assert [name for name, _ in registered if str(name).startswith("sheetmigrate-")] == []
"""


def test_a_project_that_has_not_configured_the_plugin_is_left_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    for name in ("SHEETMIGRATE_SHEET", "SHEETMIGRATE_SCHEMA", "SHEETMIGRATE_API"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_unrelated=UNRELATED_SUITE)

    result = pytester.runpytest("-p", "no:cacheprovider", "-rA")

    result.assert_outcomes(passed=1)
    assert "sheetmigrate:" not in result.stdout.str()
    assert not (pytester.path / "logs").exists()


def test_the_plugins_fixture_in_a_project_that_has_not_configured_it_says_how_to(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    for name in ("SHEETMIGRATE_SHEET", "SHEETMIGRATE_SCHEMA", "SHEETMIGRATE_API"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_uses_plugin="def test_it(migrated_sheet):\n    pass\n")

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sheetmigrate is not configured in this session*--schema*"])
    assert "KeyError" not in result.stdout.str()
