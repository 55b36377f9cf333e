"""The corpus of dependent formulas: each with the verdict the dependents check must give.

Every case runs ``find_dependents`` for a formula in a tab (mostly ``Summary``) when the columns
step changes the tab ``Data``; most cases insert two columns at F (as the demo migration does).
``None``: nothing may be reported (the meaning survives: ranges left of the insertion, positions
left of it, whole ranges that only shift, other tabs). ``benchmarks/bench_formula_dependents.py``
scores the same corpus (found / missed / false alarms).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.formulas.dependents import (
    CHANGES,
    MAY_SHIFT,
    UNREADABLE,
    DependentsScanner,
    find_dependents,
)
from pytest_sheetmigrate.formulas.functions import POSITION_FUNCTIONS, RANGE_ONLY_FUNCTIONS
from pytest_sheetmigrate.formulas.objects import find_range_dependents
from pytest_sheetmigrate.transport import sheets_client


def insert(start: int, count: int = 1, sheet_id: int = 7) -> list[dict[str, Any]]:
    end = start + count
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}
    return [{"insertDimension": {"range": span, "inheritFromBefore": start > 0}}]


def move(source: int, destination: int) -> list[dict[str, Any]]:
    span = {"sheetId": 7, "dimension": "COLUMNS", "startIndex": source, "endIndex": source + 1}
    return [{"moveDimension": {"source": span, "destinationIndex": destination}}]


TWO_AT_F = insert(5, 2)
J_TO_C = move(9, 2)


class Case(NamedTuple):
    formula: str
    verdict: str | None
    function: str = ""
    """A function that must be among the findings' (empty: any, or none expected)."""
    own: str = "Summary"
    requests: list[dict[str, Any]] = TWO_AT_F


