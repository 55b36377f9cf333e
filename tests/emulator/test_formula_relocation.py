"""Formula references follow rows, columns and tabs: a table of cases, the state model, HTTP.

Each case names the public source that shows the result (on Google where one was found; the
closest evidence otherwise, marked "unverified", as docs/emulator.md says). Indexes in the
changes are 0-based, ends exclusive, as in the API's DimensionRange: column F is index 5.
"""

from __future__ import annotations

import gspread
import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator import EmulatorServer, cells
from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.emulator.formula_refs import drop_sheet, relocate, rename_sheet
from pytest_sheetmigrate.emulator.grid import COLUMNS, ROWS, Change, Sheet
from pytest_sheetmigrate.emulator.spreadsheet import sheet_properties
from pytest_sheetmigrate.transport import sheets_client

# --- sources ----------------------------------------------------------------------------------
TILLER = "Tiller community, Fixed vs. Dynamic Column References (community.tillerhq.com/t/826)"
GSPREAD_284 = "gspread issue 284: the Sheets UI's row insertion recalculates cell refs"
JSPREADSHEET_192 = "jspreadsheet/pro issue 192: AVERAGE(B1:B$4) analogous to Google Sheets"
DEVELOPER_METADATA = "spreadsheets.developerMetadata reference: row 5 is now row 6"
TAOURL = "taourl.com/read-2218383: Google Sheets SUM(A2:A10) becomes SUM(A3:A11)"
PERFECTXL = "PerfectXL, Structure changes: columns and rows (VLOOKUP index, #REF)"
SHEETS_WIKI_QUERY = "sheets.wiki QUERY: the query string is text in its own syntax"
INDIRECT_TEXT = "google-behaviour.md: INDIRECT's text is not adjusted like a reference"
IRONCALC_340 = "ironcalc issue 340: SUM(A1:B1), column A deleted -> SUM(A1:A1) (Excel)"
UNIVER_1005 = "univer issue 1005: a deleted reference becomes #REF! in the text (Excel)"
JEGSWORKS = "jegsworks Inserting & Formulas: a row inserted below a range is outside it"
UNVERIFIED = "unverified"


def ins(start: int, count: int = 1) -> Change:
    return Change("insert", start, start + count)


def dele(start: int, end: int) -> Change:
    return Change("delete", start, end)


def move(start: int, end: int, destination: int) -> Change:
    return Change("move", start, end, destination)


def case(
    source: str,
    formula: str,
    dimension: str,
    change: Change,
    expected: str,
    *,
    own: str = "Sheet1",
    sheet: str = "Sheet1",
) -> object:
    return pytest.param(
        formula, own, sheet, dimension, change, expected, id=f"{formula} -> {expected} [{source}]"
    )


TWO_AT_F = ins(5, 2)  # two columns inserted at F

