"""The engine's relocation prediction: a table of cases, each checked twice, against the
expected text and against what the local server answers after the same batchUpdate.

Each case names the public source that shows the result (google-behaviour.md collects them;
docs/emulator.md "Formula relocation" lists the same), or "unverified". The requests have the
shape ``plan.Plan.columns_requests()`` gives them: 0-based indexes, ends exclusive,
``destinationIndex`` before removal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gspread
import pytest
from live_sheet import SCHEMA, LiveSheet

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.errors import UnreadableFormulaError
from pytest_sheetmigrate.formulas.relocation import (
    Relocator,
    column_positions,
    index_map,
    inverse_positions,
    letter_map,
    relocate,
)
from pytest_sheetmigrate.plan import Plan
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.transport import sheets_client

TILLER = "Tiller community, Fixed vs. Dynamic Column References"
JSPREADSHEET_192 = "jspreadsheet/pro issue 192: AVERAGE(B1:B$4) analogous to Google Sheets"
JEGSWORKS = "jegsworks Inserting & Formulas: an insert past a range's end is outside it (Excel)"
DEVELOPER_METADATA = "spreadsheets.developerMetadata reference: cells follow their moves"
PERFECTXL = "PerfectXL, Structure changes: numbers are not rewritten"
SHEETS_WIKI_QUERY = "sheets.wiki QUERY: the query string is text in its own syntax"
UNVERIFIED = "unverified"

Requests = Callable[[int], list[dict[str, Any]]]
"""The requests of a case, for the migrated tab's sheetId."""


def _span(sheet_id: int, start: int, end: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}


def insert(start: int, count: int = 1) -> Requests:
    return lambda sheet_id: [
        {
            "insertDimension": {
                "range": _span(sheet_id, start, start + count),
                "inheritFromBefore": start > 0,
            }
        }
    ]


def move(source: int, destination: int) -> Requests:
    return lambda sheet_id: [
        {
            "moveDimension": {
                "source": _span(sheet_id, source, source + 1),
                "destinationIndex": destination,
            }
        }
    ]


def steps(*parts: Requests) -> Requests:
    return lambda sheet_id: [request for part in parts for request in part(sheet_id)]


TWO_AT_F = insert(5, 2)
DATA, SUMMARY, MY_TAB, QUOTED = "Data", "Summary", "My tab", "It's"


def case(
    source: str, formula: str, requests: Requests, expected: str, *, own: str = DATA,
    changed: str = DATA,
) -> Any:  # fmt: skip
    return pytest.param(formula, own, changed, requests, expected, id=f"{formula} [{source}]")


