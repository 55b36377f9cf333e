"""values.get/update/append/clear on the state model, checked against Google's recorded answers."""

from __future__ import annotations

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator.exceptions import ApiError


def test_a_new_spreadsheet_has_sheet1_with_1000_rows_and_26_columns(model: Model) -> None:
    sid = model.new_spreadsheet("Budget")
    got = model("spreadsheets_get", spreadsheet_id=sid, include_grid_data=False)
    assert got["sheets"] == [
        {
            "properties": {
                "sheetId": 0,
                "title": "Sheet1",
                "index": 0,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": 1000, "columnCount": 26},
            }
        }
    ]
    assert got["properties"]["title"] == "Budget"
    assert got["properties"]["timeZone"] == "Etc/GMT"
    assert got["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"


def test_reads_trim_trailing_empty_cells_and_rows(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(
        sid,
        "Sheet1!A1:D4",
        [
            ["A1", "B1", "", "D1"],
            ["", "b2", "", ""],
            ["", "", "", ""],
            ["A4", "", "", ""],
        ],
    )
    got = model.get(sid, "Sheet1")
    assert got == {
        "range": "Sheet1!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4"]],
    }


def test_an_empty_range_has_no_values_key(model: Model) -> None:
    sid = model.new_spreadsheet()
    assert model.get(sid, "'Sheet1'!A1:C") == {"range": "Sheet1!A1:C1000", "majorDimension": "ROWS"}


def test_echoed_ranges_are_normalised_and_quoted_only_when_needed(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(sid, {"addSheet": {"properties": {"title": "My Sheet"}}})
    assert model.get(sid, "Sheet1!D4:A1")["range"] == "Sheet1!A1:D4"
    assert model.get(sid, "'Sheet1'!B1")["range"] == "Sheet1!B1"
    assert model.get(sid, "My Sheet!A2:2")["range"] == "'My Sheet'!A2:Z2"


def test_update_reports_the_range_shaped_by_the_data_written(model: Model) -> None:
    sid = model.new_spreadsheet()
    answer = model.put(sid, "Sheet1!B2", [["a", "b", "c"], ["d"]])
    assert answer == {
        "spreadsheetId": sid,
        "updatedRange": "Sheet1!B2:D3",
        "updatedRows": 2,
        "updatedColumns": 3,
        "updatedCells": 4,
    }


def test_writing_past_the_grid_is_refused_with_googles_message(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.put(sid, "Sheet1!A1000", [["x"], ["y"]])
    assert raised.value.code == 400
    assert raised.value.message == (
        "Range ('Sheet1'!A1000:A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    )


def test_raw_keeps_strings_and_user_entered_parses_them(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["=1+1", "42", "TRUE"]], option="RAW")
    model.put(
        sid, "Sheet1!A2", [["=4/2", "0042", "true", "2020-01-01", "12%"]], option="USER_ENTERED"
    )
    unformatted = model.get(sid, "Sheet1!A1:E2", value_render_option="UNFORMATTED_VALUE")["values"]
    assert unformatted == [["=1+1", "42", "TRUE"], [2, 42, True, 43831, 0.12]]
    formatted = model.get(sid, "Sheet1!A2:E2")["values"]
    assert formatted == [["2", "42", "TRUE", "2020-01-01", "12%"]]
    formula = model.get(sid, "Sheet1!A2", value_render_option="FORMULA")["values"]
    assert formula == [["=4/2"]]


def test_each_kind_renders_as_google_answers_it_under_formula(model: Model) -> None:
    """A formula as its text ("=A1", ValueRenderOption reference), numbers as JSON numbers and
    text as strings (recorded: gspread's test_get_all_records_value_render_options cassette),
    booleans as JSON booleans (ValueRange: "bool, string, and double"). Text that starts with
    "=" is its text, like a formula's: whether Google prefixes it with an apostrophe is
    unverified (docs/emulator.md); only userEnteredValue tells the two apart, and there the
    apostrophe typed to keep text is left out (ExtendedValue.stringValue reference)."""
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["=B1*2", "'=B1*2", "'007", "42", "TRUE"]], option="USER_ENTERED")
    model.put(sid, "Sheet1!A2", [["=B1*2", "007", True]], option="RAW")

    values = model.get(sid, "Sheet1!A1:E2", value_render_option="FORMULA")["values"]
    grid = model(
        "spreadsheets_get",
        spreadsheet_id=sid,
        ranges=["Sheet1!A1:E2"],
        fields="sheets.data.rowData.values.userEnteredValue",
    )["sheets"][0]["data"][0]["rowData"]

    assert values == [["=B1*2", "=B1*2", "007", 42, True], ["=B1*2", "007", True]]
    entered = [[cell["userEnteredValue"] for cell in row["values"]] for row in grid]
    assert entered == [
        [
            {"formulaValue": "=B1*2"},
            {"stringValue": "=B1*2"},
            {"stringValue": "007"},
            {"numberValue": 42},
            {"boolValue": True},
        ],
        [{"stringValue": "=B1*2"}, {"stringValue": "007"}, {"boolValue": True}],
    ]