CASES = [
    # --- columns inserted ---------------------------------------------------------------------
    case(TILLER, "=J2*K2", COLUMNS, TWO_AT_F, "=L2*M2"),
    case(TILLER, "='Operaciones'!H2", COLUMNS, TWO_AT_F, "='Operaciones'!J2", sheet="Operaciones"),
    case(TILLER, "=Operaciones!H2", COLUMNS, TWO_AT_F, "=Operaciones!J2", sheet="Operaciones"),
    case(JSPREADSHEET_192, "=$J$2*K$2+$H3", COLUMNS, TWO_AT_F, "=$L$2*M$2+$J3"),
    case(TILLER, "=A2+E2", COLUMNS, TWO_AT_F, "=A2+E2"),
    case(TILLER, "=F2", COLUMNS, TWO_AT_F, "=H2"),
    case(JSPREADSHEET_192, "=SUM(B2:H2)", COLUMNS, TWO_AT_F, "=SUM(B2:J2)"),
    case(TILLER, "=SUM(F2:H2)", COLUMNS, TWO_AT_F, "=SUM(H2:J2)"),
    case(JEGSWORKS, "=SUM(A2:E2)", COLUMNS, TWO_AT_F, "=SUM(A2:E2)"),
    case(TILLER, '=SUMIF(D:D,"Food",H:H)', COLUMNS, TWO_AT_F, '=SUMIF(D:D,"Food",J:J)'),
    case(TILLER, "=SUM(H2:H)", COLUMNS, TWO_AT_F, "=SUM(J2:J)"),
    case(TILLER, "=SUM($H$2:$H)", COLUMNS, TWO_AT_F, "=SUM($J$2:$J)"),
    case(TILLER, "=SUM(3:3)", COLUMNS, TWO_AT_F, "=SUM(3:3)"),
    case(
        TILLER,
        '=SUMIF(Transactions!D:D,"Food",Transactions!E:E)',
        COLUMNS,
        ins(2),
        '=SUMIF(Transactions!E:E,"Food",Transactions!F:F)',
        own="Summary",
        sheet="Transactions",
    ),
    case(INDIRECT_TEXT, '=INDIRECT("H2")', COLUMNS, TWO_AT_F, '=INDIRECT("H2")'),
    case(
        SHEETS_WIKI_QUERY,
        '=QUERY(A:Z, "select H where J > 0")',
        COLUMNS,
        TWO_AT_F,
        '=QUERY(A:AB, "select H where J > 0")',
    ),
    case(
        "google-behaviour.md: IMPORTRANGE range strings",
        '=IMPORTRANGE("abc123", "Sheet1!H2:H9")',
        COLUMNS,
        TWO_AT_F,
        '=IMPORTRANGE("abc123", "Sheet1!H2:H9")',
    ),
    case(PERFECTXL, "=VLOOKUP(A2,B:H,4,FALSE)", COLUMNS, TWO_AT_F, "=VLOOKUP(A2,B:J,4,FALSE)"),
    case("issue 10: named ranges by name", "=MyRange*Rate", COLUMNS, TWO_AT_F, "=MyRange*Rate"),
    case(TILLER, "=Sheet2!H2", COLUMNS, TWO_AT_F, "=Sheet2!H2"),
    case(TILLER, "=H2", COLUMNS, TWO_AT_F, "=H2", own="Sheet2"),
    case(TILLER, "=Sheet1!H2", COLUMNS, TWO_AT_F, "=Sheet1!J2", own="Sheet2"),
    case(
        "a1.quote_title: '' escapes a quote",
        "='Bob''s tab'!H2+H2",
        COLUMNS,
        TWO_AT_F,
        "='Bob''s tab'!J2+H2",
        sheet="Bob's tab",
    ),
    case(TILLER, "={H2,I2;H3,I3}", COLUMNS, TWO_AT_F, "={J2,K2;J3,K3}"),
    case(TILLER, '="Sheet1!H2 "&H2', COLUMNS, TWO_AT_F, '="Sheet1!H2 "&J2'),
    case(TILLER, "=H2  +  1", COLUMNS, TWO_AT_F, "=J2  +  1"),
    case(UNVERIFIED + " (Google upper-cases on entry)", "=h2", COLUMNS, TWO_AT_F, "=J2"),
    # --- columns deleted ----------------------------------------------------------------------
    case(PERFECTXL, "=J2", COLUMNS, dele(5, 7), "=H2"),
    case(PERFECTXL, "=F2", COLUMNS, dele(5, 7), "=#REF!"),
    case(UNIVER_1005, "=SUM(A2+F2)", COLUMNS, dele(5, 6), "=SUM(A2+#REF!)"),
    case(PERFECTXL, "=SUM(B2:H2)", COLUMNS, dele(5, 7), "=SUM(B2:F2)"),
    case(IRONCALC_340, "=SUM(F2:H2)", COLUMNS, dele(5, 7), "=SUM(F2:F2)"),
    case(IRONCALC_340, "=SUM(A1:B1)", COLUMNS, dele(1, 2), "=SUM(A1:A1)"),
    case(PERFECTXL, "=SUM(F2:G2)", COLUMNS, dele(5, 7), "=SUM(#REF!)"),
    case(PERFECTXL, "=SUM(H:H)", COLUMNS, dele(5, 7), "=SUM(F:F)"),
    case(PERFECTXL, "=SUM(F:G)", COLUMNS, dele(5, 7), "=SUM(#REF!)"),
    case(PERFECTXL, "=SUM(E2:E)", COLUMNS, dele(5, 7), "=SUM(E2:E)"),
    case(PERFECTXL, "=VLOOKUP(A2,B:H,4,FALSE)", COLUMNS, dele(2, 3), "=VLOOKUP(A2,B:G,4,FALSE)"),
    case(
        UNVERIFIED + " (whole qualified operand)",
        "=Data!F2+Data!G2",
        COLUMNS,
        dele(5, 6),
        "=#REF!+Data!F2",
        own="Summary",
        sheet="Data",
    ),
    # --- rows inserted ------------------------------------------------------------------------
    case(TAOURL, "=SUM(A2:A10)", ROWS, ins(1), "=SUM(A3:A11)"),
    case(GSPREAD_284, "=SUM(A2:A10)", ROWS, ins(4), "=SUM(A2:A11)"),
    case(JEGSWORKS, "=SUM(A2:A10)", ROWS, ins(10), "=SUM(A2:A10)"),
    case(JEGSWORKS, "=SUM(A2:A10)", ROWS, ins(9), "=SUM(A2:A11)"),
    case(JSPREADSHEET_192, "=AVERAGE(B1:B$4)", ROWS, ins(2), "=AVERAGE(B1:B$5)"),
    case(DEVELOPER_METADATA, "=$A$5", ROWS, ins(0), "=$A$6"),
    case(GSPREAD_284, "=SUM(3:3)", ROWS, ins(1), "=SUM(4:4)"),
    case(TILLER, "=SUM(H:H)", ROWS, ins(1), "=SUM(H:H)"),
    case(TILLER, "=SUM(H2:H)", ROWS, ins(0), "=SUM(H3:H)"),
    case(TILLER, "=SUM(H2:H)", ROWS, ins(5), "=SUM(H2:H)"),
    case(TILLER, "=Sheet1!A5", ROWS, ins(0, 3), "=Sheet1!A8", own="Report"),
    # --- rows deleted -------------------------------------------------------------------------
    case(PERFECTXL, "=A5", ROWS, dele(2, 3), "=A4"),
    case(PERFECTXL, "=A3", ROWS, dele(2, 3), "=#REF!"),
    case(PERFECTXL, "=SUM(A2:A10)", ROWS, dele(4, 6), "=SUM(A2:A8)"),
    case(PERFECTXL, "=SUM(A2:A10)", ROWS, dele(0, 5), "=SUM(A1:A5)"),
    case(PERFECTXL, "=SUM(A2:A3)", ROWS, dele(0, 5), "=SUM(#REF!)"),
    case(PERFECTXL, "=SUM(3:4)", ROWS, dele(2, 4), "=SUM(#REF!)"),
    case(PERFECTXL, "=SUM(H2:H)", ROWS, dele(0, 1), "=SUM(H1:H)"),
    case(PERFECTXL, "=SUM(H2:H)", ROWS, dele(1, 3), "=SUM(H2:H)"),
    # --- moves: each cell follows its cell; a range's corners follow theirs (unverified) --------
    case(DEVELOPER_METADATA, "=A1+B1+D1", COLUMNS, move(0, 1, 3), "=C1+A1+D1"),
    case(DEVELOPER_METADATA, "=A1", ROWS, move(0, 1, 3), "=A3"),
    case(DEVELOPER_METADATA, "=A5", ROWS, move(0, 2, 10), "=A3"),
    case(DEVELOPER_METADATA, "=SUM(A1:A2)", ROWS, move(0, 2, 10), "=SUM(A9:A10)"),
    case(UNVERIFIED, "=SUM(A2:A10)", ROWS, move(11, 13, 4), "=SUM(A2:A12)"),
    case(
        DEVELOPER_METADATA,
        "='Data'!B2",
        COLUMNS,
        move(1, 2, 5),
        "='Data'!E2",
        own="Summary",
        sheet="Data",
    ),
]