CASES = [
    case(TILLER, "=J2*K2", TWO_AT_F, "=L2*M2"),
    case(TILLER, "=Data!H2", TWO_AT_F, "=Data!J2", own=SUMMARY),
    case(TILLER, "='Data'!H2", TWO_AT_F, "='Data'!J2", own=SUMMARY),
    case(UNVERIFIED, "=data!H2", TWO_AT_F, "=data!J2", own=SUMMARY),
    case(TILLER, "=SUM('My tab'!H:H)", TWO_AT_F, "=SUM('My tab'!J:J)", own=SUMMARY, changed=MY_TAB),
    case(TILLER, "='It''s'!H2", TWO_AT_F, "='It''s'!J2", own=SUMMARY, changed=QUOTED),
    case(JSPREADSHEET_192, "=$J$2*K$2+$H3", TWO_AT_F, "=$L$2*M$2+$J3"),
    case(TILLER, "=A2+E2", TWO_AT_F, "=A2+E2"),
    case(TILLER, "=F2", TWO_AT_F, "=H2"),
    case(JSPREADSHEET_192, "=SUM(B2:H2)", TWO_AT_F, "=SUM(B2:J2)"),
    case(TILLER, "=SUM(F2:H2)", TWO_AT_F, "=SUM(H2:J2)"),
    case(JEGSWORKS, "=SUM(A2:E2)", TWO_AT_F, "=SUM(A2:E2)"),
    case(TILLER, '=SUMIF(D:D,"Food",H:H)', TWO_AT_F, '=SUMIF(D:D,"Food",J:J)'),
    case(TILLER, "=SUM(H2:H)", TWO_AT_F, "=SUM(J2:J)"),
    case(TILLER, "=SUM($H$2:$H)", TWO_AT_F, "=SUM($J$2:$J)"),
    case(TILLER, "=SUM(3:3)", TWO_AT_F, "=SUM(3:3)"),
    case(TILLER, "=H2", TWO_AT_F, "=H2", own=SUMMARY),
    case(TILLER, "=Summary!H2", TWO_AT_F, "=Summary!H2"),
    case(
        SHEETS_WIKI_QUERY,
        '=QUERY(Data!A:Z,"select H")',
        TWO_AT_F,
        '=QUERY(Data!A:AB,"select H")',
        own=SUMMARY,
    ),  # fmt: skip
    case(
        PERFECTXL,
        "=VLOOKUP(A2, Data!A:Z, 9, FALSE)",
        TWO_AT_F,
        "=VLOOKUP(A2, Data!A:AB, 9, FALSE)",
        own=SUMMARY,
    ),  # fmt: skip
    case(TILLER, "=J2 *  K2 + 1", TWO_AT_F, "=L2 *  M2 + 1"),
    case(TILLER, "=A2", insert(0), "=B2"),
    case(UNVERIFIED, "=sum(h2)+a2", TWO_AT_F, "=sum(J2)+a2"),
    case(UNVERIFIED, "=Data!H2:Data!H3", TWO_AT_F, "=Data!H2:Data!H3", own=SUMMARY),
    case(TILLER, "=SUM(Data!$A$1:$Z$99)", TWO_AT_F, "=SUM(Data!$A$1:$AB$99)", own=SUMMARY),
    case(TILLER, "=Data!2:2", TWO_AT_F, "=Data!2:2", own=SUMMARY),
    case(TILLER, "=Prices*2", TWO_AT_F, "=Prices*2"),
    case(JEGSWORKS, "=SUM(A2:Z2)+Z3", insert(26, 2), "=SUM(A2:Z2)+Z3"),
    case(DEVELOPER_METADATA, "=A2+B2+C2+D2", move(0, 3), "=C2+A2+B2+D2"),
    case(DEVELOPER_METADATA, "=H2&C2", move(7, 2), "=C2&D2"),
    case(UNVERIFIED, "=SUM(C2:H2)", move(7, 2), "=SUM(C2:D2)"),
    case(DEVELOPER_METADATA, "=J2+F2", steps(move(9, 2), TWO_AT_F), "=C2+I2"),
    case(DEVELOPER_METADATA, "=Data!J2", steps(move(9, 2), TWO_AT_F), "=Data!C2", own=SUMMARY),
]


@pytest.mark.parametrize(("formula", "own", "changed", "requests", "expected"), CASES)
def test_the_prediction_matches_the_case(
    formula: str, own: str, changed: str, requests: Requests, expected: str
) -> None:
    assert relocate(formula, own, changed, requests(0)) == expected


FORMULA_COLUMN = 35
"""Where each case's formula is written (column AJ): right of every change in the table."""
FORMULA_ROW = 30


