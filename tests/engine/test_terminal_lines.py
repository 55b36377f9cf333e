"""The lines a session shows from its run's record (report.py): the header, the setup-mistake
line, the steps' section with its warnings, and the closing lines once the reports are written."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_sheetmigrate.errors import ConfigError, SheetStateError
from pytest_sheetmigrate.record import RecordedStep, RunRecord
from pytest_sheetmigrate.report import (
    Line,
    closing_lines,
    header_line,
    setup_mistake_lines,
    step_section,
    summary_line,
)
from pytest_sheetmigrate.results import StepName, StepResult, StepStatus
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import BackupKind, Mode, Settings

SCHEMA = Path(__file__).parents[1] / "v3.0" / "schema.toml"
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"


def header_settings(mode: Mode, sheets_api: str = "embedded") -> Settings:
    """Settings as the header line reads them: the demo's schema, ``mode``, ``sheets_api``."""
    return Settings(
        sheet=KEY,
        schema_path=SCHEMA,
        sheets_api=sheets_api,
        credentials=None,
        checkpoint_dir=Path("logs"),
        report_dir=Path("logs"),
        backup=None,
        mode=mode,
        rootdir=SCHEMA.parents[2],
    )


def test_the_header_names_target_worksheet_schema_and_mode():
    schema = load_schema(SCHEMA)
    settings = header_settings(Mode.DRY_RUN, sheets_api="http://user:secret@127.0.0.1:8123")
    assert header_line(settings, schema) == (
        f"sheetmigrate: {KEY} on http://127.0.0.1:8123, worksheet {schema.worksheet!r}, "
        f"schema {schema.name} (tests/v3.0/schema.toml), mode: dry run, backup: Drive copy"
    )


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"backup_kind": BackupKind.TAB}, "backup: hidden protected tab"),
        ({"backup_kind": BackupKind.LOCAL}, "backup: local snapshot only"),
        ({"backup_folder": "0AFolder"}, "backup: Drive copy in shared-drive folder 0AFolder"),
        (
            {"backup_fallback": BackupKind.LOCAL},
            "backup: Drive copy (storage quota: fall back to local)",
        ),
        ({"backup": "1CopyKey"}, "backup: the copy 1CopyKey given"),
    ],
)
def test_the_header_names_where_the_backup_goes(changes: dict, shown: str):
    schema = load_schema(SCHEMA)
    settings = header_settings(Mode.MIGRATE, sheets_api="embedded")
    assert header_line(replace(settings, **changes), schema).endswith(f"mode: migrate, {shown}")


def test_the_header_of_a_rollback_names_no_backup_kind():
    schema = load_schema(SCHEMA)
    settings = header_settings(Mode.ROLLBACK, sheets_api="embedded")
    assert header_line(settings, schema).endswith("mode: rollback")


def test_only_a_setup_mistake_gets_the_exit_code_4_line():
    record = RunRecord(Mode.MIGRATE)
    record.record_error("verify", SheetStateError("rows changed"))
    assert setup_mistake_lines(record) == []
    record.record_error("open", ConfigError("no such spreadsheet"))
    assert setup_mistake_lines(record) == [
        Line(
            "sheetmigrate: exit code 4: a setup mistake stopped the run (its message is above): "
            "fix it and run the same command again",
            "red",
        )
    ]


def test_a_run_stopped_before_its_first_step_has_no_section():
    assert step_section(RunRecord(Mode.DRY_RUN), None, bodies=False) == []


def test_the_section_lists_the_steps_then_the_warnings_in_yellow():
    record = RunRecord(Mode.MIGRATE)
    record.steps.append(RecordedStep(StepResult(StepName.BACKUP, StepStatus.RAN, "copy made")))
    record.warnings.append("the checkpoint cache was cleared")
    assert step_section(record, None, bodies=False) == [
        Line("backup   ran      copy made"),
        Line("warning: the checkpoint cache was cleared", "yellow"),
    ]
    record.steps.clear()
    assert step_section(record, None, bodies=True) == [
        Line("warning: the checkpoint cache was cleared", "yellow")
    ]


def test_the_closing_lines_say_where_the_reports_went_and_a_passed_dry_run_wrote_nothing(
    tmp_path: Path,
):
    record = RunRecord(Mode.DRY_RUN)
    lines = closing_lines(record, tmp_path / "logs", "1 passed in 0.01s", tmp_path, passed=True)
    folder = next((tmp_path / "logs" / "runs").iterdir()).name
    assert lines == [
        Line(
            f"sheetmigrate: reports written to logs/runs/{folder}/verification_report.json, "
            f"logs/runs/{folder}/final_test_results.txt"
        ),
        Line("sheetmigrate: dry run: nothing was written to the sheet"),
    ]
    failed = closing_lines(record, tmp_path / "logs", "1 failed", Path("/elsewhere"), passed=False)
    assert len(failed) == 1 and f"to {tmp_path}/logs/runs/" in failed[0].text


def test_reports_that_cannot_be_written_give_a_red_line_and_a_recorded_error(tmp_path: Path):
    (tmp_path / "logs").write_text("a file where the folder should be")
    record = RunRecord(Mode.MIGRATE)
    [line] = closing_lines(record, tmp_path / "logs", "1 passed", tmp_path, passed=True)
    assert line.colour == "red"
    assert line.text.startswith(f"sheetmigrate: cannot write the report {tmp_path}/logs/runs/")
    assert [(error.where, error.exit_code) for error in record.errors] == [("reports", 4)]


def test_the_summary_line_is_pytests_with_the_runs_duration():
    started = time.time() - 75.5
    assert summary_line(["2 passed", "1 skipped"], started).startswith("2 passed, 1 skipped in 75.")
    assert summary_line(["2 passed"], started).endswith("s (0:01:15)")


def test_what_left_the_plugin_imports_without_pytest():
    code = (
        "import sys\n"
        "import pytest_sheetmigrate.report, pytest_sheetmigrate.steps_not_run\n"
        "import pytest_sheetmigrate.refusal_messages, pytest_sheetmigrate.suite_files\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