@pytest.mark.parametrize(("formula", "own", "sheet", "dimension", "change", "expected"), CASES)
def test_a_reference_follows_its_cells_as_google_rewrites_it(
    formula: str, own: str, sheet: str, dimension: str, change: Change, expected: str
) -> None:
    assert relocate(formula, own, sheet, dimension, change) == expected


def test_the_table_has_a_case_of_every_shape_under_every_change() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # Excel writes Sheet!#REF! (ClosedXML PR 2728); Google's text is unverified: #REF! alone.
        pytest.param("=Data!A1*2", "=#REF!*2", id="a qualified cell [unverified]"),
        pytest.param("=SUM('Data'!B:B)+A1", "=SUM(#REF!)+A1", id="quoted, a column [unverified]"),
        pytest.param("=Other!A1+data!A2", "=Other!A1+#REF!", id="titles case-insensitive"),
        pytest.param('="Data!A1"', '="Data!A1"', id="a string literal is untouched"),
    ],
)
def test_references_to_a_deleted_tab_become_ref_errors(formula: str, expected: str) -> None:
    assert drop_sheet(formula, "Data") == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # Unverified on Google; the closest evidence is Excel's (sumproduct.com, "Formulae
        # Referencing Current Worksheet": "I can rename the sheet, the formula will update").
        pytest.param("=Data!A1", "='My Data'!A1", id="quoted when the new title needs it"),
        pytest.param("='Data'!A1:B2", "='My Data'!A1:B2", id="an already quoted prefix"),
        pytest.param("=A1+Datas!A1", "=A1+Datas!A1", id="other titles and own refs untouched"),
        pytest.param('=INDIRECT("Data!A1")', '=INDIRECT("Data!A1")', id="string untouched"),
    ],
)
def test_references_to_a_renamed_tab_name_the_new_title(formula: str, expected: str) -> None:
    assert rename_sheet(formula, "Data", "My Data") == expected