@pytest.mark.parametrize(("formula", "own", "changed", "requests", "expected"), CASES)
def test_the_prediction_matches_the_local_server(
    sheets_server: EmulatorServer,
    formula: str,
    own: str,
    changed: str,
    requests: Requests,
    expected: str,
) -> None:
    spreadsheet = sheets_client(sheets_server.url).create("Relocation cross-check")
    spreadsheet.sheet1.update_title(DATA)
    spreadsheet.sheet1.resize(rows=40, cols=40)
    for title in (SUMMARY, MY_TAB, QUOTED):
        spreadsheet.add_worksheet(title, rows=40, cols=40)
    cell = gspread.utils.rowcol_to_a1(FORMULA_ROW, FORMULA_COLUMN + 1)
    spreadsheet.worksheet(own).update([[formula]], cell, value_input_option="USER_ENTERED")
    sent = requests(spreadsheet.worksheet(changed).id)
    spreadsheet.batch_update({"requests": sent})

    moved = index_map(sent)(FORMULA_COLUMN) if own == changed else FORMULA_COLUMN
    now = gspread.utils.rowcol_to_a1(FORMULA_ROW, moved + 1)
    render = gspread.utils.ValueRenderOption.formula
    answered = spreadsheet.worksheet(own).get(now, value_render_option=render)
    assert answered == [[relocate(formula, own, changed, sent)]]


def test_the_letter_map_names_every_column_that_moves() -> None:
    assert letter_map(TWO_AT_F(0), 8) == {"F": "H", "G": "I", "H": "J"}
    assert letter_map(move(0, 3)(0), 4) == {"A": "C", "B": "A", "C": "B"}
    assert letter_map(insert(8, 2)(0), 8) == {}


def test_positions_and_their_inverse_give_each_column_back() -> None:
    requests = steps(move(9, 2), TWO_AT_F)(0)
    positions = column_positions(requests, 12)
    assert positions == [0, 1, 3, 4, 7, 8, 9, 10, 11, 2, 12, 13]
    inverse = inverse_positions(requests, 12)
    assert {inverse[new] for new in positions} == set(range(12))
    assert 5 not in inverse and 6 not in inverse  # the inserted columns had no old index


def test_a_formula_that_does_not_tokenize_is_refused_not_guessed() -> None:
    with pytest.raises(UnreadableFormulaError):
        relocate("=SUM(H2:H", DATA, DATA, TWO_AT_F(0))


def test_a_delete_is_refused_rather_than_mispredicted() -> None:
    delete = [{"deleteDimension": {"range": _span(0, 2, 3)}}]
    with pytest.raises(ValueError, match="deleteDimension"):
        relocate("=H2", DATA, DATA, delete)


def test_the_demo_plans_requests_relocate_the_total_column() -> None:
    """The demo migration (2.1 -> 3.0) inserts Ocupado_Por and Fecha_Ocupacion at F: the total
    ``=J2*K2`` (Cantidad x Precio_Unitario) follows them; the plan's updateCells move nothing."""
    schema = load_schema(SCHEMA)
    plan = Plan.build(schema, demo.header(), 0, data_row_count=3, grid_column_count=66)
    requests = plan.columns_requests()
    assert any("updateCells" in request for request in requests)
    assert relocate("=J2*K2", "Operaciones", "Operaciones", requests) == "=L2*M2"
    assert letter_map(requests, 5) == {}
    assert letter_map(requests, 66)["J"] == "L"


