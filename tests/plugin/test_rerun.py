"""A rerun trusts only what the sheet confirms, and every recovery the messages advise works.

- A verification result in ``logs/checkpoints`` counts only for the backup and the columns change
  it was computed on (their stamps on the sheet), and only as the tool wrote it: one left by an
  interrupted rollback, or edited by hand, is not trusted; the checks run again.
- When the sheet changed before any cell of it was migrated (rows changed while the migration ran,
  a key fixed after a failed check), the rerun takes a new backup and starts over, keeping the old
  backup and naming it; each test follows the message's advice literally and ends with exit 0 and
  the change kept. Where starting over would lose a cell (cells written into an added column, a
  column of the backup gone), the rerun refuses with nothing changed, and its advice works too.
- A column moved by hand between a stopped run and its rerun: the rerun verifies for real and init
  writes the added column's default where it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sheet_project import SUITE, LocalApi, Project, demo_values, make_project, seed_demo
from sheet_state import FAST_RETRIES, backup_copies

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


# -- #4: a verification result is valid only for the backup and columns it was computed on -----


def rollback_interrupted_after_its_write(project: Project, api: LocalApi) -> None:
    """Migrate, then roll back with the answer of the rollback's write lost and no connection
    after it: the sheet is rolled back, the checkpoints are left behind."""
    rehearsal = ("--sheet", seed_demo(api, demo_values()), "--checkpoint-dir", "logs/rehearsal")
    assert project.run("--migrate", *rehearsal).ret == 0
    assert project.run("--migrate").ret == 0
    api.reset_stats()
    assert project.run("--rollback", *rehearsal).ret == 0
    # The rollback's batchUpdate, before the final read of the worksheet (grid size, rows):
    write = api.stats()["requests"] - 2
    api.faults({"kind": "apply_then_reset", "at": write}, {"kind": "blackout", "at": write + 1})
    assert project.run("--rollback", *FAST_RETRIES).ret != 0
    api.clear_faults()
    assert project.worksheet().row_values(1) == demo.header(), "the rollback's write landed"
    assert checkpoint(project, "verify").exists(), "and the checkpoints stayed"


def test_a_verification_left_by_an_interrupted_rollback_is_not_trusted_by_the_next_migration(
    project: Project, api: LocalApi
):
    rollback_interrupted_after_its_write(project, api)
    project.worksheet().update_cell(7, KEY + 1, demo_keys()[4])  # row 7 repeats row 6's key

    result = project.run("--migrate", "-rfEs")

    assert result.ret == 1
    assert "verify done" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*verify ran: 6 of 7 checks passed*", "FAILED *keys_present_and_unique*"]
    )
    assert set(by_header(project)["version"]) == {""}, "nothing was initialised"


def test_a_verification_result_edited_by_hand_is_not_trusted(pytester: pytest.Pytester, api):
    values = demo_values()
    values[7][KEY] = values[6][KEY]
    project = make_project(pytester, api, seed_demo(api, values))
    assert project.run("--migrate").ret == 1
    path = checkpoint(project, "verify")
    edited = json.loads(path.read_text())
    assert edited["details"]["passed"] is False
    edited["details"]["passed"] = True
    path.write_text(json.dumps(edited))

    result = project.run("--migrate", "-rfEs")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*verify ran: 6 of 7 checks passed*"])
    assert set(by_header(project)["version"]) == {""}, "nothing was initialised"


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

# the step before which the application appends a row -> what the stopped run says to do
ADVICE = {
    "test_step_2_columns": "*the rows of 'Operaciones' changed while the migration ran*"
    "Run pytest --migrate again*",
    "test_step_3_verify": "*1 row added*stop it and run pytest --migrate again*",
    "test_step_4_init": "*the rows of 'Operaciones' changed while the migration ran*"
    "Run pytest --migrate again*",
}


@pytest.mark.parametrize("step", ADVICE, ids=["before columns", "before verify", "before init"])
def test_rows_appended_while_the_migration_ran_are_kept_by_the_rerun_the_message_advises(
    pytester: pytest.Pytester, project: Project, step: str
):
    application = APPEND_ROW.format(
        step=step, url=project.api.url, key=project.sheet, new_key=NEW_KEY
    )
    pytester.makepyfile(application=application)
    pytester.syspathinsert()
    stopped = project.run("--migrate", "-p", "application", "-rfEs")
    assert stopped.ret == 1
    stopped.stdout.fnmatch_lines([ADVICE[step]])
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


def test_a_repeated_key_fixed_after_the_failed_check_is_migrated_by_the_rerun(
    pytester: pytest.Pytester, api: LocalApi
):
    values = demo_values()
    values[7][KEY] = values[6][KEY]
    project = make_project(pytester, api, seed_demo(api, values))
    stopped = project.run("--migrate", "-rfEs")
    assert stopped.ret == 1
    stopped.stdout.fnmatch_lines(["*repeated key*fill in or correct those cells in the sheet*"])
    sheet = project.worksheet()
    sheet.update_cell(8, sheet.row_values(1).index("TAG_SPOOL") + 1, "SP-FIXED")  # by hand

    rerun = project.run("--migrate")

    assert rerun.ret == 0, rerun.stdout.str()
    rerun.stdout.fnmatch_lines(["*backup ran: the sheet changed since backup *started over*"])
    keys = [row[KEY] for row in values[1:]]
    keys[6] = "SP-FIXED"
    assert_migrated(project, keys)


def test_a_rerun_after_a_finished_migration_does_not_compare_with_the_backup_again(
    project: Project,
):
    assert project.run("--migrate").ret == 0
    project.worksheet().update_cell(3, 2, "changed by the app after the migration")
    for step in ("verify", "backup"):
        checkpoint(project, step).unlink()

    result = project.run("--migrate")

    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*verify done*", "*init done*"])
    assert by_header(project)["Proyecto"][1] == "changed by the app after the migration"


# -- #7: a column moved by hand between a stopped run and its rerun ------------------------------

STOP_BEFORE_INIT = """
import pytest, requests

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.name == "test_step_4_init":  # the connection is gone from here on
        rules = [{{"kind": "blackout", "at": 1}}]
        requests.post({url!r} + "/_emulator/faults", json={{"rules": rules}}).raise_for_status()