def test_a_formula_that_does_not_tokenize_is_left_as_it_is() -> None:
    assert relocate("=SUM(F2))", "Sheet1", "Sheet1", COLUMNS, TWO_AT_F) == "=SUM(F2))"


# --- the grid: copy-on-write ------------------------------------------------------------------


def _sheet() -> Sheet:
    sheet = Sheet(sheet_properties(0, "Sheet1", 0, 100, 26))
    sheet.write(0, 0, [["a", cells.number(1)], [cells.formula("=B1*2"), "x"], ["plain"]])
    return sheet


def test_rewriting_formulas_replaces_only_the_rows_that_change() -> None:
    committed = _sheet()
    working = committed.clone()
    changed = working.rewrite_formulas(lambda text: text.replace("B1", "C1"))
    assert changed == 1
    assert working.cell(1, 0).formula == "=C1*2"  # type: ignore[attr-defined]
    assert str(working.cell(1, 0)) == "=C1*2"  # display and value follow the new text
    assert committed.cell(1, 0).formula == "=B1*2"  # type: ignore[attr-defined]
    assert working.rows[0] is committed.rows[0] and working.rows[2] is committed.rows[2]
    assert working.rows[1] is not committed.rows[1]


def test_a_sheet_never_given_a_formula_is_not_scanned() -> None:
    sheet = Sheet(sheet_properties(0, "Sheet1", 0, 100, 26))
    sheet.write(0, 0, [[cells.number(r), f"v{r}"] for r in range(50)])
    calls: list[str] = []
    assert sheet.rewrite_formulas(lambda text: calls.append(text) or text) == 0
    assert not sheet.may_have_formulas and calls == []


def test_a_sheet_whose_formulas_were_all_overwritten_stops_being_scanned() -> None:
    sheet = _sheet()
    sheet.write(1, 0, [["no longer a formula"]])
    assert sheet.may_have_formulas
    sheet.rewrite_formulas(lambda text: text)
    assert not sheet.may_have_formulas


def test_a_sheet_from_a_snapshot_older_than_the_flag_is_scanned() -> None:
    state = dict(_sheet().__dict__)
    del state["may_have_formulas"]
    restored = Sheet.__new__(Sheet)
    restored.__setstate__(state)
    assert restored.may_have_formulas
    assert restored.rewrite_formulas(lambda text: text.replace("B1", "C1")) == 1


# --- the state model: every tab, deleteSheet, rename, resize -----------------------------------


def _formulas(model: Model, sid: str, range_: str) -> list[list[object]]:
    return model.get(sid, range_, value_render_option="FORMULA").get("values", [])  # type: ignore[no-any-return]


def _two_tabs(model: Model) -> str:
    sid = model.new_spreadsheet()
    model.batch(sid, {"addSheet": {"properties": {"sheetId": 7, "title": "Resumen"}}})
    model.put(sid, "Sheet1!A1", [["=H2+A1", "=SUM(H:H)"]], option="USER_ENTERED")
    model.put(sid, "Resumen!A1", [["='Sheet1'!H2", "=H2"]], option="USER_ENTERED")
    return sid


