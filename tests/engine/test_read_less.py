"""Issue 14 item 5, read less: a migration downloads the sheet's cell data at most twice (the
copy the backup step has just made, read alone, for "before"; the sheet after the columns step
for "after"), and equal cells prove both that the backup is the sheet as it was and that no
existing cell changed, so a cell changed by hand after the copy fails checks 1 and 4.

Real gspread against the local server; the bytes and requests counted are the server's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import requests
from live_sheet import DEMO_ROWS, SCHEMA, LiveSheet, open_run_on

from pytest_sheetmigrate import commands, demo, reader
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.errors import SheetStateError, VerificationError
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.stamp import Stamps
from pytest_sheetmigrate.transport import sheets_client

OpenRun = Callable[..., AbstractContextManager[Run]]
ROWS = 3_000
"""Rows of a read of several chunks (``chunks_of_half_a_megabyte``)."""


@pytest.fixture(autouse=True)
def chunks_of_half_a_megabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """About 700 demo rows a chunk, so 3,000 rows are read in several."""
    monkeypatch.setattr(reader, "CHUNK_BYTES", 512 * 1024)


CLIENT = demo.header().index("Cliente")


def one_read(sheet: LiveSheet) -> int:
    """Bytes the server sends for one read of the whole worksheet by the tool's reader."""
    gateway = SheetGateway(sheets_client(sheet.url), sheet.key, endpoint=sheet.url)
    before = sheet.stats()["bytes_out"]
    snapshot = SheetReader(gateway).snapshot(load_schema(SCHEMA), demo.WORKSHEET, 65)
    assert snapshot.row_count == ROWS
    return int(sheet.stats()["bytes_out"] - before)


def migrate(run: Run) -> None:
    verification = run.verify() if (run.backup() and run.columns()) else None
    assert verification is not None and verification.passed
    run.init(verification)


def test_a_migration_downloads_the_cell_data_twice_not_three_times(
    sheets_server: EmulatorServer, live_sheet: LiveSheet
) -> None:
    sheet = LiveSheet.seeded(live_sheet.url, live_sheet.folder, rows=ROWS)
    once = one_read(sheet)
    before = sheet.stats()["bytes_out"]
    with open_run_on(sheet, Mode.MIGRATE) as run:
        migrate(run)
    downloaded = sheet.stats()["bytes_out"] - before

    # the copy's rows and the sheet's after the columns step (three more, blank, columns),
    # plus answers that do not grow with the rows; three reads were ~3x
    assert 1.9 * once < downloaded < 2.2 * once, (downloaded, once)


def test_the_backup_step_reads_the_fresh_copy_alone(
    sheets_server: EmulatorServer, live_sheet: LiveSheet
) -> None:
    """The backup step sends the values.batchGet chunks of one read of the data rows (the
    copy's), not two side by side."""
    sheet = LiveSheet.seeded(live_sheet.url, live_sheet.folder, rows=ROWS)
    gateway = SheetGateway(sheets_client(sheet.url), sheet.key, endpoint=sheet.url)
    rows = list(SheetReader(gateway).data_rows(demo.WORKSHEET, ROWS, 62))
    one_read_chunks = gateway.log.by_kind["values.batchGet"]
    assert sum(map(len, rows)) == ROWS and one_read_chunks > 1
    try:
        with open_run_on(sheet, Mode.MIGRATE) as run:
            sheets_server.interleave(0, None)  # count and record from here
            run.backup()
        routes = list(sheets_server.app.interleaving.requests)
    finally:
        sheets_server.app.interleaving.clear()

    assert sum(route.endswith("values:batchGet") for route in routes) == one_read_chunks, routes


def edit_the_source(sheet: LiveSheet, row: int, value: str) -> Callable[[Any], None]:
    """Another writer's edit of one Cliente cell, as the local server's state store runs it."""

    def edit(store: Any) -> None:
        store.execute(
            "values_update",
            {
                "spreadsheet_id": sheet.key,
                "range": f"'{demo.WORKSHEET}'!C{row}",
                "body": {"values": [[value]]},
                "value_input_option": "RAW",
            },
            None,
        )

    return edit


def copy_request_number(sheets_server: EmulatorServer, live_sheet: LiveSheet) -> int:
    """The number of the drive.files.copy request in a backup step, as a rehearsal on another
    spreadsheet holding the same rows sends it."""
    rehearsal = LiveSheet.seeded(live_sheet.url, live_sheet.folder, rows=ROWS)
    folder = live_sheet.folder / "rehearsal"
    with open_run_on(rehearsal, Mode.MIGRATE, checkpoint_dir=folder) as run:
        sheets_server.interleave(0, None)  # count and record from here
        run.backup()
    routes = list(sheets_server.app.interleaving.requests)
    sheets_server.app.interleaving.clear()
    return next(n for n, route in enumerate(routes, 1) if route.endswith("/copy"))