CORPUS = [
    # VLOOKUP / HLOOKUP: the index is a number Google keeps (PerfectXL).
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE)", CHANGES, "VLOOKUP"),
    Case("=VLOOKUP(A2, Data!A:Z, 3, FALSE)", None),  # column C: left of the insertion
    Case("=VLOOKUP(A2, Data!A:E, 3, FALSE)", None),  # the range is left of it
    Case("=VLOOKUP(A2, Data!H:Z, 3, FALSE)", None),  # the whole range shifts
    Case("=VLOOKUP(A2, Data!A:Z, B1, FALSE)", MAY_SHIFT, "VLOOKUP"),
    Case('=VLOOKUP(A2, Data!A:Z, MATCH("Total", Data!A1:Z1, 0), FALSE)', None),
    Case('=VLOOKUP(A2, Data!A:Z, MATCH("Total", Summary!A1:Z1, 0), FALSE)', MAY_SHIFT, "VLOOKUP"),
    Case("=VLOOKUP(A2, Other!A:Z, 9, FALSE)", None),  # another tab
    Case("=VLOOKUP(A2, A:Z, 9, FALSE)", None),  # unqualified: the Summary tab itself
    Case("=VLOOKUP(A2, $A:$Z, 9, FALSE)", CHANGES, "VLOOKUP", own="Data"),  # absolute, own tab
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE)", None, requests=insert(26, 2)),  # after the last
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE)", None, requests=insert(0)),  # before the first
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE)", CHANGES, "VLOOKUP", requests=insert(8)),  # at I
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE)", None, requests=insert(9)),  # right of I
    Case("=VLOOKUP(A2, Data!A:Z, 5)", CHANGES, "VLOOKUP", requests=J_TO_C),  # E moves to F
    Case("=VLOOKUP(A2, Data!A:Z, 12)", None, requests=J_TO_C),  # L stays L
    Case('=HLOOKUP("x", Data!A1:Z10, 3, FALSE)', None),  # a row number: columns move
    # INDEX / OFFSET / MATCH / CHOOSECOLS / SORT / DSUM.
    Case("=INDEX(Data!A:Z, 5, 9)", CHANGES, "INDEX"),
    Case("=INDEX(Data!A2:Z100, 5)", None),
    Case('=INDEX(Data!A:Z, 2, MATCH("Total", Data!1:1, 0))', None),  # finds it where it moved
    Case("=INDEX(Data!H:H, 5)", None),
    Case("=OFFSET(Data!A1, 0, 7)", CHANGES, "OFFSET"),
    Case("=OFFSET(Data!A1, 3, 2)", None),
    Case("=SUM(OFFSET(Data!A1, 1, 8, 10, 1))", CHANGES, "OFFSET"),
    Case('=MATCH("Total", Data!1:1, 0)', MAY_SHIFT, "MATCH"),
    Case("=MATCH(A2, Data!H:H, 0)", None),
    Case("=CHOOSECOLS(Data!A:Z, 1, 9)", CHANGES, "CHOOSECOLS"),
    Case("=CHOOSECOLS(Data!A:Z, 1, -1)", None),
    Case("=CHOOSECOLS(Data!A:E, 2)", None),
    Case("=SORT(Data!A2:Z, 9, TRUE)", CHANGES, "SORT"),
    Case("=DSUM(Data!A1:Z100, 9, Summary!A1:A2)", CHANGES, "DSUM"),
    # XLOOKUP: its ranges relocate; numbers come through nested calls.
    Case("=XLOOKUP(A2, Data!G:G, Data!J:J)", None),
    Case("=XLOOKUP(A2, Data!G:G, CHOOSECOLS(Data!A:Z, 10))", CHANGES, "CHOOSECOLS"),
    Case("=XLOOKUP(A2, Data!G:G, INDEX(Data!A:Z, 0, 10))", CHANGES, "INDEX"),
    # QUERY: letters name the sheet's columns, ColN the data's (Query Language reference).
    Case('=QUERY(Data!A:Z, "select H, sum(I) where C > 0 group by H", 1)', CHANGES, "QUERY"),
    Case("=QUERY(Data!A:Z, \"select A, C where E = 'H'\", 1)", None),
    Case('=QUERY(Data!A:E, "select A, C")', None),
    Case('=QUERY(Data!A:Z, "select * order by J desc")', CHANGES, "QUERY"),
    Case('=QUERY(Data!A:Z, "select Col2, Col9")', CHANGES, "QUERY"),
    Case('=QUERY({Data!A:Z}, "select Col9")', MAY_SHIFT, "QUERY"),
    Case('=QUERY(Data!A:Z, "select " & B1)', MAY_SHIFT, "QUERY"),
    Case('=QUERY(Other!A:Z, "select H")', None),
    Case(
        '=QUERY(IMPORTRANGE("https://example.com/d/1", "Data!A:Z"), "select Col9")',
        MAY_SHIFT,
        "QUERY",
    ),  # fmt: skip
    # INDIRECT / ADDRESS / IMPORTRANGE: text and numbers naming cells.
    Case('=INDIRECT("Data!H2")', CHANGES, "INDIRECT"),
    Case('=INDIRECT("Data!C2")', None),
    Case('=INDIRECT("Data!H" & ROW())', MAY_SHIFT, "INDIRECT"),
    Case("=INDIRECT(B1)", MAY_SHIFT, "INDIRECT"),
    Case('=INDIRECT("Other!H2")', None),
    Case('=SUM(INDIRECT("H2:H"))', CHANGES, "INDIRECT", own="Data"),
    Case('=INDIRECT(ADDRESS(2, 8, 4, TRUE, "Data"))', CHANGES, "ADDRESS"),
    Case('=ADDRESS(2, 3, 4, TRUE, "Data")', None),
    Case("=ADDRESS(2, 8)", None, own="Other"),
    Case("=ADDRESS(2, 8)", CHANGES, "ADDRESS", own="Data"),
    Case('=IMPORTRANGE("https://example.com/d/1", "Data!A:Z")', MAY_SHIFT, "IMPORTRANGE"),
    Case('=IMPORTRANGE("https://example.com/d/1", "Data!A:E")', None),
    # Unknown functions, functions whose numbers are not positions, nesting, errors.
    Case("=MYFUNC(Data!A:Z, 9)", MAY_SHIFT, "MYFUNC"),
    Case("=MYFUNC(Data!A:E, 9)", None),
    Case("=ROUND(SUM(Data!A:Z), 2)", None),
    Case('=SUMIF(Data!A:A, "x", Data!H:H)', None),
    Case("=LARGE(Data!A2:Z2, 3)", None),
    Case("=Data!J2*Data!K2", None),  # plain references: relocated, meaning kept
    Case("=SUM(Data!B2:H2)", None),  # grows by the inserted (empty) columns only
    Case("=SUM(Data!A:Z)", None, requests=J_TO_C),  # J moves inside the range
    Case("=SUM(Data!A:E)", MAY_SHIFT, requests=J_TO_C),  # J enters it, E leaves it
    Case("=SUM(J2:K2)", MAY_SHIFT, own="Data", requests=J_TO_C),  # its corner moves away
    Case('=IFERROR(VLOOKUP(A2, Data!A:Z, 9, FALSE), "")', CHANGES, "VLOOKUP"),
    Case("=VLOOKUP(A2, Data!A:Z, 9", UNREADABLE),
    # Written after the check first ran (its first run: 15 to report, 14 found, 1 missed, 2
    # false alarms of 13 quiet, 1 wrong verdict; fixed since: R1C1, {2, 9}, COLUMN(), DGET).
    Case("=VLOOKUP(A2, Data!$A$2:$Z$100, 9, 0)", CHANGES, "VLOOKUP"),
    Case("=INDEX(Data!A:Z, MATCH(A2, Data!A:A, 0), 9)", CHANGES, "INDEX"),
    Case("=ARRAYFORMULA(VLOOKUP(A2:A, Data!A:Z, {2, 9}, FALSE))", CHANGES, "VLOOKUP"),
    Case("=VLOOKUP(A2, Data!A:Z, COLUMN(Data!I1), FALSE)", None),  # relocated with its cell
    Case("=vlookup(a2, data!a:z, 9, false)", CHANGES, "VLOOKUP"),
    Case("=QUERY(Data!A1:Z, \"select H where H is not null label H 'Total'\")", CHANGES, "QUERY"),
    Case('=QUERY(Data!A:Z, "select sum(H) pivot I")', CHANGES, "QUERY"),
    Case("=QUERY(Data!A:Z, \"select A where B contains 'F'\")", None),
    Case("=FILTER(Data!A:Z, Data!H:H > 0)", None),
    Case('=SUMPRODUCT((Data!A2:A="x")*(Data!H2:H))', None),
    Case('=HLOOKUP("Total", Data!1:2, 2, FALSE)', None),
    Case("=INDEX(Data!A2:Z, , 9)", CHANGES, "INDEX"),
    Case('=ADDRESS(ROW(), 8, 4, TRUE, "Data")', CHANGES, "ADDRESS"),
    Case("=INDIRECT(\"'Data'!H:H\")", CHANGES, "INDIRECT"),
    Case('=INDIRECT("Data!R2C8", FALSE)', CHANGES, "INDIRECT"),
    Case('=INDIRECT("Data!R[0]C[2]", FALSE)', MAY_SHIFT, "INDIRECT"),
    Case("=OFFSET(Data!H1, 0, 0)", None),
    Case("=OFFSET(Data!E1, 0, 2)", CHANGES, "OFFSET"),  # E stays, G moves to I
    Case("=SORT(Data!A2:E, 2, TRUE)", None),
    Case("=CHOOSECOLS(Data!F:Z, 1)", None),
    Case("=VLOOKUP(A2, DATA!A:Z, 9)", CHANGES, "VLOOKUP"),
    Case("=VLOOKUP(A2, Data!A:Z, 9, FALSE) + VLOOKUP(A2, Data!A:Z, 2, FALSE)", CHANGES),
    Case('=MATCH("Total", Data!A1:Z1, 0) - 1', MAY_SHIFT, "MATCH"),
    Case('=INDEX(Data!A:Z, 2, MATCH("Total", Data!B1:Z1, 0))', None),
    Case('=DGET(Data!A1:Z100, "Total", Summary!A1:A2)', None),  # a header name
    Case('=SUMIFS(Data!H:H, Data!C:C, ">5", Data!D:D, 3)', None),
    Case("=VLOOKUP(A2, Data!C:Z, 2, FALSE)", None),  # D: left of F
    Case("=VLOOKUP(A2, Data!C:Z, 4, FALSE)", CHANGES, "VLOOKUP"),  # F: moves to H
]