def test_a_formula_that_is_not_literal_arithmetic_shows_its_own_text(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["=SUM(B1:B3)"]], option="USER_ENTERED")
    assert model.get(sid, "Sheet1!A1")["values"] == [["=SUM(B1:B3)"]]


def test_columns_major_dimension_transposes_and_trims(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a", "b"], ["c"], ["e", "f"]])
    got = model.get(sid, "Sheet1!A1:B3", major_dimension="COLUMNS")
    assert got["values"] == [["a", "c", "e"], ["b", "", "f"]]


def test_a_cell_longer_than_50000_characters_is_refused(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.put(sid, "Sheet1!A1", [["x" * 50_001]])
    assert raised.value.message == (
        "Your input contains more than the maximum of 50000 characters in a single cell."
    )


def test_append_finds_the_table_and_writes_below_it(model: Model) -> None:
    sid = model.new_spreadsheet()
    first = model(
        "values_append",
        spreadsheet_id=sid,
        range="'Sheet1'",
        body={"values": [["a", "b"]]},
        value_input_option="RAW",
    )
    second = model(
        "values_append",
        spreadsheet_id=sid,
        range="'Sheet1'",
        body={"values": [["c", "d"]]},
        value_input_option="RAW",
    )
    assert "tableRange" not in first
    assert first["updates"]["updatedRange"] == "Sheet1!A1:B1"
    assert second["tableRange"] == "Sheet1!A1:B1"
    assert second["updates"]["updatedRange"] == "Sheet1!A2:B2"


def test_append_after_a_row_with_a_gap_follows_googles_last_block(model: Model) -> None:
    # Recorded: WorksheetTest.test_append_row_with_empty_value.json
    sid = model.new_spreadsheet()
    row = [["v1", "", "v3"]]
    model(
        "values_append",
        spreadsheet_id=sid,
        range="'Sheet1'",
        body={"values": row},
        value_input_option="RAW",
    )
    second = model(
        "values_append",
        spreadsheet_id=sid,
        range="'Sheet1'",
        body={"values": row},
        value_input_option="RAW",
    )
    assert second["tableRange"] == "Sheet1!C1"
    assert second["updates"]["updatedRange"] == "Sheet1!C2:E2"


def test_append_with_insert_rows_pushes_the_rows_below_down(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["head"], ["x"], [""], ["below"]])
    model(
        "values_append",
        spreadsheet_id=sid,
        range="Sheet1!A1:A2",
        body={"values": [["new"]]},
        value_input_option="RAW",
        insert_data_option="INSERT_ROWS",
    )
    assert model.get(sid, "Sheet1!A1:A6")["values"] == [["head"], ["x"], ["new"], [], ["below"]]
    sheet = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][0]
    assert sheet["properties"]["gridProperties"]["rowCount"] == 1001


def test_clear_and_batch_clear_echo_the_cleared_ranges(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a", "b"], ["c", "d"]])
    assert (
        model("values_clear", spreadsheet_id=sid, range="'Sheet1'")["clearedRange"]
        == "Sheet1!A1:Z1000"
    )
    model.put(sid, "Sheet1!A1", [["a", "b"], ["c", "d"]])
    cleared = model(
        "values_batch_clear", spreadsheet_id=sid, body={"ranges": ["'Sheet1'!A1", "Sheet1!B2"]}
    )
    assert cleared["clearedRanges"] == ["Sheet1!A1", "Sheet1!B2"]
    assert model.get(sid, "Sheet1")["values"] == [["", "b"], ["c"]]


def test_batch_update_of_values_totals_the_writes(model: Model) -> None:
    sid = model.new_spreadsheet()
    body = {
        "valueInputOption": "RAW",
        "data": [
            {"range": "'Sheet1'!A1:D1", "values": [["A1", "B1", "", "D1"]]},
            {"range": "'Sheet1'!A4:D4", "values": [["A4", "B4", "", "D4"]]},
        ],
    }
    answer = model("values_batch_update", spreadsheet_id=sid, body=body)
    assert (
        answer["totalUpdatedRows"],
        answer["totalUpdatedCells"],
        answer["totalUpdatedSheets"],
    ) == (2, 8, 1)
    assert [r["updatedRange"] for r in answer["responses"]] == ["Sheet1!A1:D1", "Sheet1!A4:D4"]


def test_an_unknown_spreadsheet_is_404_requested_entity_was_not_found(model: Model) -> None:
    with pytest.raises(ApiError) as raised:
        model.get("missing", "A1")
    assert raised.value.to_json("sheets") == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }


def test_an_unknown_sheet_name_is_unable_to_parse_range(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.get(sid, "Nope!A1")
    assert raised.value.message == "Unable to parse range: Nope!A1"
