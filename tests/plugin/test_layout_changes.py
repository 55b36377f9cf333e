"""The init step writes on the column it means, whatever happened to the layout since it was read.

A concurrent writer (a plugin playing a person in the UI, or the application) changes the columns
after the verification read and before the init write: it inserts a column right of the key,
moves the added column, or renames its header. Each run either completes with the version column
holding its 0s and every other column intact, or stops with a message and no cell lost.
"""

from __future__ import annotations

from typing import Any

import pytest
from sheet_project import DEMO_ROWS, Project, demo_values, seed_demo

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.store import Store

WRITER = """
import pytest
from pytest_sheetmigrate.transport import sheets_client

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.name == "test_step_4_init":  # after the verification read, before the init write
        spreadsheet = sheets_client({url!r}).open_by_key({key!r})
        spreadsheet.batch_update({{"requests": {requests!r}}})
"""

KEY = demo.header().index("TAG_SPOOL")


SHEET_ID = 0  # the demo worksheet's, as seeded
VERSION = len(demo.header()) + 2  # where the columns step puts the version column (BP)


def columns(start: int, end: int) -> dict[str, Any]:
    return {"sheetId": SHEET_ID, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}


def run_with_writer(
    pytester: pytest.Pytester, project: Project, requests: list[dict[str, Any]]
) -> pytest.RunResult:
    """Run ``pytest --migrate`` while a writer sends ``requests`` between the verification and
    the init step."""
    writer = WRITER.format(url=project.api.url, key=project.sheet, requests=requests)
    pytester.makepyfile(application=writer)
    pytester.syspathinsert()
    return project.run("--migrate", "-p", "application", "-rfEs")


def by_header(project: Project) -> dict[str, list[Any]]:
    """Each named column of the worksheet: its data rows, as stored."""
    spreadsheet = project.api.client().open_by_key(project.sheet)
    answer = spreadsheet.values_get(demo.WORKSHEET, params={"valueRenderOption": "FORMULA"})
    rows = answer.get("values", [])
    header, data = rows[0], rows[1 : DEMO_ROWS + 1]
    found: dict[str, list[Any]] = {}
    for index, name in enumerate(header):
        if name:
            found[name] = [comparable(row[index] if index < len(row) else "") for row in data]
    return found


def comparable(cell: Any) -> Any:
    """A cell as the API answers it: 7936.0 and 7936 are one number."""
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else cell


def assert_no_cell_lost(project: Project) -> dict[str, list[Any]]:
    original = demo_values()
    now = by_header(project)
    for index, name in enumerate(original[0]):
        assert now[name] == [comparable(row[index]) for row in original[1:]], f"{name} changed"
    return now


def test_a_column_inserted_right_of_the_key_before_init_leaves_every_column_intact(
    pytester: pytest.Pytester, project: Project
):
    inserted = [{"insertDimension": {"range": columns(KEY + 3, KEY + 4)}}]
    result = run_with_writer(pytester, project, inserted)

    now = assert_no_cell_lost(project)
    assert now["version"] == [0.0] * DEMO_ROWS, "the default is where the version column is now"
    result.stdout.fnmatch_lines(["*init ran: wrote version on 40 rows*"])
    assert result.ret == 1, "the validation reads the sheet as it is now, the new column in it"
    result.stdout.fnmatch_lines(["*blank header cells in row 1: column J*"])


def test_the_added_column_moved_before_init_gets_its_default_where_it_is_now(
    pytester: pytest.Pytester, project: Project
):
    moved = [
        {"moveDimension": {"source": columns(VERSION, VERSION + 1), "destinationIndex": KEY + 3}}
    ]
    result = run_with_writer(pytester, project, moved)

    now = assert_no_cell_lost(project)
    assert now["version"] == [0.0] * DEMO_ROWS
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["FAILED *test_each_new_column_stands_at_its_schema_position[[]version[]]*"]
    )


def test_the_added_column_renamed_before_init_stops_the_run_with_nothing_written(
    pytester: pytest.Pytester, project: Project
):
    header = {"sheetId": SHEET_ID, "rowIndex": 0, "columnIndex": VERSION}
    rename = [{"values": [{"userEnteredValue": {"stringValue": "Version_x"}}]}]
    renamed = [{"updateCells": {"start": header, "rows": rename, "fields": "userEnteredValue"}}]
    result = run_with_writer(pytester, project, renamed)

    now = assert_no_cell_lost(project)
    assert now["Version_x"] == [""] * DEMO_ROWS, "nothing was written"
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*the column added as 'version' was renamed while the migration ran "
            "(column BP is headed 'Version_x'): nothing was written in this step. Give it back "
            "its header 'version'*"
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_the_columns_step_marks_each_added_column_with_column_located_metadata(
    project: Project,
):
    assert project.run("--migrate").ret == 0

    spreadsheet = project.api.client().open_by_key(project.sheet)
    found = spreadsheet.client.request(
        "post",
        f"https://sheets.googleapis.com/v4/spreadsheets/{project.sheet}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "sheetmigrate.column"}}]},
    ).json()["matchedDeveloperMetadata"]
    where = {
        item["developerMetadata"]["metadataValue"]: item["developerMetadata"]["location"]
        for item in found
    }
    assert {name: spot["dimensionRange"]["startIndex"] for name, spot in where.items()} == {
        "Ocupado_Por": 5,
        "Fecha_Ocupacion": 6,
        "version": VERSION,
    }
    assert {spot["locationType"] for spot in where.values()} == {"COLUMN"}


