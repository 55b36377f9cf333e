"""The script of docs/scripting.md, run as it is written there: a plain Python process (no pytest)
against the local server, configured by environment variables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from live_sheet import SCHEMA, LiveSheet

from pytest_sheetmigrate.schema import load_schema

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "scripting.md"


def script_of(doc: Path) -> str:
    [code] = re.findall(r"^```python\n(.*?)^```", doc.read_text(encoding="utf-8"), re.S | re.M)
    return code


def run_the_script(live_sheet: LiveSheet, sheet: str) -> subprocess.CompletedProcess[str]:
    """The documented script, run in the sheet's folder with ``SHEETMIGRATE_SHEET=sheet``."""
    script = live_sheet.folder / "migrate_sheet.py"
    script.write_text(script_of(DOC), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SHEETMIGRATE_SHEET": sheet,
        "SHEETMIGRATE_SCHEMA": str(SCHEMA),
        "SHEETMIGRATE_API": live_sheet.url,
    }
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=live_sheet.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_script_migrates_the_sheet_and_validates_it(live_sheet: LiveSheet):
    done = run_the_script(live_sheet, live_sheet.key)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "dry run: 7 of 7 checks would pass"
    assert lines[1].startswith("backup ran: ")
    assert "init: ran, " in done.stdout
    assert lines[-1] == "the sheet is at the schema version"
    assert live_sheet.values()[0] == load_schema(SCHEMA).header
    assert (live_sheet.folder / "logs" / "checkpoints" / "step_4_init.json").is_file()


def test_the_documented_script_stops_with_the_message_of_a_setup_mistake(live_sheet: LiveSheet):
    done = run_the_script(live_sheet, "no-such-spreadsheet")

    assert done.returncode == 4, "a setup mistake: the exit code pytest would give it"
    [said] = done.stderr.splitlines()  # the message alone, no traceback
    assert said.startswith("the migration stopped: ") and "no-such-spreadsheet" in said
    assert live_sheet.stats()["mutating_requests"] == 0
