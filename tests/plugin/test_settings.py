"""Where settings come from: command line, then environment variable, then ini key."""

from __future__ import annotations

import pytest
from sheet_project import Project


def test_the_environment_beats_the_ini_key_and_the_command_line_beats_both(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SHEETMIGRATE_SHEET", "from-the-environment")

    from_env = project.run("--migrate", "--dry-run")
    from_flag = project.run("--migrate", "--dry-run", "--sheet", project.sheet)

    from_env.stdout.fnmatch_lines(["sheetmigrate: from-the-environment on *"])
    assert from_env.ret == 1, "the environment's sheet does not exist"
    from_flag.stdout.fnmatch_lines([f"sheetmigrate: {project.sheet} on *"])
    assert from_flag.ret == 0


def test_force_rollback_without_rollback_is_refused(project: Project):
    result = project.run("--force-rollback")

    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--force-rollback goes with --rollback*"])
