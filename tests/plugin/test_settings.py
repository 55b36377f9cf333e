"""Where settings come from: command line, then environment variable, then ini key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheet_project import Project

from pytest_sheetmigrate.emulator.service_keys import service_account_info, write_key_file


def test_the_environment_beats_the_ini_key_and_the_command_line_beats_both(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SHEETMIGRATE_SHEET", "from-the-environment")

    from_env = project.run("--migrate", "--dry-run")
    from_flag = project.run("--migrate", "--dry-run", "--sheet", project.sheet)

    from_env.stdout.fnmatch_lines(["sheetmigrate: from-the-environment on *"])
    assert from_env.ret == 4, "the environment's sheet does not exist: a setup mistake"
    from_flag.stdout.fnmatch_lines([f"sheetmigrate: {project.sheet} on *"])
    assert from_flag.ret == 0


def test_force_rollback_without_rollback_is_refused(project: Project):
    result = project.run("--force-rollback")

    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--force-rollback goes with --rollback*"])


# -- paths: one rule for every path option ------------------------------------------------------


def _key_file(project: Project, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_key_file(path, service_account_info(f"{project.api.url}/token"))


def test_a_tilde_in_a_credentials_path_is_the_home_directory(
    project: Project, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    _key_file(project, home / ".config/sheetmigrate/service-account.json")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().rstrip()
        + '\nsheetmigrate_credentials = "~/.config/sheetmigrate/service-account.json"\n'
    )

    result = project.run("--migrate", "--dry-run")

    assert result.ret == 0, result.stdout.str()


def test_relative_paths_are_taken_from_the_rootdir_wherever_pytest_is_started(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    _key_file(project, project.path / "keys/sa.json")
    monkeypatch.chdir(project.path / "tests")

    result = project.run("--migrate", "--dry-run", "--credentials", "keys/sa.json")

    assert result.ret == 0, result.stdout.str()
    assert (project.path / "logs/migration/verification_report.json").is_file()


def test_report_dir_with_a_space_works_inside_the_project(project: Project):
    result = project.run("--migrate", "--dry-run", "--report-dir", "out/reports")

    assert result.ret == 0
    assert (project.path / "out/reports/verification_report.json").is_file()


def test_report_dir_with_a_space_outside_the_project_is_refused_with_the_form_that_works(
    project: Project, tmp_path_factory: pytest.TempPathFactory
):
    outside = tmp_path_factory.mktemp("reports")

    refused = project.run("--migrate", "--dry-run", "--report-dir", str(outside))
    accepted = project.run("--migrate", "--dry-run", f"--report-dir={outside}")

    assert refused.ret == 4
    refused.stderr.fnmatch_lines([f"*pytest took {outside} for a test path*"])
    refused.stderr.fnmatch_lines([f"*write --report-dir={outside}"])
    assert accepted.ret == 0
    assert (outside / "verification_report.json").is_file()