def verdict_of(case: Case) -> tuple[str | None, set[str]]:
    """The most certain verdict found for the case, and the functions named."""
    findings = find_dependents(case.formula, case.own, "B2", "Data", case.requests)
    verdicts = {finding.verdict for finding in findings}
    order = [UNREADABLE, CHANGES, MAY_SHIFT]
    found = next((verdict for verdict in order if verdict in verdicts), None)
    return found, {finding.function for finding in findings}


@pytest.mark.parametrize("case", CORPUS, ids=[f"{i:02d} {c.formula}" for i, c in enumerate(CORPUS)])
def test_each_case_gets_its_verdict(case: Case) -> None:
    verdict, functions = verdict_of(case)
    assert verdict == case.verdict
    if case.function:
        assert case.function in functions


def test_the_corpus_covers_what_the_issue_lists() -> None:
    assert len(CORPUS) >= 30
    named = " ".join(case.formula for case in CORPUS)
    for function in ("VLOOKUP", "HLOOKUP", "INDEX", "OFFSET", "MATCH", "CHOOSECOLS", "XLOOKUP"):
        assert function + "(" in named
    for function in ("QUERY", "INDIRECT", "ADDRESS", "IMPORTRANGE"):
        assert function + "(" in named
    assert sum(case.verdict is None for case in CORPUS) >= 10


