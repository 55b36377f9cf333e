"""Data validation, conditional formats and inherited inserts over real HTTP with real gspread.

The semantics are tested with the model (test_model_rules.py); here gspread's own calls
(Worksheet.add_validation, Worksheet.insert_cols, Spreadsheet.batch_update and
fetch_sheet_metadata) reach them and read them back where Google returns them.
"""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from gspread.utils import ValidationConditionType

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def spreadsheet(server: EmulatorServer) -> gspread.Spreadsheet:
    return sheets_client(server.url).create("Rules")


def test_gspread_add_validation_is_returned_in_each_cell_s_data_validation(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    # gspread 6.2.1's Worksheet.add_validation sends setDataValidation (inputMessage null);
    # CellData.dataValidation is where spreadsheets.get returns the rule.
    worksheet = spreadsheet.sheet1
    worksheet.add_validation(
        "B2:B3", ValidationConditionType.one_of_list, ["Yes", "No"], showCustomUi=True
    )
    metadata = spreadsheet.fetch_sheet_metadata(
        params={
            "includeGridData": "true",
            "ranges": "Sheet1!B2:B3",
            "fields": "sheets.data.rowData.values.dataValidation",
        }
    )
    rows = metadata["sheets"][0]["data"][0]["rowData"]
    expected = {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": "Yes"}, {"userEnteredValue": "No"}],
        },
        "showCustomUi": True,
    }
    assert [row["values"][0]["dataValidation"] for row in rows] == [expected, expected]


def test_a_refused_validation_rule_raises_gspread_s_api_error(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    # BLANK is "Supported by conditional formatting and filters" only (ConditionType enum).
    with pytest.raises(gspread.exceptions.APIError) as raised:
        spreadsheet.sheet1.add_validation("A1", ValidationConditionType.blank, [])
    assert raised.value.response.status_code == 400
    assert "setDataValidation" in str(raised.value)


def _rule(kind: str, column: int) -> dict[str, Any]:
    return {
        "ranges": [
            {
                "sheetId": 0,
                "startRowIndex": 1,
                "startColumnIndex": column,
                "endColumnIndex": column + 1,
            }
        ],
        "booleanRule": {"condition": {"type": kind}, "format": {"textFormat": {"bold": True}}},
    }


def _conditional_formats(spreadsheet: gspread.Spreadsheet) -> list[dict[str, Any]]:
    metadata = spreadsheet.fetch_sheet_metadata(
        params={"fields": "sheets(properties.sheetId,conditionalFormats)"}
    )
    return list(metadata["sheets"][0].get("conditionalFormats", []))


def test_conditional_format_rules_are_added_moved_and_deleted_through_batch_update(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    # The Add/Update/DeleteConditionalFormatRule requests and their Response messages;
    # Sheet.conditionalFormats read back with a field mask.
    spreadsheet.batch_update(
        {
            "requests": [
                {"addConditionalFormatRule": {"rule": _rule("BLANK", 0), "index": 0}},
                {"addConditionalFormatRule": {"rule": _rule("NOT_BLANK", 1), "index": 1}},
            ]
        }
    )
    moved = spreadsheet.batch_update(
        {"requests": [{"updateConditionalFormatRule": {"index": 1, "newIndex": 0, "sheetId": 0}}]}
    )
    assert moved["replies"][0]["updateConditionalFormatRule"]["oldIndex"] == 1
    kinds = [r["booleanRule"]["condition"]["type"] for r in _conditional_formats(spreadsheet)]
    assert kinds == ["NOT_BLANK", "BLANK"]
    deleted = spreadsheet.batch_update(
        {"requests": [{"deleteConditionalFormatRule": {"index": 0, "sheetId": 0}}]}
    )
    rule = deleted["replies"][0]["deleteConditionalFormatRule"]["rule"]
    assert rule["booleanRule"]["condition"] == {"type": "NOT_BLANK"}
    assert rule["ranges"] == [{"startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2}]
    assert len(_conditional_formats(spreadsheet)) == 1


def test_gspread_insert_cols_inheriting_from_before_copies_the_left_column_s_format(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    # InsertDimensionRequest.inheritFromBefore, sent by Worksheet.insert_cols(...,
    # inherit_from_before=True) as the migration's columns step sends it.
    worksheet = spreadsheet.sheet1
    worksheet.update([["id", "name"], ["1", "ann"]], "A1")
    worksheet.format("A1:A2", {"backgroundColor": {"red": 1}})
    worksheet.add_validation("A2", ValidationConditionType.number_greater, ["0"], strict=True)
    worksheet.insert_cols([["version", "0"]], col=2, inherit_from_before=True)
    metadata = spreadsheet.fetch_sheet_metadata(
        params={
            "includeGridData": "true",
            "ranges": "Sheet1!A1:C2",
            "fields": "sheets.data.rowData.values(formattedValue,userEnteredFormat,dataValidation)",
        }
    )
    rows = [row["values"] for row in metadata["sheets"][0]["data"][0]["rowData"]]
    assert [[cell.get("formattedValue") for cell in row] for row in rows] == [
        ["id", "version", "name"],
        ["1", "0", "ann"],
    ]
    assert [row[1]["userEnteredFormat"]["backgroundColor"] for row in rows] == [{"red": 1}] * 2
    assert rows[1][1]["dataValidation"]["condition"]["type"] == "NUMBER_GREATER"
    assert "userEnteredFormat" not in rows[0][2]
