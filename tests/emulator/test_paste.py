"""copyPaste, cutPaste and autoResizeDimensions, over HTTP with gspread's own calls
(Worksheet.copy_range, cut_range, columns_auto_resize, rows_auto_resize) and on the model.

Sources: the CopyPasteRequest / CutPasteRequest / PasteType / AutoResizeDimensionsRequest
reference (descriptions quoted in batch/paste.py); for shifted formulas the copy semantics of
relative and absolute references in Google Sheets (ktktools.net 2016/05 "Relative Reference /
Absolute Reference"; "ABSOLUTE and RELATIVE CELL REFERENCE in GOOGLE SHEETS": "$A$1: Column and
Row do NOT change when copied. A$1: Row does NOT change ... $A1: Column does NOT change").
"""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from gspread.utils import PasteOrientation, ValueRenderOption
from model_helpers import Model

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.batch.paste import shift_formula
from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.transport import sheets_client

FORMULA = ValueRenderOption.formula


@pytest.fixture
def worksheet(server: EmulatorServer) -> gspread.Worksheet:
    worksheet = sheets_client(server.url).create("Paste").sheet1
    worksheet.update([["a", "b"], ["=1+2", "=A1&$B$1"]], "A1", raw=False)
    return worksheet


@pytest.mark.parametrize(
    ("formula", "rows", "cols", "shifted"),
    [
        pytest.param("=A1+B2", 1, 2, "=C2+D3", id="relative-both-parts-move"),
        pytest.param("=$A$1+B2", 3, 1, "=$A$1+C5", id="absolute-stays"),
        pytest.param("=A$1+$A1", 2, 2, "=C$1+$A3", id="mixed-anchors"),
        pytest.param("=D3+C7", -2, 3, "=G1+F5", id="bsosnovski-three-right-two-up"),
        pytest.param("=D$3+$C7", -2, 3, "=G$3+$C5", id="bsosnovski-mixed"),
        pytest.param("=SUM(A1:B2)", 1, 0, "=SUM(A2:B3)", id="range"),
        pytest.param("=SUM(A:A)+SUM(3:3)", 1, 1, "=SUM(B:B)+SUM(4:4)", id="whole-column-and-row"),
        pytest.param("='My Sheet'!A1*Other!B2", 0, 1, "='My Sheet'!B1*Other!C2", id="qualified"),
        pytest.param('=INDIRECT("A1")&"B2"', 1, 1, '=INDIRECT("A1")&"B2"', id="strings-untouched"),
        pytest.param("=VLOOKUP(A1,C:D,2,FALSE)", 1, 0, "=VLOOKUP(A2,C:D,2,FALSE)", id="numbers"),
        pytest.param("=MyRange*2", 5, 5, "=MyRange*2", id="named-range-by-name"),
        pytest.param("=A1", -1, 0, "=#REF!", id="off-the-grid-is-ref"),
    ],
)
def test_a_copied_formula_shifts_its_relative_references(
    formula: str, rows: int, cols: int, shifted: str
) -> None:
    assert shift_formula(formula, rows, cols) == shifted


def test_copy_range_pastes_values_and_shifted_formulas(worksheet: gspread.Worksheet) -> None:
    worksheet.copy_range("A1:B2", "D5")
    assert worksheet.get("D5:E6", value_render_option=FORMULA) == [
        ["a", "b"],
        ["=1+2", "=D5&$B$1"],
    ]
    assert worksheet.get("D6") == [["3"]]
    assert worksheet.get("A1:B2", value_render_option=FORMULA) == [
        ["a", "b"],
        ["=1+2", "=A1&$B$1"],
    ]


def test_a_destination_that_is_a_multiple_of_the_source_repeats_it(
    worksheet: gspread.Worksheet,
) -> None:
    # CopyPasteRequest.destination: "If the range covers a span that's a multiple of the
    # source's height or width, then the data will be repeated to fill in the destination".
    worksheet.copy_range("A1:B1", "D1:G2")
    assert worksheet.get("D1:G2") == [["a", "b", "a", "b"], ["a", "b", "a", "b"]]


def test_a_destination_smaller_or_not_a_multiple_gets_the_whole_source_once(
    worksheet: gspread.Worksheet,
) -> None:
    # "If the range is smaller than the source range, the entire source data will still be
    # copied (beyond the end of the destination range)."
    worksheet.copy_range("A1:B2", "D1")
    worksheet.copy_range("A1:B2", "G1:I3")
    assert worksheet.get("D1:I3", value_render_option=FORMULA) == [
        ["a", "b", "", "a", "b"],
        ["=1+2", "=D1&$B$1", "", "=1+2", "=G1&$B$1"],
    ]


