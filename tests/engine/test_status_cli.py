"""The ``sheetmigrate status`` console script: the project's settings read as pytest reads them,
the lines on stdout, exit codes 0 / 1 (--check) / 4 (a setup mistake, its message, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from live_sheet import SCHEMA, LiveSheet

from pytest_sheetmigrate import cli, commands


def project(folder: Path, sheet: LiveSheet) -> Path:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        f'sheetmigrate_sheets_api = "{sheet.url}"\n'
        f'sheetmigrate_sheet = "{sheet.key}"\n'
        f'sheetmigrate_schema = "{SCHEMA}"\n'
    )
    return folder


def test_status_prints_the_lines_and_check_fails_while_a_version_is_pending(
    live_sheet: LiveSheet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "project", live_sheet)
    assert cli.main(["status", "--rootdir", str(root)]) == 0
    assert cli.main(["status", "--check", "--rootdir", str(root)]) == 1
    assert "Operaciones: not migrated yet, head 3.0\n  pending: 3.0\n" in capsys.readouterr().out
    commands.migrate(live_sheet.settings())
    assert cli.main(["status", "--check", "--rootdir", str(root)]) == 0


def test_a_setup_mistake_exits_4_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nsheetmigrate_sheet = "x"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest_sheetmigrate.cli", "status", "--rootdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("sheetmigrate: no schema given: pass --schema PATH")
    assert "Traceback" not in done.stderr


def test_the_settings_options_override_the_ini(
    live_sheet: LiveSheet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = ["--sheets-api", live_sheet.url, "--sheet", live_sheet.key, "--schema", str(SCHEMA)]
    assert cli.main(["status", "--rootdir", str(tmp_path), *given]) == 0
    assert capsys.readouterr().out.startswith("Operaciones: not migrated yet")
