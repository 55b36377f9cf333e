"""The defects found on the way (issue 10), one regression test (or table) per defect.

Each test names its evidence: a recording in ../shared/fidelity/cassettes, an API reference page,
or gspread's source.
"""

from __future__ import annotations

import math
from typing import Any

import gspread
import pytest
from model_helpers import SPREADSHEET, Model

from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.emulator.spreadsheet import normalise_color


def _metadata(model: Model, sid: str, **extra: Any) -> None:
    model.batch(
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataId": 7,
                    "metadataKey": "lease",
                    "metadataValue": "a",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                    **extra,
                }
            }
        },
    )


# --- 1. updateDeveloperMetadata with fields "*" -------------------------------------------------


def test_update_developer_metadata_with_a_star_mask_keeps_the_metadata_id(model: Model) -> None:
    # UpdateDeveloperMetadataRequest reference: 'A single "*" can be used as short-hand for
    # listing every field'; DeveloperMetadata.metadataId is assigned at creation ("IDs may be
    # specified when metadata is created"), so it is not among the fields an update changes.
    sid = model.new_spreadsheet()
    _metadata(model, sid)
    lookup = {"developerMetadataLookup": {"metadataKey": "lease"}}
    reply = model.batch(
        sid,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [lookup],
                "developerMetadata": {
                    "metadataKey": "lease",
                    "metadataValue": "b",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                },
                "fields": "*",
            }
        },
    )
    updated = reply["replies"][0]["updateDeveloperMetadata"]["developerMetadata"][0]
    assert updated["metadataId"] == 7 and updated["metadataValue"] == "b"
    assert model("developer_metadata_get", spreadsheet_id=sid, metadata_id=7)["metadataValue"] == (
        "b"
    )
    found = model("developer_metadata_search", spreadsheet_id=sid, body={"dataFilters": [lookup]})
    assert [m["developerMetadata"]["metadataId"] for m in found["matchedDeveloperMetadata"]] == [7]


def test_update_developer_metadata_that_would_lose_its_visibility_is_refused(model: Model) -> None:
    # developerMetadata reference: "Developer metadata must always have a visibility specified".
    sid = model.new_spreadsheet()
    _metadata(model, sid)
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model.batch(
            sid,
            {
                "updateDeveloperMetadata": {
                    "dataFilters": [{"developerMetadataLookup": {"metadataId": 7}}],
                    "developerMetadata": {"metadataValue": "b"},
                    "fields": "*",
                }
            },
        )
    assert raised.value.code == 400
    assert model.state() == before


# --- 2. values.append with a one-cell or one-row range -------------------------------------------


@pytest.mark.parametrize(
    "table_range",
    [
        pytest.param("A1", id="one-cell-gspread-append_row-table_range"),
        pytest.param("A1:C1", id="one-row"),
    ],
)
def test_append_with_a_one_row_range_writes_after_the_table_s_last_row(
    client: gspread.Client, table_range: str
) -> None:
    # spreadsheets.values.append reference: "Values are appended after the last row of the
    # table"; recording WorksheetTest.test_append_row_with_empty_value_and_table_range (range
    # 'Sheet1'!A1 over a one-row table: tableRange Sheet1!A1, written at row 2).
    worksheet = client.create("Append").sheet1
    worksheet.update([["h1", "h2", "h3"], ["a", "b", "c"], ["d", "e", "f"]], "A1", raw=True)
    answer = worksheet.append_row(
        ["x", "y", "z"], value_input_option="RAW", table_range=table_range
    )
    assert answer["updates"]["updatedRange"] == "Sheet1!A4:C4"
    assert worksheet.get_all_values() == [
        ["h1", "h2", "h3"],
        ["a", "b", "c"],
        ["d", "e", "f"],
        ["x", "y", "z"],
    ]


def test_append_with_a_one_cell_range_keeps_google_s_recorded_table_range(model: Model) -> None:
    # Recording WorksheetTest.test_append_row_with_empty_value_and_table_range: A1 and C1 set,
    # B1 empty; append at 'Sheet1'!A1 answers tableRange Sheet1!A1 and writes Sheet1!A2:C2.
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["one", "", "three"]])
    answer = model(
        "values_append",
        spreadsheet_id=sid,
        range="'Sheet1'!A1",
        body={"values": [["one", "", "three"]]},
        value_input_option="RAW",
    )
    assert answer["tableRange"] == "Sheet1!A1"
    assert answer["updates"]["updatedRange"] == "Sheet1!A2:C2"


# --- 3. fields masks on answers -------------------------------------------------------------------