"""


def test_a_column_moved_by_hand_between_a_stopped_run_and_its_rerun_gets_its_default(
    pytester: pytest.Pytester, project: Project
):
    pytester.makepyfile(application=STOP_BEFORE_INIT.format(url=project.api.url))
    pytester.syspathinsert()
    stopped = project.run("--migrate", "-p", "application", *FAST_RETRIES)
    project.api.clear_faults()
    assert stopped.ret == 1
    stopped.stdout.fnmatch_lines(["*verify ran: 7 of 7 checks passed*"])
    spreadsheet = project.api.client().open_by_key(project.sheet)
    source = {"sheetId": SHEET_ID, "dimension": "COLUMNS", "startIndex": VERSION}
    spreadsheet.batch_update(  # by hand: version dragged next to the key
        {
            "requests": [
                {
                    "moveDimension": {
                        "source": {**source, "endIndex": VERSION + 1},
                        "destinationIndex": KEY + 3,
                    }
                }
            ]
        }
    )

    rerun = project.run("--migrate", "-rfEs")

    assert rerun.ret == 0, rerun.stdout.str()
    rerun.stdout.fnmatch_lines(["*verify ran: 7 of 7 checks passed*", "*init ran: wrote version*"])
    assert_migrated(project, demo_keys())
    assert project.run("--migrate").ret == 0


def test_cells_written_into_an_added_column_stop_the_start_over_until_cleared(
    pytester: pytest.Pytester, project: Project
):
    application = APPEND_ROW.format(
        step="test_step_4_init", url=project.api.url, key=project.sheet, new_key=NEW_KEY
    )
    pytester.makepyfile(application=application)
    pytester.syspathinsert()
    assert project.run("--migrate", "-p", "application").ret == 1
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


def test_a_column_deleted_after_a_failed_check_stops_the_start_over_until_put_back(
    pytester: pytest.Pytester, api: LocalApi
):
    values = demo_values()
    values[7][KEY] = values[6][KEY]
    project = make_project(pytester, api, seed_demo(api, values))
    assert project.run("--migrate").ret == 1  # the repeated key
    sheet = project.worksheet()
    header = sheet.row_values(1)
    sheet.update_cell(8, header.index("TAG_SPOOL") + 1, "SP-FIXED")
    linea = header.index("Linea")
    kept = sheet.get_all_values(value_render_option="UNFORMATTED_VALUE")
    sheet.delete_columns(linea + 1)  # and, by mistake, a column deleted

    assert_refused_with_nothing_changed(
        project,
        "*the header of 'Operaciones' changed since backup * was made (gone: Linea): "
        "nothing was changed. Give the columns back their names from the backup (or undo "
        "the change)*",
    )
    sheet.insert_cols([[row[linea] for row in kept]], linea + 1, value_input_option="RAW")

    rerun = project.run("--migrate")

    assert rerun.ret == 0, rerun.stdout.str()
    keys = [row[KEY] for row in values[1:]]
    keys[6] = "SP-FIXED"
    assert_migrated(project, keys)