def test_a_finding_says_where_what_why_and_what_to_do() -> None:
    (finding,) = find_dependents(
        "=VLOOKUP(A2, Data!A:Z, 9, FALSE)", "Summary", "C4", "Data", TWO_AT_F
    )
    assert (finding.tab, finding.cell, finding.function, finding.argument) == (
        "Summary", "C4", "VLOOKUP", 3,
    )  # fmt: skip
    assert finding.argument_text == "9"
    assert "column I" in finding.why and "column K" in finding.why
    assert "change 9 to 11" in finding.what_to_do


def test_a_query_finding_gives_the_new_letters() -> None:
    (finding,) = find_dependents(
        '=QUERY(Data!A:Z, "select H, sum(I) group by H")', "Summary", "A1", "Data", TWO_AT_F
    )
    assert "H -> J" in finding.what_to_do and "I -> K" in finding.what_to_do


def test_no_step_no_findings() -> None:
    assert find_dependents("=VLOOKUP(A2, Data!A:Z, 9)", "Summary", "A1", "Data", []) == []


def test_the_function_table_keeps_positions_and_plain_functions_apart() -> None:
    assert not set(POSITION_FUNCTIONS) & RANGE_ONLY_FUNCTIONS


# -- objects with ranges: spreadsheets.get's JSON ----------------------------------------------


def _grid(start: int, end: int, sheet_id: int = 7) -> dict[str, Any]:
    return {"sheetId": sheet_id, "startColumnIndex": start, "endColumnIndex": end}


