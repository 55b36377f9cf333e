"""Messages that must not mislead (issue 11): a 404 names the setting the key came from, a local
directory that cannot be written (or a full disk) says which and how to fix it, a ``python_files``
that misses the suite is said, and every exit code is the one docs/ci.md gives.

Each case is a real pytest run (pytester) through real gspread against the local Sheets server.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sheet_project import Project
from test_bad_input import Attempt, assert_refused, spreadsheet_digest

from pytest_sheetmigrate.gateway import sheet_url

MISSING_KEY = "1NoSuchSpreadsheetKeyAtAll0000000000000000"


# -- a 404 names where the key came from ------------------------------------------------------


def delete_the_backup_copy(project: Project) -> str:
    """After a migration: the Drive copy it recorded in its stamp deleted, its checkpoints gone,
    so the next run must open the copy; returns the copy's key."""
    assert project.run("--migrate").ret == 0
    checkpoint = project.path / "logs" / "checkpoints" / "step_1_backup.json"
    copy = json.loads(checkpoint.read_text())["details"]["backup"]
    project.api.client().del_spreadsheet(copy)
    for path in checkpoint.parent.iterdir():
        path.unlink()
    return str(copy)


@pytest.mark.parametrize("mode", ["--migrate", "--rollback"])
def test_a_backup_copy_gone_since_the_stamp_recorded_it_is_named_as_such_not_as_backup(
    project: Project, mode: str
):
    copy = delete_the_backup_copy(project)

    result = Attempt(project).refused(
        mode,
        words=(
            f"the backup copy {copy} recorded by the migration's stamp is gone (404",
            "Restore it from the Drive trash",
            "run the same command again",
        ),
    )

    assert "--backup" not in result.stdout.str(), "the user never passed --backup"


SHEET_GIVEN_BY = {
    "option": ("--sheet", ("--sheet", MISSING_KEY), {}),
    "environment": ("SHEETMIGRATE_SHEET", (), {"SHEETMIGRATE_SHEET": MISSING_KEY}),
    "ini": ("the ini key sheetmigrate_sheet", ("-o", f"sheetmigrate_sheet={MISSING_KEY}"), {}),
}


