"""``pytest --status [--check]``: the sheet's status instead of a session (nothing collected, no
write, no report), the exit codes of ``sheetmigrate status``, and the flags it refuses."""

from __future__ import annotations

from sheet_project import Project


def test_status_runs_nothing_writes_nothing_and_check_fails_while_pending(project: Project) -> None:
    before = project.api.stats()
    result = project.run("--status")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["Operaciones: not migrated yet, head 3.0", "  pending: 3.0", "lease: none held"]
    )
    result.stdout.no_fnmatch_line("*passed*")
    assert not (project.path / "logs").exists()
    assert project.api.stats()["mutating_requests"] == before["mutating_requests"]
    assert project.run("--status", "--check").ret == 1


def test_after_the_migration_the_check_passes(project: Project) -> None:
    assert project.run("--migrate").ret == 0
    result = project.run("--status", "--check")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["Operaciones: at 3.0, head 3.0", "  pending: none"])


def test_status_with_a_mode_flag_or_check_alone_is_a_usage_error(project: Project) -> None:
    mixed = project.run("--status", "--migrate")
    assert mixed.ret == 4
    mixed.stderr.fnmatch_lines(["ERROR: --status reads only; it does not go with --migrate"])
    alone = project.run("--check")
    assert alone.ret == 4
    alone.stderr.fnmatch_lines(["ERROR: --check goes with --status: pytest --status --check"])
