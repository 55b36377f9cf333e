"""spreadsheets.batchUpdate on the state model: replies, all-or-nothing, anchored data."""

from __future__ import annotations

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator.exceptions import ApiError


def test_a_batch_whose_second_request_is_invalid_changes_nothing(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["keep", "me"]])
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model.batch(
            sid,
            {
                "insertDimension": {
                    "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
                }
            },
            {"deleteSheet": {"sheetId": 0}},
        )
    assert (
        raised.value.message
        == "Invalid requests[1].deleteSheet: You can't remove all the sheets in a document."
    )
    assert model.state() == before


def test_a_bad_response_range_refuses_the_batch_and_changes_nothing(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["keep", "me"]])
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model(
            "spreadsheets_batch_update",
            spreadsheet_id=sid,
            body={
                "requests": [{"addSheet": {"properties": {"title": "New"}}}],
                "includeSpreadsheetInResponse": True,
                "responseRanges": ["NoSuchSheet!A1"],
            },
        )
    assert raised.value.code == 400
    assert model.state() == before


def test_the_updated_spreadsheet_shows_the_batch_s_changes(model: Model) -> None:
    sid = model.new_spreadsheet()
    answer = model(
        "spreadsheets_batch_update",
        spreadsheet_id=sid,
        body={
            "requests": [{"addSheet": {"properties": {"title": "New"}}}],
            "includeSpreadsheetInResponse": True,
            "responseRanges": ["New!A1"],
        },
    )
    titles = [s["properties"]["title"] for s in answer["updatedSpreadsheet"]["sheets"]]
    assert titles == ["New"]


def test_hiding_the_only_sheet_is_refused_as_google_words_it(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.batch(
            sid,
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "hidden": True},
                    "fields": "hidden",
                }
            },
        )
    assert raised.value.to_json("sheets")["error"] == {
        "code": 400,
        "message": "Invalid requests[0].updateSheetProperties: "
        "You can't hide all the sheets in a document.",
        "status": "INVALID_ARGUMENT",
    }


def test_replies_have_one_entry_per_request(model: Model) -> None:
    sid = model.new_spreadsheet()
    answer = model.batch(
        sid,
        {
            "addSheet": {
                "properties": {
                    "title": "data",
                    "gridProperties": {"rowCount": 10, "columnCount": 10},
                }
            }
        },
        {"updateSpreadsheetProperties": {"properties": {"locale": "fr_FR"}, "fields": "locale"}},
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "k",
                    "metadataValue": "v",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    added, empty, created = answer["replies"]
    assert added["addSheet"]["properties"]["title"] == "data"
    assert added["addSheet"]["properties"]["index"] == 1
    assert 0 < added["addSheet"]["properties"]["sheetId"] < 2**31
    assert empty == {}
    assert created["createDeveloperMetadata"]["developerMetadata"]["location"] == {
        "locationType": "SPREADSHEET",
        "spreadsheet": True,
    }


def test_sheet_ids_come_from_the_seed_so_a_replay_gives_the_same_ids(model: Model) -> None:
    again = Model()
    first = model.batch(model.new_spreadsheet(), {"addSheet": {"properties": {}}})
    second = again.batch(again.new_spreadsheet(), {"addSheet": {"properties": {}}})
    assert first["replies"] == second["replies"]
    assert model.state() == again.state()


def test_a_request_growing_the_workbook_past_10_million_cells_is_refused(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.batch(
            sid, {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 400_000}}
        )
    assert raised.value.message == (
        "Invalid requests[0].appendDimension: This action would increase the number of cells "
        "in the workbook above the limit of 10000000 cells."
    )


def test_inserting_a_column_moves_values_and_column_metadata_right(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["id", "name"], ["1", "ann"]])
    location = {
        "dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
    }
    model.batch(
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "column",
                    "metadataValue": "name",
                    "location": location,
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    model.batch(
        sid,
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
            }
        },
    )
    assert model.get(sid, "Sheet1")["values"] == [["id", "", "name"], ["1", "", "ann"]]
    found = model(
        "developer_metadata_search",
        spreadsheet_id=sid,
        body={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "column"}}]},
    )
    moved = found["matchedDeveloperMetadata"][0]["developerMetadata"]["location"]["dimensionRange"]
    assert (moved["startIndex"], moved["endIndex"]) == (2, 3)
    sheet = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][0]
    assert sheet["properties"]["gridProperties"]["columnCount"] == 27