def test_transpose_turns_rows_into_columns(worksheet: gspread.Worksheet) -> None:
    # A formula moves by the offset from its source cell to its target cell (B2 to E2: three
    # columns right); whether Google also transposes its references is unverified.
    worksheet.copy_range("A1:B2", "D1", paste_orientation=PasteOrientation.transpose)
    assert worksheet.get("D1:E2", value_render_option=FORMULA) == [
        ["a", "=1+2"],
        ["b", "=D1&$B$1"],
    ]


def test_paste_values_pastes_a_formula_s_value_and_no_format(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["=1+2", "x"]], option="USER_ENTERED")
    model.batch(sid, _bold("A1:B1"))
    model.batch(sid, _copy("A1:B1", "A3", "PASTE_VALUES"))
    assert model.get(sid, "Sheet1!A3:B3", value_render_option="FORMULA")["values"] == [[3, "x"]]
    assert _format(model, sid, 2, 0) is None


def test_paste_format_pastes_the_format_and_leaves_the_values(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["src"]])
    model.put(sid, "Sheet1!C1", [["keep"]])
    model.batch(sid, _bold("A1"))
    model.batch(sid, _copy("A1", "C1", "PASTE_FORMAT"))
    assert model.get(sid, "Sheet1!C1")["values"] == [["keep"]]
    assert _format(model, sid, 0, 2) == {"textFormat": {"bold": True}}


def test_paste_formula_pastes_values_and_formulas_without_formats(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["x", "=A1"]], option="USER_ENTERED")
    model.batch(sid, _bold("A1:B1"))
    model.batch(sid, _copy("A1:B1", "A2", "PASTE_FORMULA"))
    assert model.get(sid, "Sheet1!A2:B2", value_render_option="FORMULA")["values"] == [["x", "=A2"]]
    assert _format(model, sid, 1, 0) is None


def test_paste_normal_copies_merges_inside_the_source(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(sid, {"mergeCells": {"range": _grid("A1:B1"), "mergeType": "MERGE_ALL"}})
    model.batch(sid, _copy("A1:B2", "D4", "PASTE_NORMAL"))
    merges = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][0]["merges"]
    assert {"startRowIndex": 3, "endRowIndex": 4, "startColumnIndex": 3, "endColumnIndex": 5} in (
        merges
    )


def test_cut_range_moves_the_cells_and_clears_the_source(worksheet: gspread.Worksheet) -> None:
    worksheet.cut_range("A1:B2", "D4")
    assert worksheet.get("D4:E5", value_render_option=FORMULA) == [
        ["a", "b"],
        ["=1+2", "=A1&$B$1"],
    ]
    assert "values" not in worksheet.spreadsheet.values_get("Sheet1!A1:B2")


def test_cut_with_paste_values_still_cuts_everything(model: Model) -> None:
    # CutPasteRequest.pasteType: "All the source data will be cut, regardless of what is pasted."
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["x"]])
    model.batch(sid, _bold("A1"))
    model.batch(
        sid,
        {
            "cutPaste": {
                "source": _grid("A1"),
                "destination": {"sheetId": 0, "rowIndex": 0, "columnIndex": 3},
                "pasteType": "PASTE_VALUES",
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:D1")["values"] == [["", "", "", "x"]]
    assert _format(model, sid, 0, 0) is None and _format(model, sid, 0, 3) is None


def test_a_paste_past_the_grid_is_refused_and_changes_nothing(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["x", "y"]])
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model.batch(sid, _copy("A1:B1", "Z1", "PASTE_NORMAL"))
    assert "exceeds grid limits" in raised.value.message
    assert model.state() == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"pasteType": "PASTE_EVERYTHING"}, id="unknown-paste-type"),
        pytest.param({"pasteOrientation": "SIDEWAYS"}, id="unknown-orientation"),
        pytest.param({"pasteType": "PASTE_CONDITIONAL_FORMATTING"}, id="not-implemented"),
    ],
)
def test_a_copy_paste_the_server_cannot_apply_is_refused(
    model: Model, body: dict[str, Any]
) -> None:
    sid = model.new_spreadsheet()
    request = _copy("A1", "B1", "PASTE_NORMAL")
    request["copyPaste"].update(body)
    with pytest.raises(ApiError) as raised:
        model.batch(sid, request)
    assert raised.value.code == 400
    assert raised.value.message.startswith("Invalid requests[0].copyPaste: ")


