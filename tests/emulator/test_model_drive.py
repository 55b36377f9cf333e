"""Drive v3 files on the state model: create, list by query, copy, export, delete."""

from __future__ import annotations

import pytest
from model_helpers import SPREADSHEET, Model

from pytest_sheetmigrate.emulator.exceptions import ApiError


def test_list_filters_by_name_and_mime_type(model: Model) -> None:
    wanted = model.new_spreadsheet("prod db")
    model.new_spreadsheet("other")
    q = f'mimeType="{SPREADSHEET}" and name = "prod db" and trashed = false'
    listed = model("drive_files_list", q=q, fields="kind,nextPageToken,files(id,name)")
    assert listed == {"kind": "drive#fileList", "files": [{"id": wanted, "name": "prod db"}]}


@pytest.mark.parametrize(
    "q",
    [
        "name = 'Sales and Ops'",
        'name = "Sales and Ops" and trashed = false',
        "trashed = false and name contains 's and O'",
    ],
)
def test_an_and_inside_a_quoted_string_is_part_of_the_string(model: Model, q: str) -> None:
    wanted = model.new_spreadsheet("Sales and Ops")
    model.new_spreadsheet("Sales")
    listed = model("drive_files_list", q=q, fields="files(id)")
    assert listed == {"files": [{"id": wanted}]}


def test_an_escaped_quote_does_not_end_the_string_before_an_and(model: Model) -> None:
    wanted = model.new_spreadsheet("it's and more")
    listed = model("drive_files_list", q="name = 'it\\'s and more'", fields="files(id)")
    assert listed == {"files": [{"id": wanted}]}


def test_copy_is_named_copy_of_and_holds_the_same_values(model: Model) -> None:
    source = model.new_spreadsheet("Original")
    model.put(source, "Sheet1!A1", [["x"]])
    copied = model("drive_files_copy", file_id=source, body={"name": None, "mimeType": SPREADSHEET})
    assert copied["name"] == "Copy of Original" and copied["id"] != source
    assert model.get(copied["id"], "Sheet1")["values"] == [["x"]]


def test_export_gives_the_first_sheet_as_csv(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a1", "B2"]])
    assert model("drive_files_export", file_id=sid, mime_type="text/csv") == b"a1,B2"


def test_a_deleted_file_is_drive_404_file_not_found(model: Model) -> None:
    sid = model.new_spreadsheet()
    model("drive_files_delete", file_id=sid)
    with pytest.raises(ApiError) as raised:
        model("drive_files_get", file_id=sid, fields="id")
    assert raised.value.to_json("drive")["error"]["errors"][0]["reason"] == "notFound"
    assert raised.value.message == f"File not found: {sid}."


def test_import_csv_replaces_the_sheets_with_the_csv_rows(model: Model) -> None:
    sid = model.new_spreadsheet("Imported")
    model("drive_files_import", file_id=sid, data="a,b\n1,2\n", content_type="text/csv")
    got = model("spreadsheets_get", spreadsheet_id=sid)
    assert [s["properties"]["title"] for s in got["sheets"]] == ["Imported"]
    assert model.get(sid, "Imported")["values"] == [["a", "b"], ["1", "2"]]


def test_sharing_mode_hides_a_spreadsheet_from_other_accounts(model: Model) -> None:
    from datetime import UTC, datetime

    from pytest_sheetmigrate.emulator.backend import SheetsBackend

    backend = SheetsBackend(sharing=True)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    created = backend.execute(
        "drive_files_create",
        {"body": {"name": "s", "mimeType": SPREADSHEET}},
        caller="owner@x",
        seed=1,
        now=now,
    )
    call = {"spreadsheet_id": created["id"], "range": "A1"}
    with pytest.raises(ApiError) as raised:
        backend.execute("values_get", call, caller="robot@x", seed=2, now=now)
    assert (raised.value.code, raised.value.message) == (403, "The caller does not have permission")
    backend.share(created["id"], "robot@x")
    assert (
        backend.execute("values_get", call, caller="robot@x", seed=3, now=now)["range"]
        == "Sheet1!A1"
    )