def test_a_fields_mask_selects_the_parts_of_values_answers(client: gspread.Client) -> None:
    # System parameter `fields` (Google's "partial response", Standard Query Parameters page):
    # every method's answer keeps only the fields named.
    spreadsheet = client.create("Masks")
    spreadsheet.values_update("Sheet1!A1", {"valueInputOption": "RAW"}, {"values": [["a"]]})
    got = spreadsheet.values_get("Sheet1!A1:B2", params={"fields": "values"})
    assert got == {"values": [["a"]]}
    updated = spreadsheet.values_update(
        "Sheet1!A2", {"valueInputOption": "RAW", "fields": "updatedCells"}, {"values": [["b"]]}
    )
    assert updated == {"updatedCells": 1}
    appended = spreadsheet.values_append(
        "Sheet1!A1",
        {"valueInputOption": "RAW", "fields": "updates.updatedRange"},
        {"values": [["c"]]},
    )
    assert appended == {"updates": {"updatedRange": "Sheet1!A3"}}
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet.id}/values/Sheet1!A3:clear"
    cleared = client.http_client.request("post", url, params={"fields": "clearedRange"})
    assert cleared.json() == {"clearedRange": "Sheet1!A3"}
    batch = spreadsheet.values_batch_get(["A1", "A2"], params={"fields": "valueRanges(values)"})
    assert batch == {"valueRanges": [{"values": [["a"]]}, {"values": [["b"]]}]}


def test_a_fields_mask_selects_the_parts_of_a_batch_update_answer(model: Model) -> None:
    sid = model.new_spreadsheet()
    answer = model(
        "spreadsheets_batch_update",
        spreadsheet_id=sid,
        body={"requests": [{"addSheet": {"properties": {"title": "New"}}}]},
        fields="replies.addSheet.properties.title",
    )
    assert answer == {"replies": [{"addSheet": {"properties": {"title": "New"}}}]}


@pytest.mark.parametrize(
    ("operation", "kwargs", "fields", "expected_keys"),
    [
        pytest.param("spreadsheets_create", {"body": {}}, "spreadsheetId", ["spreadsheetId"]),
        pytest.param(
            "developer_metadata_get",
            {"metadata_id": 7},
            "metadataKey,metadataValue",
            ["metadataKey", "metadataValue"],
        ),
        pytest.param(
            "developer_metadata_search",
            {"body": {"dataFilters": [{"developerMetadataLookup": {"metadataId": 7}}]}},
            "matchedDeveloperMetadata.developerMetadata.metadataId",
            ["matchedDeveloperMetadata"],
        ),
        pytest.param("sheets_copy_to", {"sheet_id": 0}, "title", ["title"]),
    ],
)
def test_a_fields_mask_selects_the_parts_of_other_sheets_answers(
    model: Model, operation: str, kwargs: dict[str, Any], fields: str, expected_keys: list[str]
) -> None:
    # The partial-response parameter `fields` is one of the standard parameters of every method
    # of the discovery document (sheets.v4.json "parameters").
    sid = model.new_spreadsheet()
    _metadata(model, sid)
    if operation != "spreadsheets_create":
        kwargs = {"spreadsheet_id": sid, **kwargs}
    if operation == "sheets_copy_to":
        kwargs["body"] = {"destinationSpreadsheetId": sid}
    answer = model(operation, **kwargs, fields=fields)
    assert sorted(answer) == expected_keys


@pytest.mark.parametrize("operation", ["drive_files_create", "drive_files_copy"])
def test_drive_create_and_copy_answer_the_default_fields_or_exactly_those_asked(
    model: Model, operation: str
) -> None:
    # Recordings ClientTest.test_create / test_copy: without `fields` Drive answers kind, id,
    # name, mimeType; with `fields` (Drive "Return specific fields" guide) exactly those.
    source = model.new_spreadsheet("Source")
    kwargs: dict[str, Any] = {"body": {"name": "Made", "mimeType": SPREADSHEET}}
    if operation == "drive_files_copy":
        kwargs["file_id"] = source
    default = model(operation, **kwargs)
    assert sorted(default) == ["id", "kind", "mimeType", "name"]
    masked = model(operation, **kwargs, fields="id,createdTime")
    assert sorted(masked) == ["createdTime", "id"]


# --- 4. values Google leaves out ------------------------------------------------------------------


def test_false_and_empty_defaults_are_left_out_of_sheets_answers(model: Model) -> None:
    # Recordings: no answer of the 91 holds a false boolean or an empty list outside the
    # spreadsheet's defaultFormat (proto3 JSON leaves defaults out), e.g.
    # WorksheetTest.test_hide_gridlines and WorksheetTest.test_basic_filters.
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": 0,
                    "rightToLeft": False,
                    "gridProperties": {"hideGridlines": False},
                },
                "fields": "rightToLeft,gridProperties.hideGridlines",
            }
        },
        {
            "setBasicFilter": {
                "filter": {"range": {"sheetId": 0}, "sortSpecs": [], "filterSpecs": []}
            }
        },
    )
    sheet = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][0]
    assert "rightToLeft" not in sheet["properties"]
    assert "hideGridlines" not in sheet["properties"]["gridProperties"]
    assert "sortSpecs" not in sheet["basicFilter"] and "filterSpecs" not in sheet["basicFilter"]