WAIT_WRITER = """
import pytest, requests
from pytest_sheetmigrate.transport import sheets_client

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.name == "test_step_4_init":  # its key read, its layout read, then its write: a 429
        rules = [{{"kind": "http_429", "at": 3}}]
        requests.post({url!r} + "/_emulator/faults", json={{"rules": rules}}).raise_for_status()

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    write_line = reporter.write_line

    def during_the_wait(line, **markup):
        write_line(line, **markup)
        if "values.batchUpdateByDataFilter: quota exceeded" in line:
            spreadsheet = sheets_client({url!r}).open_by_key({key!r})
            spreadsheet.batch_update({{"requests": {requests!r}}})

    reporter.write_line = during_the_wait
"""


def test_a_column_inserted_while_the_init_write_waits_out_a_quota_error_gets_no_default(
    pytester: pytest.Pytester, project: Project
):
    inserted = [{"insertDimension": {"range": columns(KEY + 3, KEY + 4)}}]
    writer = WAIT_WRITER.format(url=project.api.url, key=project.sheet, requests=inserted)
    pytester.makepyfile(application=writer)
    pytester.syspathinsert()

    result = project.run("--migrate", "-p", "application", "-rfEs", "--retry-base-seconds", "0.001")

    now = assert_no_cell_lost(project)
    assert now["version"] == [0.0] * DEMO_ROWS, "written where the version column is now"
    result.stdout.fnmatch_lines(
        [
            "*values.batchUpdateByDataFilter: quota exceeded*",
            "*init ran: wrote version on 40 rows*",
        ]
    )
    assert result.ret == 1, "the validation reads the sheet as it is now, the new column in it"
    result.stdout.fnmatch_lines(["*blank header cells in row 1: column J*"])


def init_write(requests: list[str]) -> int:
    """The number of init's first write: its value write by marker, else (before issue 11's
    data-filter write) its batchUpdate, the run's last."""
    by_marker = [n for n, r in enumerate(requests, 1) if r.endswith(":batchUpdateByDataFilter")]
    if by_marker:
        return by_marker[0]
    return max(n for n, r in enumerate(requests, 1) if r.endswith(":batchUpdate"))


def test_a_column_inserted_left_of_version_between_init_s_layout_read_and_its_write_keeps_its_cells(
    project: Project, sheets_server: EmulatorServer
):
    """Issue 11 #1, the last round trip: another writer inserts its own column (header and
    values) right left of ``version`` exactly after init read where ``version`` is and before
    its write lands. A write by column index would put the 0s over the writer's column."""
    clean = seed_demo(project.api, demo_values())
    sheets_server.interleave(0, None)
    assert project.run("--migrate", "--sheet", clean, "--checkpoint-dir", "clean").ret == 0
    requests = list(sheets_server.app.interleaving.requests)
    write = init_write(requests)
    assert requests[write - 2].endswith("{spreadsheetId}"), f"not after the layout read: {requests}"
    notes = [[f"note {row}"] for row in range(1, DEMO_ROWS + 1)]

    def insert_a_column_left_of_version(store: Store) -> None:
        body = {"requests": [{"insertDimension": {"range": columns(VERSION, VERSION + 1)}}]}
        store.execute(
            "spreadsheets_batch_update", {"spreadsheet_id": project.sheet, "body": body}, None
        )
        store.execute(
            "values_update",
            {
                "spreadsheet_id": project.sheet,
                "range": f"'{demo.WORKSHEET}'!BP1:BP{DEMO_ROWS + 1}",
                "body": {"values": [["notes"], *notes]},
                "value_input_option": "RAW",
            },
            None,
        )

    sheets_server.interleave(write - 1, insert_a_column_left_of_version)
    try:
        result = project.run("--migrate", "-rfEs")
    finally:
        ran_after, error = (
            sheets_server.app.interleaving.ran_after,
            sheets_server.app.interleaving.error,
        )
        sheets_server.app.interleaving.clear()

    assert (ran_after, error) == (write - 1, None)
    now = assert_no_cell_lost(project)
    assert now["notes"] == [row[0] for row in notes], "the other writer's column was written over"
    assert now["version"] == [0.0] * DEMO_ROWS, "the default is where the version column is now"
    result.stdout.fnmatch_lines(["*init ran: wrote version on 40 rows*"])
    assert "Traceback" not in result.stdout.str()