def _columns(start: int, end: int, sheet_id: int = 0) -> dict[str, object]:
    return {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}


def test_inserted_columns_relocate_references_in_every_tab(model: Model) -> None:
    sid = _two_tabs(model)
    model.batch(sid, {"insertDimension": {"range": _columns(5, 7)}})
    assert _formulas(model, sid, "Sheet1!A1:B1") == [["=J2+A1", "=SUM(J:J)"]]
    assert _formulas(model, sid, "Resumen!A1:B1") == [["='Sheet1'!J2", "=H2"]]
    shown = model.get(sid, "Resumen!A1")["values"]
    assert shown == [["='Sheet1'!J2"]]  # not evaluated: the display is the new text


def test_deleted_and_moved_columns_relocate_references(model: Model) -> None:
    sid = _two_tabs(model)
    model.batch(sid, {"moveDimension": {"source": _columns(7, 8), "destinationIndex": 2}})
    assert _formulas(model, sid, "Resumen!A1") == [["='Sheet1'!C2"]]
    model.batch(sid, {"deleteDimension": {"range": _columns(2, 3)}})
    assert _formulas(model, sid, "Sheet1!A1:B1") == [["=#REF!+A1", "=SUM(#REF!)"]]
    assert _formulas(model, sid, "Resumen!A1") == [["=#REF!"]]


def test_a_grid_shrunk_by_update_sheet_properties_deletes_what_it_cuts_off(model: Model) -> None:
    sid = _two_tabs(model)
    model.batch(
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"columnCount": 5}},
                "fields": "gridProperties.columnCount",
            }
        },
    )
    assert _formulas(model, sid, "Resumen!A1:B1") == [["=#REF!", "=H2"]]


def test_deleting_a_tab_makes_references_to_it_ref_errors(model: Model) -> None:
    sid = _two_tabs(model)
    model.batch(sid, {"deleteSheet": {"sheetId": 0}})
    assert _formulas(model, sid, "Resumen!A1:B1") == [["=#REF!", "=H2"]]


def test_renaming_a_tab_renames_references_to_it(model: Model) -> None:
    sid = _two_tabs(model)
    model.batch(
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "title": "Operaciones 2024"},
                "fields": "title",
            }
        },
    )
    assert _formulas(model, sid, "Resumen!A1:B1") == [["='Operaciones 2024'!H2", "=H2"]]
    assert _formulas(model, sid, "'Operaciones 2024'!A1") == [["=H2+A1"]]


def test_a_failed_batch_leaves_every_formula_as_it_was(model: Model) -> None:
    sid = _two_tabs(model)
    with pytest.raises(ApiError, match="No grid with id"):
        model.batch(
            sid,
            {"insertDimension": {"range": _columns(0, 3)}},
            {"deleteDimension": {"range": _columns(0, 1, sheet_id=99)}},
        )
    assert _formulas(model, sid, "Resumen!A1") == [["='Sheet1'!H2"]]


# --- anchored objects keep to their cells (merges, protected ranges, filter, named ranges) -----


def test_anchored_ranges_shift_grow_and_shrink_with_columns(model: Model) -> None:
    sid = model.new_spreadsheet()
    span = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2}
    block = {**span, "startColumnIndex": 2, "endColumnIndex": 5}  # C1:E2
    model.batch(
        sid,
        {"addNamedRange": {"namedRange": {"name": "Block", "range": dict(block)}}},
        {"addProtectedRange": {"protectedRange": {"range": dict(block)}}},
        {"mergeCells": {"range": dict(block), "mergeType": "MERGE_ALL"}},
        {"setBasicFilter": {"filter": {"range": dict(block)}}},
    )

    def columns() -> set[tuple[int, int]]:
        got = model("spreadsheets_get", spreadsheet_id=sid)
        sheet = got["sheets"][0]
        ranges = [
            got["namedRanges"][0]["range"],
            sheet["protectedRanges"][0]["range"],
            sheet["merges"][0],
            sheet["basicFilter"]["range"],
        ]
        return {(r["startColumnIndex"], r["endColumnIndex"]) for r in ranges}

    model.batch(sid, {"insertDimension": {"range": _columns(1, 2)}})  # before: shifts
    assert columns() == {(3, 6)}
    model.batch(sid, {"insertDimension": {"range": _columns(4, 5)}})  # inside: grows
    assert columns() == {(3, 7)}
    model.batch(sid, {"insertDimension": {"range": _columns(7, 8)}})  # just past: no growth
    assert columns() == {(3, 7)}
    model.batch(sid, {"deleteDimension": {"range": _columns(2, 5)}})  # loses two: shrinks
    assert columns() == {(2, 4)}