@pytest.mark.parametrize("given_by", SHEET_GIVEN_BY)
def test_a_spreadsheet_that_does_not_exist_names_the_setting_it_was_given_by(
    project: Project, monkeypatch: pytest.MonkeyPatch, given_by: str
):
    setting, args, environment = SHEET_GIVEN_BY[given_by]
    monkeypatch.delenv("SHEETMIGRATE_SHEET", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    result = project.run("--migrate", *args)

    assert_refused(result, f"spreadsheet {MISSING_KEY} was not found (404)", sheet_url(MISSING_KEY))
    assert f"check {setting} (" in result.stdout.str()
    assert "--backup" not in result.stdout.str()


# -- exit codes: the table of docs/ci.md --------------------------------------------------------


def repeated_key(project: Project) -> tuple[str, ...]:
    worksheet = project.worksheet()
    column = worksheet.row_values(1).index("TAG_SPOOL") + 1
    worksheet.update_cell(7, column, worksheet.cell(6, column).value)
    return ("--migrate",)


def unknown_worksheet(project: Project) -> tuple[str, ...]:
    schema = project.path / "tests" / "v3.0" / "schema.toml"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(text.replace('worksheet = "Operaciones"', 'worksheet = "Ops"'), "utf-8")
    return ("--migrate",)


def a_report_dir_under_a_file(project: Project) -> tuple[str, ...]:
    project.path.joinpath("notes.txt").write_text("a file, not a directory\n")
    return ("--migrate", "--report-dir", "notes.txt/reports")


def unreachable_url(project: Project) -> tuple[str, ...]:
    return ("--migrate", "--sheets-api", "http://127.0.0.1:9")  # port 9: nothing listens


EXIT_CODES = {
    # 0: every step and test passed
    "a_dry_run_whose_plan_verifies": (0, lambda project: ("--migrate", "--dry-run")),
    "a_migration_that_completes": (0, lambda project: ("--migrate",)),
    # 1: the run found a problem in the sheet
    "a_check_that_fails": (1, repeated_key),
    "a_validation_test_that_fails": (1, lambda project: ("tests/v3.0",)),
    # 4: a setup mistake, at configure time or when the run meets it
    "a_schema_file_that_does_not_exist": (4, lambda project: ("--migrate", "--schema", "no.toml")),
    "contradictory_modes": (4, lambda project: ("--migrate", "--rollback")),
    "a_credentials_file_that_does_not_exist": (
        4,
        lambda project: ("--migrate", "--credentials", "keys/sa.json"),
    ),
    "an_unknown_spreadsheet_key": (4, lambda project: ("--migrate", "--sheet", MISSING_KEY)),
    "an_unknown_worksheet": (4, unknown_worksheet),
    "an_unreachable_sheets_api_url": (4, unreachable_url),
    "a_report_dir_it_cannot_write": (4, a_report_dir_under_a_file),
    "a_validation_run_with_an_unknown_spreadsheet": (
        4,
        lambda project: ("tests/v3.0", "--sheet", MISSING_KEY),
    ),
}


@pytest.mark.parametrize("case", EXIT_CODES)
def test_each_exit_code_is_the_one_docs_ci_gives(project: Project, case: str):
    expected, arrange = EXIT_CODES[case]
    args = arrange(project)

    result = project.run(*args)

    assert result.ret == expected, result.stdout.str()
    if expected == 4:
        assert_refused(result)


# -- a python_files that misses the suite -------------------------------------------------------


@pytest.mark.parametrize("mode", [("--migrate",), ("--migrate", "--dry-run")])
def test_a_python_files_setting_that_misses_the_suite_is_refused_before_any_request(
    project: Project, mode: tuple[str, ...]
):
    """Without the refusal the migration runs, and its test step passes with no suite at all."""
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().rstrip() + '\npython_files = ["check_*.py"]\n')
    attempt = Attempt(project)

    result = attempt.refused(
        *mode,
        words=(
            "python_files = ['check_*.py'] matches none of the validation suite's files",
            "tests/v3.0/test_operaciones.py",
            "the test step, would test nothing",
            'python_files = ["check_*.py", "test_*.py"]',
        ),
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert attempt.stats["requests"] == 0


# -- a local directory that cannot be written, a full disk --------------------------------------


def test_a_validation_run_with_a_report_dir_it_cannot_write_fails_before_any_request(
    project: Project,
):
    """Root ignores chmod, so the folder is made unwritable for anyone: its parent is a file."""
    project.path.joinpath("notes.txt").write_text("a file, not a directory\n")
    attempt = Attempt(project)

    result = attempt.refused(
        "tests/v3.0",
        "--report-dir",
        "notes.txt/reports",
        words=("cannot write to", "notes.txt/reports (Not a directory)", "pass --report-dir"),
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert attempt.stats["requests"] == 0


def test_a_full_disk_under_the_reports_says_which_file_and_fails_the_finished_run(
    project: Project,
):
    """A real ENOSPC: the report the docs name is a link to /dev/full (every write to it fails
    with "No space left on device"); the migration itself finished before the reports."""
    reports = project.path / "logs" / "migration"
    reports.mkdir(parents=True)
    (reports / "verification_report.json").symlink_to("/dev/full")

    result = project.run("--migrate")

    assert_refused(
        result,
        f"cannot write the report {reports / 'verification_report.json'} (No space left on device)",
        "pass --report-dir",
        "run the same command again",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (reports / "verification_report.json").unlink()
    again = project.run("--migrate")
    assert again.ret == 0, again.stdout.str()
    again.stdout.fnmatch_lines(["init     done *"])
    assert json.loads((reports / "verification_report.json").read_text())["checks_passed"] == 7


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a tiny tmpfs filled to the last byte: writes there fail with a real ENOSPC
    (creating an empty file still works, as on a full disk). Mounting needs root."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here: {mounted.stderr.decode().strip()}")
    try:
        for name in ("checkpoints", "reports"):
            (folder / name).mkdir()
        fill(folder / "filler")
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_a_full_disk_under_the_checkpoints_says_which_file_and_the_rerun_resumes(
    project: Project, full_disk: Path
):
    checkpoints = full_disk / "checkpoints"

    result = project.run("--migrate", f"--checkpoint-dir={checkpoints}")

    assert_refused(
        result,
        f"cannot write the checkpoint {checkpoints / 'step_1_backup.json'} "
        "(No space left on device)",
        "pass --checkpoint-dir",
        "run the same command again and it resumes",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    again = project.run("--migrate")  # the default checkpoint folder, on a disk with room
    assert again.ret == 0, again.stdout.str()
    again.stdout.fnmatch_lines(["backup   done *found on the sheet*"])


def test_a_full_disk_under_the_local_snapshot_leaves_the_sheet_as_it_was(
    project: Project, full_disk: Path
):
    reports = full_disk / "reports"
    before = spreadsheet_digest(project.api.url, project.sheet)

    result = project.run("--migrate", f"--report-dir={reports}")

    assert_refused(
        result,
        f"cannot write the local backup snapshot {reports}/backup_{project.sheet}_",
        "(No space left on device)",
        "pass --report-dir",
        "The sheet was not changed",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert spreadsheet_digest(project.api.url, project.sheet) == before
    assert not list(reports.glob("backup_*")), "the partial snapshot is removed"