def test_moving_and_deleting_columns_keeps_values_in_order(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a", "b", "c", "d"]])
    model.batch(
        sid,
        {
            "moveDimension": {
                "source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "destinationIndex": 3,
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:D1")["values"] == [["b", "c", "a", "d"]]
    model.batch(
        sid,
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 3}
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:D1")["values"] == [["b", "d"]]


def test_repeat_cell_writes_a_default_into_every_row_of_a_column(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["id", "version"], ["1"], ["2"]])
    model.batch(
        sid,
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 3,
                    "startColumnIndex": 1,
                    "endColumnIndex": 2,
                },
                "cell": {"userEnteredValue": {"numberValue": 0}},
                "fields": "userEnteredValue",
            }
        },
    )
    assert model.get(sid, "Sheet1", value_render_option="UNFORMATTED_VALUE")["values"] == [
        ["id", "version"],
        ["1", 0],
        ["2", 0],
    ]


def test_notes_and_formats_are_echoed_as_google_records_them(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {
            "updateCells": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 2,
                    "startColumnIndex": 1,
                    "endColumnIndex": 2,
                },
                "fields": "note",
                "rows": [{"values": [{"note": "Or don't"}]}],
            }
        },
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 1,
                },
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColor": {"green": 1, "blue": 0.4980392156862745}
                    }
                },
                "fields": "userEnteredFormat(backgroundColor)",
            }
        },
    )
    notes = model(
        "spreadsheets_get",
        spreadsheet_id=sid,
        ranges=["'Sheet1'!A2:C3"],
        fields="sheets.data.rowData.values.note",
    )
    assert notes == {"sheets": [{"data": [{"rowData": [{"values": [{}, {"note": "Or don't"}]}]}]}]}
    formats = model(
        "spreadsheets_get",
        spreadsheet_id=sid,
        ranges=["Sheet1!A1"],
        fields="sheets.data.rowData.values.userEnteredFormat",
    )
    cell = formats["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredFormat"] == {
        "backgroundColor": {"green": 1, "blue": 0.49803922},
        "backgroundColorStyle": {"rgbColor": {"green": 1, "blue": 0.49803922}},
    }


def test_merging_keeps_only_the_top_left_value(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["1", "2"], ["3", "4"]])
    model.batch(
        sid,
        {
            "mergeCells": {
                "mergeType": "MERGE_ALL",
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 2,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
            }
        },
    )
    assert model.get(sid, "Sheet1")["values"] == [["1"]]
    merges = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][0]["merges"]
    assert merges == [
        {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    ]


def test_sort_range_orders_rows_by_the_given_columns(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["Apple", "4"], ["Banana", "3"], ["Canada", "1"]])
    model.batch(
        sid,
        {
            "sortRange": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 3,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
                "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "ASCENDING"}],
            }
        },
    )
    assert model.get(sid, "Sheet1")["values"] == [["Canada", "1"], ["Banana", "3"], ["Apple", "4"]]


def test_protected_and_named_ranges_reply_without_sheet_id_zero(model: Model) -> None:
    sid = model.new_spreadsheet()
    grid = {
        "sheetId": 0,
        "startRowIndex": 0,
        "endRowIndex": 2,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }
    answer = model.batch(
        sid,
        {"addProtectedRange": {"protectedRange": {"range": grid, "warningOnly": True}}},
        {"addNamedRange": {"namedRange": {"name": "Totals", "range": grid}}},
    )
    protected = answer["replies"][0]["addProtectedRange"]["protectedRange"]
    named = answer["replies"][1]["addNamedRange"]["namedRange"]
    assert protected["range"] == {
        "startRowIndex": 0,
        "endRowIndex": 2,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }
    assert (protected["warningOnly"], protected["requestingUserCanEdit"], protected["editors"]) == (
        True,
        True,
        {},
    )
    assert named["name"] == "Totals" and named["namedRangeId"].isdigit()
    model.put(sid, "Totals", [["t"]])
    assert model.get(sid, "Totals")["values"] == [["t"]]


