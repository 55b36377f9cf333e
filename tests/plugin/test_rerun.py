"""A rerun trusts only what the sheet confirms, and every recovery the messages advise works.

The engine's side of each recovery (a verification not trusted, a start over, a refusal that
would lose a cell) is tested directly in tests/engine/test_migration_facade.py; here the user's
side: what the stopped run prints, and that following its advice literally ends with exit 0, the
change kept and the validation suite passing.

- Rows appended while the migration ran: the rerun takes a new backup and starts over, keeping the
  old backup and naming it.
- Cells written into an added column: the rerun refuses with nothing changed until they are
  cleared, as its message says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sheet_project import SUITE, Project, demo_values
from sheet_state import backup_copies

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.schema import load_schema

KEY = demo.header().index("TAG_SPOOL")
SHEET_ID = 0  # the demo worksheet's, as seeded
VERSION = len(demo.header()) + 2  # where the columns step puts the version column (BP)
NEW_KEY = "SP-NEW"
SCHEMA = load_schema(SUITE / "schema.toml")


def checkpoint(project: Project, step: str) -> Path:
    return next((project.path / "logs" / "checkpoints").glob(f"step_*_{step}.json"))


def by_header(project: Project) -> dict[str, list[Any]]:
    """Each named column of the worksheet: its data rows, as stored (unformatted)."""
    rows = project.worksheet().get_all_values(value_render_option="UNFORMATTED_VALUE")
    header, data = rows[0], [row for row in rows[1:] if any(cell != "" for cell in row)]
    return {name: [row[i] if i < len(row) else "" for row in data] for i, name in enumerate(header)}


def assert_migrated(project: Project, keys: list[Any]) -> None:
    """The sheet is at 3.0 with version 0 on every row, and holds exactly ``keys``."""
    now = by_header(project)
    assert now["TAG_SPOOL"] == keys
    assert now["version"] == [0] * len(keys)
    assert list(now) == SCHEMA.header
    assert project.run("tests/v3.0").ret == 0, "the validation suite passes on the live sheet"


def demo_keys() -> list[Any]:
    return [row[KEY] for row in demo_values()[1:]]


def assert_refused_with_nothing_changed(project: Project, message: str) -> None:
    """``pytest --migrate`` exits 1 with ``message`` (an fnmatch pattern), no traceback, and
    the sheet exactly as it was."""
    sheet = project.worksheet()
    before = sheet.get_all_values()

    refused = project.run("--migrate", "-rfEs")

    assert refused.ret == 1
    refused.stdout.fnmatch_lines([message])
    assert "Traceback" not in refused.stdout.str()
    assert sheet.get_all_values() == before, "nothing was changed"


# -- #5: a sheet changed before any cell was migrated: a new backup, and the change kept --------

APPEND_ROW = """
import pytest
from pytest_sheetmigrate.transport import sheets_client

appended = []

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.name.startswith({step!r}) and not appended:  # a row, just before this step
        appended.append(item.name)
        sheet = sheets_client({url!r}).open_by_key({key!r}).worksheet("Operaciones")
        row = sheet.get("3:3", value_render_option="UNFORMATTED_VALUE")[0]
        row[sheet.row_values(1).index("TAG_SPOOL")] = {new_key!r}
        sheet.append_row(row, value_input_option="RAW")
"""


def test_rows_appended_while_the_migration_ran_are_kept_by_the_rerun_the_message_advises(
    pytester: pytest.Pytester, project: Project
):
    application = APPEND_ROW.format(
        step="test_step_3_verify", url=project.api.url, key=project.sheet, new_key=NEW_KEY
    )
    pytester.makepyfile(application=application)
    pytester.syspathinsert()
    stopped = project.run("--migrate", "-p", "application", "-rfEs")
    assert stopped.ret == 1
    stopped.stdout.fnmatch_lines(["*1 row added*stop it and run pytest --migrate again*"])
    old_backup = json.loads(checkpoint(project, "backup").read_text())["details"]["backup"]

    rerun = project.run("--migrate")  # the advice, followed literally

    assert rerun.ret == 0, rerun.stdout.str()
    rerun.stdout.fnmatch_lines(
        [
            f"*backup ran: the sheet changed since backup {old_backup} was made*"
            f"started over*{old_backup} is kept*"
        ]
    )
    assert_migrated(project, [*demo_keys(), NEW_KEY])
    assert len(backup_copies(project.api, project.sheet)) == 2, "the old backup is kept"


# -- a start over that would lose a cell waits until the cell is safe -----------------------


def test_cells_written_into_an_added_column_stop_the_start_over_until_cleared(
    pytester: pytest.Pytester, project: Project
):
    application = APPEND_ROW.format(
        step="test_step_4_init", url=project.api.url, key=project.sheet, new_key=NEW_KEY
    )
    pytester.makepyfile(application=application)
    pytester.syspathinsert()
    stopped = project.run("--migrate", "-p", "application", "-rfEs")
    assert stopped.ret == 1
    stopped.stdout.fnmatch_lines(
        ["*the rows of 'Operaciones' changed while the migration ran*Run pytest --migrate again*"]
    )
    sheet = project.worksheet()
    occupied = sheet.row_values(1).index("Ocupado_Por") + 1
    sheet.update_cell(3, occupied, "José Pérez")  # someone starts using the new column

    assert_refused_with_nothing_changed(
        project,
        "*cells were written into the columns this migration added (Ocupado_Por)*"
        "Copy those cells elsewhere, clear them, and run pytest --migrate again*",
    )
    sheet.update_cell(3, occupied, "")  # the advice: copied elsewhere, cleared

    rerun = project.run("--migrate")

    assert rerun.ret == 0, rerun.stdout.str()
    rerun.stdout.fnmatch_lines(["*started over (the columns it had added, still blank, removed)*"])
    assert_migrated(project, [*demo_keys(), NEW_KEY])