def test_add_and_duplicate_sheet_replies_leave_out_false_defaults(model: Model) -> None:
    # Same rule as above (proto3 JSON leaves defaults out), for the replies that echo properties.
    sid = model.new_spreadsheet()
    replies = model.batch(
        sid,
        {"addSheet": {"properties": {"title": "B", "rightToLeft": False, "hidden": False}}},
    )["replies"]
    added = replies[0]["addSheet"]["properties"]
    assert "rightToLeft" not in added and "hidden" not in added
    duplicated = model.batch(sid, {"duplicateSheet": {"sourceSheetId": added["sheetId"]}})
    copied = duplicated["replies"][0]["duplicateSheet"]["properties"]
    assert "rightToLeft" not in copied and "hidden" not in copied


# --- 5. colours -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        # Recordings WorksheetTest.test_update_tab_color (0.5) and test_set_tab_color (127/255)
        # both echo 0.49803922.
        pytest.param(0.5, 0.49803922, id="recorded-half"),
        pytest.param(0.4980392156862745, 0.49803922, id="recorded-127-of-255"),
        pytest.param(1, 1, id="recorded-one"),
        # Every recording's spreadsheetTheme: ACCENT3 red is 0.9843137 (251/255); written back
        # it must stay 251/255 (truncating the exact product gave 250/255).
        pytest.param(0.9843137, 0.9843137, id="recorded-theme-accent3-red"),
        # Google's own echo of 229/255 written back stays 229/255 (issue 10).
        pytest.param(0.8980392, 0.8980392, id="echo-of-229-of-255"),
    ],
)
def test_a_colour_component_is_quantised_as_google_does(given: float, echoed: float) -> None:
    assert normalise_color({"red": given})["red"] == echoed


def test_every_echoed_colour_component_comes_back_unchanged() -> None:
    # A client that reads a colour and writes it back must not see it drift.
    for level in range(1, 256):
        once = normalise_color({"blue": level / 255})["blue"]
        assert normalise_color({"blue": once})["blue"] == once
        assert math.isclose(once, level / 255, rel_tol=1e-6)


# --- 6. namedRanges given to spreadsheets.create ---------------------------------------------


def test_named_ranges_given_to_create_are_kept_with_ids(model: Model) -> None:
    # Spreadsheet resource: namedRanges is part of the body spreadsheets.create takes.
    created = model(
        "spreadsheets_create",
        body={
            "properties": {"title": "Named"},
            "namedRanges": [
                {"name": "Totals", "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2}},
                {"namedRangeId": "fixed", "name": "Keys", "range": {"sheetId": 0}},
            ],
        },
    )
    named = created["namedRanges"]
    assert [n["name"] for n in named] == ["Totals", "Keys"]
    assert named[0]["namedRangeId"].isdigit() and named[1]["namedRangeId"] == "fixed"
    assert named[0]["range"] == {"startRowIndex": 0, "endRowIndex": 2}
    got = model("spreadsheets_get", spreadsheet_id=created["spreadsheetId"], fields="namedRanges")
    assert got == {"namedRanges": named}


def test_a_bad_named_range_given_to_create_is_refused(model: Model) -> None:
    with pytest.raises(ApiError) as raised:
        model(
            "spreadsheets_create",
            body={"namedRanges": [{"name": "Lost", "range": {"sheetId": 99}}]},
        )
    assert raised.value.code == 400


# --- 8. a values range naming a named range ------------------------------------------------------


def test_worksheet_get_of_a_named_range_reads_its_cells(client: gspread.Client) -> None:
    # gspread issue 435 (maintainer): 'values = worksheet.get("my_named_range")'; gspread sends
    # it as 'Sheet1'!my_named_range (utils.absolute_range_name). The echoed range is the named
    # range's A1 range (unverified: no recording reads values by a named range).
    spreadsheet = client.create("Named values")
    worksheet = spreadsheet.sheet1
    worksheet.update([["a", "b"], ["c", "d"], ["e", "f"]], "A1", raw=True)
    worksheet.define_named_range("A2:B3", "MyRange")
    got = worksheet.get("MyRange")
    assert got == [["c", "d"], ["e", "f"]]
    assert got.range == "Sheet1!A2:B3"
    assert spreadsheet.values_get("MyRange")["range"] == "Sheet1!A2:B3"
    worksheet.update([["z"]], "MyRange", raw=True)
    assert worksheet.acell("A2").value == "z"


def test_a_sheet_qualified_name_that_is_no_named_range_cannot_be_parsed(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.get(sid, "'Sheet1'!NoSuchName")
    assert raised.value.message == "Unable to parse range: 'Sheet1'!NoSuchName"