def test_update_and_delete_developer_metadata_by_lookup(model: Model) -> None:
    sid = model.new_spreadsheet()
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
                }
            }
        },
    )
    lookup = {"developerMetadataLookup": {"metadataId": 7}}
    updated = model.batch(
        sid,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [lookup],
                "developerMetadata": {"metadataValue": "b"},
                "fields": "metadataValue",
            }
        },
    )
    assert (
        updated["replies"][0]["updateDeveloperMetadata"]["developerMetadata"][0]["metadataValue"]
        == "b"
    )
    assert (
        model("developer_metadata_get", spreadsheet_id=sid, metadata_id=7)["metadataValue"] == "b"
    )
    deleted = model.batch(sid, {"deleteDeveloperMetadata": {"dataFilter": lookup}})
    assert (
        deleted["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"][0][
            "metadataId"
        ]
        == 7
    )
    assert (
        model("developer_metadata_search", spreadsheet_id=sid, body={"dataFilters": [lookup]}) == {}
    )


def test_a_bad_field_mask_in_update_named_range_is_a_400(model: Model) -> None:
    sid = model.new_spreadsheet()
    added = model.batch(
        sid, {"addNamedRange": {"namedRange": {"name": "Total", "range": {"sheetId": 0}}}}
    )
    named_id = added["replies"][0]["addNamedRange"]["namedRange"]["namedRangeId"]
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model.batch(
            sid,
            {
                "updateNamedRange": {
                    "namedRange": {"namedRangeId": named_id, "name": "Other"},
                    "fields": "name,(",
                }
            },
        )
    assert raised.value.code == 400
    assert (
        raised.value.message == "Invalid requests[0].updateNamedRange: Invalid field mask: name,("
    )
    assert model.state() == before


@pytest.mark.parametrize(
    "request_",
    [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": "abc"}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": [1]}}},
        {"addNamedRange": {"namedRange": {"name": "N", "range": {"sheetId": "x"}}}},
    ],
)
def test_malformed_request_values_are_a_400_not_a_500(
    model: Model, request_: dict[str, object]
) -> None:
    sid = model.new_spreadsheet()
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model.batch(sid, request_)
    assert raised.value.code == 400
    assert raised.value.message.startswith(f"Invalid requests[0].{next(iter(request_))}: ")
    assert model.state() == before


def _move_rows(start: int, end: int, destination: int) -> dict[str, object]:
    source = {"sheetId": 0, "dimension": "ROWS", "startIndex": start, "endIndex": end}
    return {"moveDimension": {"source": source, "destinationIndex": destination}}


def _rows(start: int, end: int) -> dict[str, int]:
    return {  # sheetId 0 is left out, as Google renders it
        "startRowIndex": start,
        "endRowIndex": end,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }


def test_a_move_that_moves_nothing_leaves_named_ranges_and_merges_alone(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {"addNamedRange": {"namedRange": {"name": "Block", "range": _rows(2, 4)}}},
        {"mergeCells": {"range": _rows(5, 7)}},
    )
    before = model("spreadsheets_get", spreadsheet_id=sid)
    for destination in (2, 3, 4):
        model.batch(sid, _move_rows(2, 4, destination))
    after = model("spreadsheets_get", spreadsheet_id=sid)
    assert after["namedRanges"] == before["namedRanges"]
    assert after["sheets"][0]["merges"] == before["sheets"][0]["merges"]


def test_spans_outside_the_moved_block_shift_with_their_rows(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {"addNamedRange": {"namedRange": {"name": "Moved", "range": _rows(0, 2)}}},
        {"addNamedRange": {"namedRange": {"name": "Below", "range": _rows(2, 4)}}},
        {"mergeCells": {"range": _rows(5, 7)}},
        {"mergeCells": {"range": _rows(12, 14)}},
    )
    model.batch(sid, _move_rows(0, 2, 10))
    got = model("spreadsheets_get", spreadsheet_id=sid)
    named = {n["name"]: n["range"] for n in got["namedRanges"]}
    assert named == {"Moved": _rows(8, 10), "Below": _rows(0, 2)}
    assert got["sheets"][0]["merges"] == [_rows(3, 5), _rows(12, 14)]
    model.batch(sid, _move_rows(8, 10, 0))  # and back up
    got = model("spreadsheets_get", spreadsheet_id=sid)
    named = {n["name"]: n["range"] for n in got["namedRanges"]}
    assert named == {"Moved": _rows(0, 2), "Below": _rows(2, 4)}
    assert got["sheets"][0]["merges"] == [_rows(5, 7), _rows(12, 14)]
