"""Persistence: snapshot + journal, recovery from a torn record, restarts of the server."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from pytest_sheetmigrate.emulator import EmulatorServer, cells
from pytest_sheetmigrate.emulator.backend import SheetsBackend
from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.emulator.store import JOURNAL_NAME, SNAPSHOT_NAME, Store, read_records
from pytest_sheetmigrate.transport import sheets_client


def open_store(data_dir: Path, **options: Any) -> Store:
    return Store(SheetsBackend(), data_dir, **options)


def create(store: Store) -> str:
    body = {"properties": {"title": "Journaled"}}
    return store.execute("spreadsheets_create", {"body": body}, None)["spreadsheetId"]


def append_row(store: Store, spreadsheet_id: str, row: list[str]) -> None:
    store.execute(
        "values_append",
        {
            "spreadsheet_id": spreadsheet_id,
            "range": "Sheet1!A1",
            "body": {"values": [row]},
            "value_input_option": "RAW",
            "insert_data_option": None,
            "include_values_in_response": None,
            "response_value_render_option": None,
            "response_date_time_render_option": None,
        },
        None,
    )


def read_all(store: Store, spreadsheet_id: str) -> list[list[str]]:
    answer = store.execute(
        "values_get",
        {
            "spreadsheet_id": spreadsheet_id,
            "range": "Sheet1",
            "major_dimension": None,
            "value_render_option": None,
            "date_time_render_option": None,
        },
        None,
    )
    return [list(row) for row in answer.get("values", [])]


def test_mutations_are_journaled_and_replayed_on_the_next_start(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["1"])
    append_row(store, spreadsheet_id, ["2"])
    read_all(store, spreadsheet_id)  # reads are not journaled
    records, end = read_records((tmp_path / JOURNAL_NAME).read_bytes())
    assert [entry[0] for _, entry in records] == [
        "spreadsheets_create",
        "values_append",
        "values_append",
    ]
    assert end == (tmp_path / JOURNAL_NAME).stat().st_size

    # No close(): as after a crash, only the journal holds the state.
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["1"], ["2"]]


def test_a_failed_operation_is_not_journaled(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    create(store)
    size = (tmp_path / JOURNAL_NAME).stat().st_size
    with pytest.raises(ApiError) as refused:
        append_row(store, "no-such-spreadsheet", ["x"])
    assert refused.value.code == 404
    assert (tmp_path / JOURNAL_NAME).stat().st_size == size


def test_a_torn_last_record_is_ignored_and_cut_off(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["kept"])
    journal = tmp_path / JOURNAL_NAME
    intact = journal.stat().st_size
    append_row(store, spreadsheet_id, ["torn"])
    with open(journal, "r+b") as f:  # the crash cut the last write short
        f.truncate(journal.stat().st_size - 3)

    recovered = open_store(tmp_path)
    assert read_all(recovered, spreadsheet_id) == [["kept"]]
    assert journal.stat().st_size == intact
    append_row(recovered, spreadsheet_id, ["later"])  # appends after the cut stay readable
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["kept"], ["later"]]


def test_a_corrupt_last_record_is_ignored(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["kept"])
    append_row(store, spreadsheet_id, ["flipped"])
    journal = tmp_path / JOURNAL_NAME
    data = bytearray(journal.read_bytes())
    data[-2] ^= 0xFF
    journal.write_bytes(bytes(data))
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["kept"]]


def test_close_folds_the_journal_into_the_snapshot(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["1"])
    store.close()
    assert (tmp_path / JOURNAL_NAME).stat().st_size == 0
    assert (tmp_path / SNAPSHOT_NAME).stat().st_size > 0
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["1"]]


def test_records_already_in_the_snapshot_are_not_replayed_twice(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["once"])
    journal = tmp_path / JOURNAL_NAME
    old_journal = journal.read_bytes()
    store.compact()
    # A crash after the snapshot was replaced but before the journal was truncated.
    journal.write_bytes(old_journal)
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["once"]]


def test_the_journal_is_compacted_once_it_passes_the_threshold(tmp_path: Path) -> None:
    store = open_store(tmp_path, compact_bytes=1)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["1"])
    assert (tmp_path / JOURNAL_NAME).stat().st_size == 0
    append_row(store, spreadsheet_id, ["2"])
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["1"], ["2"]]


def test_reset_is_durable(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    store.reset()
    with pytest.raises(ApiError) as gone:
        read_all(open_store(tmp_path), spreadsheet_id)
    assert gone.value.code == 404


def test_a_server_restarted_on_the_same_data_dir_keeps_the_spreadsheets(tmp_path: Path) -> None:
    with EmulatorServer(data_dir=tmp_path) as first:
        spreadsheet = sheets_client(first.url).create("Durable")
        spreadsheet.sheet1.update([["kept", "across"], ["a", "restart"]], "A1", raw=True)
    with EmulatorServer(data_dir=tmp_path) as second:
        reopened = sheets_client(second.url).open("Durable")
        assert reopened.id == spreadsheet.id
        assert reopened.sheet1.get_all_values() == [["kept", "across"], ["a", "restart"]]


@pytest.mark.parametrize("how", ["compact", "reset"])
def test_writes_after_a_compaction_survive_a_restart(tmp_path: Path, how: str) -> None:
    store = open_store(tmp_path)
    create(store)
    store.reset() if how == "reset" else store.compact()
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["after", "compaction"])
    data = (tmp_path / JOURNAL_NAME).read_bytes()
    assert len(read_records(data)[0]) == 2
    restarted = open_store(tmp_path)  # no close(): a crash
    assert read_all(restarted, spreadsheet_id) == [["after", "compaction"]]


def test_snapshots_are_written_in_format_2_and_format_1_still_loads(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    spreadsheet_id = create(store)
    append_row(store, spreadsheet_id, ["kept", "1.5"])
    store.close()
    with open(tmp_path / SNAPSHOT_NAME, "rb") as f:
        saved = pickle.load(f)
    assert saved["format"] == 2
    # The same state as format 1 wrote it: typed cell objects in the rows, no kinds.
    sheet = saved["state"]["files"][spreadsheet_id].sheets[0]
    sheet.__dict__.pop("kinds")
    sheet.__dict__["rows"] = [("kept", cells.number(1.5))]
    old = {"format": 1, "last_seq": saved["last_seq"], "state": {"version": 1, **saved["state"]}}
    (tmp_path / SNAPSHOT_NAME).write_bytes(pickle.dumps(old))
    assert read_all(open_store(tmp_path), spreadsheet_id) == [["kept", "1.5"]]


def test_a_snapshot_of_an_unknown_format_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    create(store)
    store.close()
    saved = pickle.loads((tmp_path / SNAPSHOT_NAME).read_bytes())
    (tmp_path / SNAPSHOT_NAME).write_bytes(pickle.dumps({**saved, "format": 3}))
    with pytest.raises(RuntimeError, match="has format 3"):
        open_store(tmp_path)


# Every journaled operation with the keyword arguments the server before issue 12 journaled for
# it (its HTTP parsers, the seeding of the control API and of the embedded demo): a data folder
# written then must replay. ``{made}`` / ``{copy}`` / ``{perm}`` are filled in from earlier answers.
FIXED = "1fixedspreadsheet"  # the embedded demo creates its spreadsheet with a fixed id
OLD_JOURNAL: list[tuple[str, dict[str, Any]]] = [
    ("emulator_declare_account", {"email": "robot@x", "type": "service_account"}),
    ("emulator_create_drive", {"name": "D", "members": [{"email": "a@x", "role": "reader"}]}),
    ("emulator_create_drive", {"name": "E", "members": None, "drive_id": "0Afixed"}),
    ("spreadsheets_create", {"body": {"properties": {"title": "Demo"}}, "spreadsheet_id": FIXED}),
    ("spreadsheets_create", {"body": {"properties": {"title": "Seeded"}}, "seeded": True}),
    ("spreadsheets_create", {"body": {"properties": {"title": "API"}}, "fields": None}),
    (
        "spreadsheets_batch_update",
        {"spreadsheet_id": FIXED, "body": {"requests": [{"addSheet": {}}]}, "fields": None},
    ),
    (
        "values_update",
        {
            "spreadsheet_id": FIXED,
            "range": "Sheet1!A1",
            "body": {"values": [["a", "b"], ["1", "2"]]},
            "value_input_option": "RAW",
            "include_values_in_response": None,
            "response_value_render_option": None,
            "response_date_time_render_option": None,
            "fields": None,
        },
    ),
    (
        "values_append",
        {
            "spreadsheet_id": FIXED,
            "range": "Sheet1!A1",
            "body": {"values": [["3", "4"]]},
            "value_input_option": "USER_ENTERED",
            "insert_data_option": "INSERT_ROWS",
            "include_values_in_response": True,
            "response_value_render_option": "FORMULA",
            "response_date_time_render_option": None,
            "fields": None,
        },
    ),
    ("values_clear", {"spreadsheet_id": FIXED, "range": "Sheet1!B3", "fields": None}),
    (
        "values_batch_update",
        {
            "spreadsheet_id": FIXED,
            "body": {"valueInputOption": "RAW", "data": [{"range": "C1", "values": [["c"]]}]},
            "fields": None,
        },
    ),
    ("values_batch_clear", {"spreadsheet_id": FIXED, "body": {"ranges": ["C1"]}, "fields": None}),
    (
        "values_batch_update_by_data_filter",
        {
            "spreadsheet_id": FIXED,
            "body": {
                "valueInputOption": "RAW",
                "data": [{"dataFilter": {"a1Range": "D1"}, "values": [["d"]]}],
            },
            "fields": None,
        },
    ),
    (
        "drive_files_create",
        {
            "body": {"name": "Made", "mimeType": "application/vnd.google-apps.spreadsheet"},
            "supports_all_drives": None,
            "fields": None,
        },
    ),
    (
        "sheets_copy_to",
        {
            "spreadsheet_id": FIXED,
            "sheet_id": 0,
            "body": {"destinationSpreadsheetId": "{made}"},
            "fields": None,
        },
    ),
    (
        "drive_files_copy",
        {"file_id": FIXED, "body": {"name": "Copy"}, "supports_all_drives": True, "fields": None},
    ),
    (
        "drive_permissions_create",
        {"file_id": "{copy}", "body": {"type": "user", "role": "writer", "emailAddress": "b@x"}},
    ),
    ("drive_permissions_delete", {"file_id": "{copy}", "permission_id": "{perm}"}),
    ("drive_files_import", {"file_id": "{made}", "data": "x,y\n5,6\n", "content_type": "text/csv"}),
    ("drive_files_delete", {"file_id": "{copy}"}),
]


def _filled(value: Any, found: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**found)
    if isinstance(value, dict):
        return {k: _filled(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, found) for v in value]
    return value


def test_a_journal_of_every_operation_as_the_earlier_server_wrote_it_replays(
    tmp_path: Path,
) -> None:
    assert {name for name, _ in OLD_JOURNAL} == SheetsBackend.JOURNALED
    store = open_store(tmp_path)
    found: dict[str, str] = {}
    keys = {"drive_files_create": "made", "drive_files_copy": "copy"}
    for operation, kwargs in OLD_JOURNAL:
        answer = store.execute(operation, _filled(kwargs, found), None)
        if operation in keys:
            found[keys[operation]] = answer["id"]
        if operation == "drive_permissions_create":
            found["perm"] = answer["id"]
    before = store.backend.dump_state()
    # No close(): as after a crash, only the journal holds the writes.
    replayed = open_store(tmp_path)
    assert replayed.backend.dump_state() == before
    imported = replayed.execute(
        "values_get", {"spreadsheet_id": found["made"], "range": "A1:B2"}, None
    )
    assert [list(row) for row in imported["values"]] == [["x", "y"], ["5", "6"]]
    assert replayed.execute("drive_files_list", {}, None)["files"]