def test_a_cell_changed_by_hand_right_after_the_copy_fails_checks_1_and_4_naming_it(
    sheets_server: EmulatorServer, live_sheet: LiveSheet
) -> None:
    """A person edits the sheet between the copy and the columns step: the copy (the backup,
    read alone) does not hold the edit, the sheet after the columns step does; both checks
    fail naming the cell, and the init step writes nothing."""
    copied_at = copy_request_number(sheets_server, live_sheet)
    sheet = LiveSheet.seeded(live_sheet.url, live_sheet.folder, rows=ROWS)
    try:
        with open_run_on(sheet, Mode.MIGRATE) as run:
            sheets_server.interleave(copied_at, edit_the_source(sheet, 5, "edited by hand"))
            run.backup()
            assert sheets_server.app.interleaving.ran_after == copied_at
            assert sheets_server.app.interleaving.error is None
            run.columns()
            verification = run.verify()
            with pytest.raises(VerificationError) as refused:
                run.init(verification)
    finally:
        sheets_server.app.interleaving.clear()

    failed = {name: r.message for name, r in verification.results.items() if not r.passed}
    assert sorted(failed) == ["backup_matches_source", "existing_data_unchanged"]
    original = demo.rows(ROWS)[3][CLIENT]
    cell = f"C5: expected text {original!r}, found text 'edited by hand'"
    for message in failed.values():
        assert f'column "Cliente": rows 2-1,001 differ, first at {cell}' in message, message
    assert "the init step writes nothing" in failed["backup_matches_source"]
    assert "run pytest --migrate again" in failed["backup_matches_source"]
    assert str(refused.value).endswith("): nothing initialised")
    header, *data = sheet.values()
    at = header.index("version")
    assert {row[at] if at < len(row) else "" for row in data} == {""}, "init wrote nothing"
    assert Stamps.parse(sheet.metadata(), 0).step("3.0", "init") is None


def test_live_rows_of_named_columns_read_those_columns_only(
    live_sheet: LiveSheet, open_run: OpenRun
) -> None:
    with open_run(Mode.DRY_RUN) as dry:
        migrate(dry)
        planned = list(dry.result_rows("Total", "TAG_SPOOL"))
    with open_run() as run:
        migrate(run)
        whole = list(run.result_rows())
        log = run.context.gateway.log
        sent = log.total
        rows = list(run.result_rows("Total", "TAG_SPOOL"))
        assert log.total - sent == 1, dict(log.by_kind)  # one values.batchGet of two columns
        with pytest.raises(SheetStateError, match="has no column 'Nope'; its columns: ID, "):
            list(run.result_rows("Nope"))

    assert rows == [{"Total": row["Total"], "TAG_SPOOL": row["TAG_SPOOL"]} for row in whole]
    assert [list(row) for row in rows] == [["Total", "TAG_SPOOL"]] * DEMO_ROWS
    assert planned == rows, "the dry run gives the same columns, as planned"


def test_a_migration_sends_these_requests_by_kind(live_sheet: LiveSheet) -> None:
    """The demo migration's requests (commands.migrate, 40 rows: each read one chunk). Changed
    on purpose by issue 14 item 5: the source no longer read beside the fresh copy (one
    values.batchGet less), the objects read with the metadata at opening (one spreadsheets.get
    less)."""
    record = commands.migrate(live_sheet.settings())

    assert record.requests["by_kind"] == {
        "spreadsheets.get": 6,  # opening (metadata and objects), lease take and confirm,
        # validation rules of row 2, verify's grid height, init's column layout
        "values.batchGet": 7,  # header and key column at opening, the copy, the key guards
        # of columns and init, the sheet after the columns step, the key column after init
        "spreadsheets.batchUpdate": 4,  # lease, backup stamp, columns, init
        "drive.files.list": 1,
        "drive.files.copy": 1,
        "values.batchUpdateByDataFilter": 1,
    }


def test_request_bodies_are_sent_as_the_compact_json_the_log_counts(
    live_sheet: LiveSheet,
) -> None:
    """gspread's ``json=`` puts a space after every comma and colon (init's write of 3,000
    defaults would carry 3,000 more bytes); the tool sends what its request log counts as
    bytes uploaded. The one body it leaves to gspread is files.copy's (the copy's name)."""
    sheet = LiveSheet.seeded(live_sheet.url, live_sheet.folder, rows=ROWS)
    before = sheet.stats()["bytes_in"]
    record = commands.migrate(sheet.settings())
    received = sheet.stats()["bytes_in"] - before

    assert 0 <= received - record.requests["bytes_up"] < 300, (received, record.requests)


def test_a_lost_copy_answer_never_takes_an_unequal_leftover_for_a_fresh_copy(
    sheets_server: EmulatorServer, tmp_path: Any
) -> None:
    """A copy read alone is trusted as the sheet before; a leftover copy found by name is not
    (it was compared with the source and found unequal). When the answer to the new copy is
    lost and the copy did not land, the lookup by name finds that leftover: it must be read
    beside the source again, not stamped as the backup. Walked over every request of the
    backup step, each a dropped connection before the request is applied."""
    for at in range(1, 16):
        requests.post(f"{sheets_server.url}/_emulator/reset", timeout=10).raise_for_status()
        sheet = LiveSheet.seeded(sheets_server.url, tmp_path / f"at{at}")
        spreadsheet = sheet.spreadsheet()
        name = (
            f"{spreadsheet.title} (backup of {sheet.key} worksheet {demo.WORKSHEET} before "
            f"schema {load_schema(SCHEMA).name})"
        )
        leftover = sheets_client(sheet.url).copy(sheet.key, title=name).id
        spreadsheet.worksheet(demo.WORKSHEET).update_cell(3, CLIENT + 1, "changed after the copy")
        sheet.faults({"kind": "reset", "at": at})
        with contextlib.suppress(SheetStateError, VerificationError):
            commands.migrate(sheet.settings())  # what matters is what the backup stamp names
        sheet.faults()
        stamps = [m for m in sheet.metadata() if m["metadataKey"].endswith(".backup")]
        named = [m["metadataValue"] for m in stamps]
        assert not any(leftover in value for value in named), (at, named)
