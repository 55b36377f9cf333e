"""values:batchUpdateByDataFilter over real HTTP with gspread's client: the cells written are
those of the range the filter matches when the request arrives (a column's developer metadata
moves with the column), null values leave cells alone, values past the matched range fail the
request and write nothing. Reference: the discovery document's DataFilterValueRange.values and
ValueRange.values (googleapiclient/discovery_cache/documents/sheets.v4.json)."""

from __future__ import annotations

from typing import Any

import gspread
import pytest

URL = "https://sheets.googleapis.com/v4/spreadsheets/{}/values:batchUpdateByDataFilter"


def marked_sheet(client: gspread.Client) -> tuple[gspread.Spreadsheet, int]:
    """A 4x3 sheet (header id, name, version) whose column C carries a marker; its metadataId."""
    spreadsheet = client.create("ByDataFilter")
    worksheet = spreadsheet.sheet1
    worksheet.resize(rows=4, cols=3)
    worksheet.update([["id", "name", "version"], ["1", "a", ""], ["2", "b", "7"]], "A1", raw=True)
    location = {
        "dimensionRange": {
            "sheetId": worksheet.id,
            "dimension": "COLUMNS",
            "startIndex": 2,
            "endIndex": 3,
        }
    }
    reply = spreadsheet.batch_update(
        {
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "sheetmigrate.column",
                            "metadataValue": "version",
                            "location": location,
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            ]
        }
    )
    created = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    return spreadsheet, created["metadataId"]


def write(client: gspread.Client, key: str, data: list[dict[str, Any]]) -> Any:
    return client.http_client.request(
        "post", URL.format(key), json={"valueInputOption": "RAW", "data": data}
    ).json()


LOOKUP = {
    "developerMetadataLookup": {
        "metadataKey": "sheetmigrate.column",
        "metadataValue": "version",
        "locationType": "COLUMN",
    }
}


def test_a_column_is_written_where_its_marker_is_now(client: gspread.Client) -> None:
    spreadsheet, _ = marked_sheet(client)
    sheet_id = spreadsheet.sheet1.id
    # Another writer inserts a column left of the marked one: the marker moves to column D.
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
    spreadsheet.batch_update({"requests": [{"insertDimension": {"range": span}}]})
    answer = write(
        client,
        spreadsheet.id,
        [{"dataFilter": LOOKUP, "majorDimension": "COLUMNS", "values": [[None, "0", None]]}],
    )
    assert spreadsheet.sheet1.get_all_values() == [
        ["id", "", "name", "version"],
        ["1", "", "a", "0"],
        ["2", "", "b", "7"],
    ]
    assert answer == {
        "spreadsheetId": spreadsheet.id,
        "totalUpdatedRows": 1,
        "totalUpdatedColumns": 1,
        "totalUpdatedCells": 1,
        "totalUpdatedSheets": 1,
        "responses": [
            {
                "updatedRange": "Sheet1!D1:D3",  # shaped by the values sent, nulls included
                "updatedRows": 1,
                "updatedColumns": 1,
                "updatedCells": 1,
                "dataFilter": LOOKUP,
            }
        ],
    }


def test_values_past_the_matched_range_fail_and_write_nothing(client: gspread.Client) -> None:
    spreadsheet, metadata_id = marked_sheet(client)
    by_id = {"developerMetadataLookup": {"metadataId": metadata_id}}
    with pytest.raises(gspread.exceptions.APIError) as refused:
        write(
            client,
            spreadsheet.id,
            [{"dataFilter": by_id, "majorDimension": "COLUMNS", "values": [["x"] * 5]}],
        )
    assert refused.value.code == 400
    assert "Requested writing within range" in str(refused.value)
    rows = [["x", "0"]]  # ROWS: two columns into a one-column range
    with pytest.raises(gspread.exceptions.APIError):
        write(client, spreadsheet.id, [{"dataFilter": by_id, "values": rows}])
    assert spreadsheet.sheet1.col_values(3) == ["version", "", "7"]


def test_a1_and_grid_range_filters_and_a_filter_matching_nothing(client: gspread.Client) -> None:
    spreadsheet, _ = marked_sheet(client)
    sheet_id = spreadsheet.sheet1.id
    grid = {"sheetId": sheet_id, "startRowIndex": 3, "endRowIndex": 4, "startColumnIndex": 0}
    nothing = {"developerMetadataLookup": {"metadataKey": "no such key"}}
    answer = write(
        client,
        spreadsheet.id,
        [
            {"dataFilter": {"a1Range": "Sheet1!B2"}, "values": [["A"]]},
            {"dataFilter": {"gridRange": grid}, "values": [["3", "c"]]},
            {"dataFilter": nothing, "values": [["lost"]]},
        ],
    )
    written = [["1", "A", ""], ["2", "b", "7"], ["3", "c", ""]]
    assert spreadsheet.sheet1.get_all_values()[1:] == written
    assert [r["updatedRange"] for r in answer["responses"]] == ["Sheet1!B2", "Sheet1!A4:B4"]
    assert answer["totalUpdatedCells"] == 3


def test_a_filter_must_be_exactly_one_kind(client: gspread.Client) -> None:
    spreadsheet, _ = marked_sheet(client)
    both = {"a1Range": "Sheet1!A1", **LOOKUP}
    with pytest.raises(gspread.exceptions.APIError) as refused:
        write(client, spreadsheet.id, [{"dataFilter": both, "values": [["x"]]}])
    assert refused.value.code == 400
    assert spreadsheet.sheet1.acell("A1").value == "id"


def test_the_request_is_checked_against_the_discovery_document(client: gspread.Client) -> None:
    spreadsheet, _ = marked_sheet(client)
    with pytest.raises(gspread.exceptions.APIError) as refused:
        client.http_client.request(
            "post",
            URL.format(spreadsheet.id),
            json={"valueInputOption": "RAW", "data": [{"dataFilter": LOOKUP, "range": "A1"}]},
        )
    assert refused.value.code == 400
    assert "range" in str(refused.value)