VALIDATED = {"dataValidation": {"condition": {"type": "BOOLEAN"}}}
ONE_OF_H = {"condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "=Data!H2:H"}]}}
SPREADSHEET: dict[str, Any] = {
    "namedRanges": [
        {"namedRangeId": "a", "name": "Prices", "range": _grid(0, 26)},
        {"namedRangeId": "b", "name": "Left", "range": _grid(0, 5)},
        {"namedRangeId": "c", "name": "Elsewhere", "range": _grid(0, 26, sheet_id=8)},
    ],
    "sheets": [
        {
            "properties": {"sheetId": 7, "title": "Data"},
            "conditionalFormats": [
                {"ranges": [_grid(3, 10)], "booleanRule": {"condition": {"type": "NOT_BLANK"}}},
                {
                    "ranges": [_grid(0, 2)],
                    "booleanRule": {
                        "condition": {
                            "type": "CUSTOM_FORMULA",
                            "values": [{"userEnteredValue": "=$H1>0"}],
                        }
                    },
                },
            ],
            "filterViews": [
                {
                    "filterViewId": 1,
                    "title": "Open",
                    "range": _grid(0, 5),
                    "sortSpecs": [{"dimensionIndex": 8}],
                },
            ],  # fmt: skip
            "basicFilter": {"range": _grid(0, 26)},
            "protectedRanges": [{"description": "locked", "range": _grid(5, 6)}],
            "data": [
                {
                    "startColumn": 0,
                    "rowData": [{"values": [{}, {"dataValidation": ONE_OF_H}, {}, {}, VALIDATED]}],
                }
            ],
        }
    ],
}


def test_objects_whose_ranges_an_insert_falls_inside_are_reported() -> None:
    findings = find_range_dependents(SPREADSHEET, 7, "Data", TWO_AT_F)
    got = {(f.kind, f.name, f.verdict) for f in findings}
    assert got == {
        ("named range", "Prices", CHANGES),
        ("conditional format", "rule 1", CHANGES),
        ("conditional format", "rule 2", MAY_SHIFT),  # its formula names H, which moves
        ("filter view", "Open", MAY_SHIFT),  # sorts by column I, which moves
        ("basic filter", "basic filter", CHANGES),
        ("data validation", "column E", MAY_SHIFT),  # inserted right after it, inheriting
        ("data validation", "column B", MAY_SHIFT),  # its list is H2:H, which moves
    }
    prices = next(f for f in findings if f.name == "Prices")
    assert prices.columns == "A:Z" and "F, G" in prices.why


def test_objects_are_quiet_when_the_columns_go_after_the_last() -> None:
    spreadsheet = {"namedRanges": [{"name": "Prices", "range": _grid(0, 26)}], "sheets": []}
    assert find_range_dependents(spreadsheet, 7, "Data", insert(26, 2)) == []


def test_objects_read_from_the_local_servers_answer(sheets_server: EmulatorServer) -> None:
    """The finder reads ``spreadsheets.get`` as the server answers it (the shapes of Google's
    discovery document): a named range, a conditional format, a protected range, a rule. A
    protected range that grows is not a change of meaning (objects.py), so it is not reported."""
    spreadsheet = sheets_client(sheets_server.url).create("Objects")
    sheet = spreadsheet.sheet1
    sheet.update_title("Data")
    sheet.resize(rows=20, cols=26)
    grid = {"sheetId": sheet.id, "startRowIndex": 0, "endRowIndex": 20}
    spreadsheet.batch_update(
        {
            "requests": [
                {"addNamedRange": {"namedRange": {"name": "Prices", "range": {
                    **grid, "startColumnIndex": 0, "endColumnIndex": 26}}}},
                {"addConditionalFormatRule": {"index": 0, "rule": {
                    "ranges": [{**grid, "startColumnIndex": 0, "endColumnIndex": 3}],
                    "booleanRule": {"condition": {"type": "NOT_BLANK"},
                                    "format": {"textFormat": {"bold": True}}}}}},
                {"addProtectedRange": {"protectedRange": {"description": "locked", "range": {
                    **grid, "startColumnIndex": 4, "endColumnIndex": 8}}}},
            ]
        }
    )  # fmt: skip
    fields = "namedRanges,sheets(properties,conditionalFormats,protectedRanges,filterViews)"
    answer = spreadsheet.fetch_sheet_metadata({"fields": fields})
    findings = find_range_dependents(answer, sheet.id, "Data", insert(5, 2, sheet.id))
    assert {(f.kind, f.name) for f in findings} == {
        ("named range", "Prices"),
    }  # the conditional format, A:C, is left of the insertion; the protected E:H grows (who
    # may write), which Google's refusal of a write tells with its fix


@pytest.mark.parametrize("case", CORPUS, ids=[f"{i:02d} {c.formula}" for i, c in enumerate(CORPUS)])
def test_the_scanner_agrees_with_find_dependents_on_copies(case: Case) -> None:
    """A formula copied down (other row numbers in its references) gets, from the scanner that
    skips quiet shapes, exactly what ``find_dependents`` gives it alone."""
    scanner = DependentsScanner("Data", case.requests)
    for row in (2, 3, 40, 100_000):
        copy = case.formula.replace("A2", f"A{row}").replace("B1", f"B{row}")
        alone = find_dependents(copy, case.own, f"C{row}", "Data", case.requests)
        assert scanner.find(copy, case.own, f"C{row}") == alone


def test_the_scanner_tells_tabs_apart_by_the_digits_in_their_titles() -> None:
    scanner = DependentsScanner("Data2025", TWO_AT_F)
    assert scanner.find("=VLOOKUP(A2, Data2024!A:Z, 9)", "Summary", "A1") == []
    assert len(scanner.find("=VLOOKUP(A2, Data2025!A:Z, 9)", "Summary", "A1")) == 1
