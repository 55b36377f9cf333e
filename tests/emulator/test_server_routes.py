"""Every endpoint gspread (and this project) calls reaches the backend over real HTTP and answers.

The semantics of each operation are tested with the model; here the point is the HTTP shell:
paths (percent-encoded ranges with quotes, ``!``, ``:``, ``/`` and emoji), query strings, bodies
and answers of each kind (JSON, CSV bytes, 204).
"""

from __future__ import annotations

import gspread
import pytest

from pytest_sheetmigrate.emulator import EmulatorServer

AWKWARD_TITLE = "🌵 it's a/b:c!d"


def by_endpoint(server: EmulatorServer) -> dict[str, int]:
    return server.app.stats.to_json()["by_endpoint"]


def test_values_endpoints_route_ranges_with_awkward_sheet_titles(client: gspread.Client) -> None:
    spreadsheet = client.create("Routes")
    worksheet = spreadsheet.add_worksheet(AWKWARD_TITLE, rows=10, cols=5)
    worksheet.update([["a", "b"]], "A1", raw=True)
    worksheet.append_row(["c", "d"], value_input_option="RAW")
    assert worksheet.get_all_values() == [["a", "b"], ["c", "d"]]
    assert worksheet.batch_get(["A1", "B2"]) == [[["a"]], [["d"]]]
    worksheet.batch_update([{"range": "A1", "values": [["z"]]}], raw=True)
    worksheet.batch_clear(["B2"])
    assert spreadsheet.worksheet(AWKWARD_TITLE).get_all_values() == [["z", "b"], ["c", ""]]
    worksheet.clear()
    quoted = "'" + AWKWARD_TITLE.replace("'", "''") + "'"
    assert "values" not in spreadsheet.values_get(quoted)


def test_batch_update_and_developer_metadata_endpoints_answer(
    server: EmulatorServer, client: gspread.Client
) -> None:
    spreadsheet = client.create("Metadata")
    reply = spreadsheet.batch_update(
        {
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "schema_version",
                            "metadataValue": "3",
                            "location": {"spreadsheet": True},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            ]
        }
    )
    metadata_id = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]["metadataId"]
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet.id}/developerMetadata"
    fetched = client.http_client.request("get", f"{base}/{metadata_id}").json()
    assert fetched["metadataValue"] == "3"
    found = client.http_client.request(
        "post",
        f"{base}:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "schema_version"}}]},
    ).json()
    assert [m["developerMetadata"]["metadataId"] for m in found["matchedDeveloperMetadata"]] == [
        metadata_id
    ]
    assert (
        by_endpoint(server)["GET /v4/spreadsheets/{spreadsheetId}/developerMetadata/{metadataId}"]
        >= 1
    )


def test_a_sheet_is_copied_to_another_spreadsheet(client: gspread.Client) -> None:
    source = client.create("Source")
    source.sheet1.update([["copied"]], "A1", raw=True)
    target = client.create("Target")
    copied = source.sheet1.copy_to(target.id)
    assert target.get_worksheet_by_id(copied["sheetId"]).get_all_values() == [["copied"]]


def test_drive_endpoints_list_copy_export_import_share_and_delete(
    server: EmulatorServer, client: gspread.Client
) -> None:
    original = client.create("Drive routes")
    original.sheet1.update([["a1", "B2"]], "A1", raw=True)
    assert "Drive routes" in [f["name"] for f in client.list_spreadsheet_files()]

    copy = client.copy(original.id, title="Drive copy", copy_comments=True)
    assert copy.sheet1.get_all_values() == [["a1", "B2"]]
    assert client.export(original.id, gspread.utils.ExportFormat.CSV) == b"a1,B2"

    client.import_csv(copy.id, "x,y\n1,2\n")
    assert copy.sheet1.get_all_values() == [["x", "y"], ["1", "2"]]

    original.share("friend@example.com", perm_type="user", role="reader", notify=False)
    emails = [p.get("emailAddress") for p in original.list_permissions()]
    assert "friend@example.com" in emails
    friend = next(
        p for p in original.list_permissions() if p.get("emailAddress") == "friend@example.com"
    )
    original.remove_permissions("friend@example.com")
    assert friend["id"] not in [p["id"] for p in original.list_permissions()]

    client.del_spreadsheet(copy.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key(copy.id)
    counts = by_endpoint(server)
    for template in (
        "GET /drive/v3/files",
        "POST /drive/v3/files/{fileId}/copy",
        "GET /drive/v3/files/{fileId}/comments",
        "GET /drive/v3/files/{fileId}/export",
        "PUT /upload/drive/v2/files/{fileId}",
        "POST /drive/v3/files/{fileId}/permissions",
        "GET /drive/v3/files/{fileId}/permissions",
        "DELETE /drive/v3/files/{fileId}/permissions/{permissionId}",
        "DELETE /drive/v3/files/{fileId}",
    ):
        assert counts.get(template, 0) >= 1, template


def test_a_drive_delete_answers_204_with_no_body(
    server: EmulatorServer, client: gspread.Client
) -> None:
    spreadsheet = client.create("Deleted")
    answer = client.http_client.request(
        "delete", f"https://www.googleapis.com/drive/v3/files/{spreadsheet.id}"
    )
    assert (answer.status_code, answer.content) == (204, b"")


def test_numbers_come_back_exactly_over_http_even_past_64_bits(client: gspread.Client) -> None:
    """Answers are encoded by orjson; an int it cannot encode falls back to the json module."""
    spreadsheet = client.create("Numbers")
    values = [[0.1 + 0.2, 2**70, -7, 1.5e-12, True]]
    spreadsheet.values_update("Sheet1!A1", {"valueInputOption": "RAW"}, {"values": values})
    got = spreadsheet.values_get("Sheet1!A1:E1", {"valueRenderOption": "UNFORMATTED_VALUE"})
    assert got["values"] == values
    formatted = spreadsheet.values_get("Sheet1!A1:E1")["values"]
    assert formatted == [["0.3", str(2**70), "-7", "1.5E-12", "TRUE"]]
