"""The backup kind as the plugin takes it (issue 14 item 1): the options in --help's
sheetmigrate group, the ini key, the choice in the report header, a value that is not a kind
refused as a usage error without a traceback."""

from __future__ import annotations

import pytest
from sheet_project import Project
from test_bad_input import assert_refused


def test_the_backup_options_are_in_the_sheetmigrate_group_of_help(pytester: pytest.Pytester):
    result = pytester.runpytest("--help")

    text = result.stdout.str()
    group = text[text.index("Google Sheet schema migration (pytest-sheetmigrate)") :]
    for flag in ("--backup-kind=drive|tab|local", "--backup-folder=FOLDER_ID"):
        assert flag in group
    assert "--backup-fallback=tab|local" in group
    assert "sheetmigrate_backup_kind" in text


def test_the_header_line_names_the_backup_kind_given_on_the_command_line(project: Project):
    result = project.run("--migrate", "--dry-run", "--backup-kind", "tab")

    result.stdout.fnmatch_lines(["sheetmigrate: * mode: dry run, backup: hidden protected tab"])
    result.stdout.fnmatch_lines(
        ["*would copy 'Operaciones' (*cells) into a hidden, protected tab*"]
    )
    assert result.ret == 0


def test_the_ini_key_chooses_the_kind_and_a_folder_is_shown(project: Project):
    project.pytester.makepyprojecttoml(
        (project.path / "pyproject.toml").read_text() + '\nsheetmigrate_backup_kind = "local"\n'
    )
    local = project.run("--migrate", "--dry-run")
    folder = project.run("--migrate", "--dry-run", "--backup-folder", "0ABackupsUk9PVA")

    local.stdout.fnmatch_lines(["sheetmigrate: * backup: local snapshot only"])
    assert local.ret == 0
    assert_refused(folder, "names a Drive folder, but the backup kind is 'local'")
    assert folder.ret == 4


def test_a_value_that_is_not_a_backup_kind_is_a_usage_error(project: Project):
    result = project.run("--migrate", "--backup-kind", "cloud")

    assert_refused(
        result, "--backup-kind = 'cloud' is not a backup kind", "'drive', 'tab', 'local'"
    )
    assert result.ret == 4