def test_the_plans_own_requests_relocate_as_the_local_server_does(
    sheets_server: EmulatorServer, tmp_path: Path
) -> None:
    """A demo sheet whose header is out of schema order (moves) and lacks three columns
    (inserts): the plan's batch, sent as the columns step sends it, relocates formulas in the
    tab itself and in a summary tab exactly as predicted."""
    header = demo.header()
    order = [header.index("Cantidad"), *[i for i, n in enumerate(header) if n != "Cantidad"]]
    order.append(order.pop(order.index(header.index("ID"))))
    rows = [[row[i] for i in order] for row in demo.rows(5)]
    live = LiveSheet.seeded(sheets_server.url, tmp_path, values=[[header[i] for i in order], *rows])
    spreadsheet = live.spreadsheet()
    data = spreadsheet.worksheet(demo.WORKSHEET)
    summary = spreadsheet.add_worksheet(SUMMARY, rows=10, cols=10)
    title = demo.WORKSHEET
    formulas = [
        f"={title}!A2*{title}!K2",
        f"=SUM({title}!A:Z)",
        f"=VLOOKUP(B2, '{title}'!B:BN, 9, FALSE)",
        f"={title}!$C$2&{title}!BN2",
        f"=SUM({title}!H2:H)",
        f"=COUNTA({title}!1:1)",
    ]
    summary.update([formulas], "A1", value_input_option="USER_ENTERED")
    own_cell = (2, header.index("Observaciones"))
    own = "=A2*K2+$J$2"
    data.update([[own]], gspread.utils.rowcol_to_a1(own_cell[0], own_cell[1] + 1),
                value_input_option="USER_ENTERED")  # fmt: skip

    live_header = [header[i] for i in order]
    plan = Plan.build(load_schema(SCHEMA), live_header, data.id, 5, len(live_header))
    assert plan.moves and plan.inserts
    requests = plan.columns_requests()
    spreadsheet.batch_update({"requests": requests})

    render = gspread.utils.ValueRenderOption.formula
    width = gspread.utils.rowcol_to_a1(1, len(formulas))
    answered = summary.get(f"A1:{width}", value_render_option=render)[0]
    assert answered == [relocate(f, SUMMARY, title, requests) for f in formulas]
    assert answered[0] != formulas[0]  # the prediction is not the identity
    moved = index_map(requests)(own_cell[1])
    cell = gspread.utils.rowcol_to_a1(own_cell[0], moved + 1)
    assert data.get(cell, value_render_option=render) == [[relocate(own, title, title, requests)]]


@pytest.mark.parametrize(("formula", "own", "changed", "requests", "expected"), CASES)
def test_the_relocator_agrees_with_relocate_on_copies(
    formula: str, own: str, changed: str, requests: Requests, expected: str
) -> None:
    """One tokenization per shape: copies of the case's formula down a column (other row
    numbers) relocate as each would alone; the first copy is the case's own."""
    relocator = Relocator(changed, requests(0))
    assert relocator.relocate(formula, own) == expected
    for row in (3, 10, 999, 123456):
        copy = formula.replace("2", str(row))
        assert relocator.relocate(copy, own) == relocate(copy, own, changed, requests(0))


@pytest.mark.parametrize(
    "copies",
    [
        ["=H2*I2", "=H0*I2", "=H3*I0", "=H10*I10"],  # a row 0 reads as no reference
        ["=SUM(Data!H2:H9, 2)", "=SUM(Data!H3:H10, 3)", "=SUM(Data!H4:H11, 3)"],
        ["=H2", "=Data2!H2", "=Data!H2", "=data!H7"],
    ],
)
def test_copies_relocated_from_the_first_one_s_result_equal_each_relocated_alone(
    copies: list[str],
) -> None:
    """A column step relocates the first copy of a shape and fills the others' row numbers in
    its result: each equals the formula relocated alone, in both tabs."""
    for own in (DATA, SUMMARY):
        relocator = Relocator(DATA, TWO_AT_F(0))
        for formula in copies * 2:
            assert relocator.relocate(formula, own) == relocate(formula, own, DATA, TWO_AT_F(0))


def test_tabs_whose_titles_differ_in_digits_are_not_copies() -> None:
    relocator = Relocator("Data2025", TWO_AT_F(0))
    assert relocator.relocate("=Data2024!H2", SUMMARY) == "=Data2024!H2"
    assert relocator.relocate("=Data2025!H2", SUMMARY) == "=Data2025!J2"


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=  SUM(  H2 ,  2 )  ", "=  SUM(  J2 ,  2 )  "),
        ("=SUM(\nH2)", "=SUM(\nJ2)"),
        ('="H2"&H2&"""H2"""', '="H2"&J2&"""H2"""'),
        ("={H2,1;2,H3}", "={J2,1;2,J3}"),
        ("=-H2%+#REF!", "=-J2%+#REF!"),
    ],
)
def test_text_around_references_is_kept_byte_for_byte(formula: str, expected: str) -> None:
    assert relocate(formula, DATA, DATA, TWO_AT_F(0)) == expected