def test_auto_resize_fits_a_column_to_its_text_as_google_s_recording_does(
    worksheet: gspread.Worksheet,
) -> None:
    # gspread's recording WorksheetTest.test_auto_resize_columns: 1,024 "A"s -> 8,691 pixels.
    worksheet.update_acell("C1", "A" * 1024)
    worksheet.columns_auto_resize(2, 4)
    metadata = worksheet.spreadsheet.fetch_sheet_metadata({"fields": "sheets.data.columnMetadata"})
    sizes = [c["pixelSize"] for c in metadata["sheets"][0]["data"][0]["columnMetadata"]]
    assert sizes[2:4] == [8691, 100]  # the empty column D keeps its width (unverified)


def test_auto_resize_keeps_columns_whose_text_fits_and_every_row(
    worksheet: gspread.Worksheet,
) -> None:
    # Approximated: a column only grows to its estimated text width; rows stay (batch/paste.py).
    worksheet.columns_auto_resize(0, 2)
    worksheet.rows_auto_resize(0, 2)
    metadata = worksheet.spreadsheet.fetch_sheet_metadata(
        {"includeGridData": "true", "ranges": "A1:B2"}
    )
    data = metadata["sheets"][0]["data"][0]
    assert [c["pixelSize"] for c in data["columnMetadata"]] == [100, 100]
    assert [r["pixelSize"] for r in data["rowMetadata"]] == [21, 21]


def test_auto_resize_past_the_grid_is_refused(worksheet: gspread.Worksheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as raised:
        worksheet.columns_auto_resize(0, 27)
    assert raised.value.response.status_code == 400


def _grid(a1: str) -> dict[str, Any]:
    return gspread.utils.a1_range_to_grid_range(a1, 0)


def _copy(source: str, destination: str, paste_type: str) -> dict[str, Any]:
    return {
        "copyPaste": {
            "source": _grid(source),
            "destination": _grid(destination),
            "pasteType": paste_type,
            "pasteOrientation": "NORMAL",
        }
    }


def _bold(a1: str) -> dict[str, Any]:
    return {
        "repeatCell": {
            "range": _grid(a1),
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold",
        }
    }


def _format(model: Model, sid: str, row: int, col: int) -> Any:
    got = model(
        "spreadsheets_get",
        spreadsheet_id=sid,
        fields="sheets.data.rowData.values.userEnteredFormat",
        ranges=[gspread.utils.rowcol_to_a1(row + 1, col + 1)],
    )
    data = got["sheets"][0]["data"][0]
    values = (data.get("rowData") or [{}])[0].get("values") or [{}]
    return values[0].get("userEnteredFormat")


def test_a_tab_copied_in_by_copy_to_pastes_onto_another_tab_and_goes_in_one_batch_update(
    server: EmulatorServer,
) -> None:
    """What a forced rollback's restore sends (restore.py): sheets.copyTo of a tab of another
    spreadsheet ("Copies a single sheet from a spreadsheet to another spreadsheet. Returns the
    properties of the newly created sheet.", spreadsheets.sheets/copyTo reference), then one
    batchUpdate: copyPaste PASTE_NORMAL ("values, formulas, formats and merges", PasteType)
    from that tab onto another at the same cells, and deleteSheet of the copied tab. The
    CopyPasteRequest's source and destination are GridRanges, each with its own sheetId."""
    client = sheets_client(server.url)
    backup = client.create("Backup").sheet1
    backup.update([["key", "n"], ["=B2*2", 7], ["'=text", True]], "A1", raw=False)
    backup.format("B2", {"textFormat": {"bold": True}})
    target = client.create("Target")
    sheet = target.sheet1
    sheet.update([["key", "n"], ["changed", 1], ["x", "y"]], "A1")
    copied = backup.copy_to(target.id)

    target.batch_update(
        {
            "requests": [
                {
                    "copyPaste": {
                        "source": _rows(copied["sheetId"], 1, 3),
                        "destination": _rows(sheet.id, 1, 3),
                        "pasteType": "PASTE_NORMAL",
                    }
                },
                {"deleteSheet": {"sheetId": copied["sheetId"]}},
            ]
        }
    )

    assert sheet.get("A2:B3", value_render_option=FORMULA) == [["=B2*2", 7], ["=text", True]]
    assert [tab.id for tab in target.worksheets()] == [sheet.id]
    entered = target.fetch_sheet_metadata(
        {
            "ranges": "A2:B3",
            "fields": "sheets.data.rowData.values(userEnteredValue,userEnteredFormat)",
        }
    )["sheets"][0]["data"][0]["rowData"]
    assert entered[1]["values"][0]["userEnteredValue"] == {"stringValue": "=text"}
    assert entered[0]["values"][1]["userEnteredFormat"]["textFormat"]["bold"] is True


def _rows(sheet_id: int, start: int, end: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": start,
        "endRowIndex": end,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }
