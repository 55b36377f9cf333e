"""Sheet-located developer metadata, where the tool keeps its stamps (issue 11 #6), as at Google.

DeveloperMetadataLocation reference: ``sheetId`` is "the ID of the sheet when metadata is
associated with an entire sheet", ``locationType`` SHEET is "associated with a whole sheet"
(read-only, echoed by the API); the Sheet resource lists it under ``sheets[].developerMetadata``;
DeveloperMetadata reference: "If the associated object is deleted its metadata is deleted too".
"""

from __future__ import annotations

from typing import Any

import gspread

SEARCH = "https://sheets.googleapis.com/v4/spreadsheets/{}/developerMetadata:search"


def on_sheet(sheet_id: int, key: str = "stamp") -> dict[str, Any]:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": key,
                "metadataValue": "3.0",
                "location": {"sheetId": sheet_id},
                "visibility": "DOCUMENT",
            }
        }
    }


def two_tabs(client: gspread.Client) -> tuple[gspread.Spreadsheet, int, int]:
    spreadsheet = client.create("two tabs")
    first = spreadsheet.sheet1.id
    second = spreadsheet.add_worksheet("B", rows=5, cols=5).id
    return spreadsheet, first, second


def search(client: gspread.Client, key: str, lookup: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.http_client.request(
        "post", SEARCH.format(key), json={"dataFilters": [{"developerMetadataLookup": lookup}]}
    ).json()
    return [m["developerMetadata"] for m in answer.get("matchedDeveloperMetadata", [])]


def test_a_sheet_located_entry_echoes_its_location_with_location_type_sheet(client):
    spreadsheet, _, second = two_tabs(client)

    reply = spreadsheet.batch_update({"requests": [on_sheet(second)]})

    created = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert created["location"] == {"locationType": "SHEET", "sheetId": second}


def test_it_is_listed_under_its_sheet_not_at_the_spreadsheet_level_through_a_fields_mask(client):
    spreadsheet, first, second = two_tabs(client)
    spreadsheet.batch_update({"requests": [on_sheet(second)]})

    found = spreadsheet.fetch_sheet_metadata(
        {"fields": "sheets(properties.sheetId,developerMetadata),developerMetadata"}
    )

    listed = {s["properties"]["sheetId"]: s.get("developerMetadata", []) for s in found["sheets"]}
    assert [m["metadataKey"] for m in listed[second]] == ["stamp"]
    assert listed[first] == []
    assert "developerMetadata" not in found


def test_a_lookup_by_sheet_location_finds_only_that_sheet_s_entries(client):
    spreadsheet, first, second = two_tabs(client)
    spreadsheet.batch_update({"requests": [on_sheet(first, "a"), on_sheet(second, "b")]})

    exact = search(client, spreadsheet.id, {"metadataLocation": {"sheetId": second}})
    by_type = search(client, spreadsheet.id, {"locationType": "SHEET"})

    assert [m["metadataKey"] for m in exact] == ["b"]
    assert sorted(m["metadataKey"] for m in by_type) == ["a", "b"]


def test_deleting_the_sheet_deletes_its_metadata(client):
    spreadsheet, first, second = two_tabs(client)
    spreadsheet.batch_update({"requests": [on_sheet(first, "a"), on_sheet(second, "b")]})

    spreadsheet.batch_update({"requests": [{"deleteSheet": {"sheetId": second}}]})

    assert [m["metadataKey"] for m in search(client, spreadsheet.id, {"metadataKey": "b"})] == []
    assert [m["metadataKey"] for m in search(client, spreadsheet.id, {"metadataKey": "a"})] == ["a"]