# --- over HTTP with gspread -------------------------------------------------------------------


@pytest.fixture
def spreadsheet(server: EmulatorServer) -> gspread.Spreadsheet:
    client = sheets_client(server.url)
    spreadsheet = client.create("Relocation")
    spreadsheet.sheet1.update_title("Operaciones")
    spreadsheet.add_worksheet("Resumen", rows=10, cols=5)
    return spreadsheet


def _insert_columns(spreadsheet: gspread.Spreadsheet, start: int, end: int) -> None:
    sheet_id = spreadsheet.worksheet("Operaciones").id
    spreadsheet.batch_update(
        {"requests": [{"insertDimension": {"range": _columns(start, end, sheet_id)}}]}
    )


def test_two_columns_inserted_at_f_move_a_formula_right_over_http(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    sheet = spreadsheet.worksheet("Operaciones")
    sheet.update([["=J2*K2"]], "L2", value_input_option="USER_ENTERED")
    _insert_columns(spreadsheet, 5, 7)
    got = sheet.get("N2", value_render_option=gspread.utils.ValueRenderOption.formula)
    assert got == [["=L2*M2"]]


def test_a_reference_from_another_tab_moves_over_http(spreadsheet: gspread.Spreadsheet) -> None:
    summary = spreadsheet.worksheet("Resumen")
    summary.update([["='Operaciones'!H2", "=H2"]], "A1", value_input_option="USER_ENTERED")
    _insert_columns(spreadsheet, 5, 7)
    got = summary.get("A1:B1", value_render_option=gspread.utils.ValueRenderOption.formula)
    assert got == [["='Operaciones'!J2", "=H2"]]


def test_deleting_the_referenced_rows_gives_ref_over_http(spreadsheet: gspread.Spreadsheet) -> None:
    summary = spreadsheet.worksheet("Resumen")
    summary.update(
        [["=SUM(Operaciones!A2:A3)+Operaciones!A5"]], "A1", value_input_option="USER_ENTERED"
    )
    spreadsheet.worksheet("Operaciones").delete_rows(2, 3)
    got = summary.get("A1", value_render_option=gspread.utils.ValueRenderOption.formula)
    assert got == [["=SUM(#REF!)+Operaciones!A3"]]


def test_renaming_a_tab_renames_its_references_over_http(spreadsheet: gspread.Spreadsheet) -> None:
    summary = spreadsheet.worksheet("Resumen")
    summary.update([["=Operaciones!B2"]], "A1", value_input_option="USER_ENTERED")
    spreadsheet.worksheet("Operaciones").update_title("Ops 2024")
    got = summary.get("A1", value_render_option=gspread.utils.ValueRenderOption.formula)
    assert got == [["='Ops 2024'!B2"]]


def test_column_metadata_follows_its_column_and_goes_with_it(model: Model) -> None:
    # spreadsheets.developerMetadata reference: metadata "will remain associated at those
    # locations as they move around ... If the associated object is deleted its metadata is
    # deleted too".
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "column",
                    "location": {"dimensionRange": _columns(2, 3)},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )

    def spans() -> list[tuple[int, int]]:
        found = model(
            "developer_metadata_search",
            spreadsheet_id=sid,
            body={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "column"}}]},
        ).get("matchedDeveloperMetadata", [])
        ranges = [m["developerMetadata"]["location"]["dimensionRange"] for m in found]
        return [(r["startIndex"], r["endIndex"]) for r in ranges]

    model.batch(sid, {"deleteDimension": {"range": _columns(0, 1)}})
    assert spans() == [(1, 2)]
    model.batch(sid, {"moveDimension": {"source": _columns(1, 2), "destinationIndex": 5}})
    assert spans() == [(4, 5)]
    model.batch(sid, {"deleteDimension": {"range": _columns(4, 5)}})
    assert spans() == []
