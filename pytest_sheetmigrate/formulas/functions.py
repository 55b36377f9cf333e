"""The table of functions whose arguments the dependents check reads (docs/formulas.md lists it).

For each function: which argument is a range, which a column or row number into that range,
which a string that names cells. Google relocates ranges but not numbers or strings
(PerfectXL, "Structure changes: columns and rows": "the column index (4) in the VLOOKUP hasn't
changed. It's now searching in a different table"; INDIRECT's text "is not adjusted like a
normal reference"; QUERY's query string is text in its own syntax, sheets.wiki "QUERY";
google-behaviour.md collects these). Argument positions are 0-based here; the docs and the
findings count from 1. Argument meanings follow Google's function list (support.google.com
"Google Sheets function list").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pytest_sheetmigrate.formulas.relocation import COLUMNS, ROWS


@dataclass(frozen=True)
class PositionArgument:
    """An argument that is a position into another argument's range along ``axis``.

    ``origin`` 1: a 1-based position (VLOOKUP's index); 0: an offset from the range's first
    cell (OFFSET). ``step``: this argument and every ``step``-th one after it are positions
    too (CHOOSECOLS: 1, SORT: 2); 0 for one argument only. ``from_end``: negative numbers count
    from the range's end (CHOOSECOLS(range, -1) is its last column).
    """

    argument: int
    into: int
    axis: str
    origin: int = 1
    step: int = 0
    from_end: bool = False

    def covers(self, position: int) -> bool:
        if self.step == 0:
            return position == self.argument
        return position >= self.argument and (position - self.argument) % self.step == 0


POSITION_FUNCTIONS: Final[dict[str, tuple[PositionArgument, ...]]] = {
    "VLOOKUP": (PositionArgument(2, 1, COLUMNS),),
    "HLOOKUP": (PositionArgument(2, 1, ROWS),),
    "INDEX": (PositionArgument(1, 0, ROWS), PositionArgument(2, 0, COLUMNS)),
    "OFFSET": (PositionArgument(1, 0, ROWS, origin=0), PositionArgument(2, 0, COLUMNS, origin=0)),
    "CHOOSECOLS": (PositionArgument(1, 0, COLUMNS, step=1, from_end=True),),
    "CHOOSEROWS": (PositionArgument(1, 0, ROWS, step=1, from_end=True),),
    "SORT": (PositionArgument(1, 0, COLUMNS, step=2),),
    "SORTN": (PositionArgument(3, 0, COLUMNS, step=2),),
    "DAVERAGE": (PositionArgument(1, 0, COLUMNS),),
    "DCOUNT": (PositionArgument(1, 0, COLUMNS),),
    "DCOUNTA": (PositionArgument(1, 0, COLUMNS),),
    "DGET": (PositionArgument(1, 0, COLUMNS),),
    "DMAX": (PositionArgument(1, 0, COLUMNS),),
    "DMIN": (PositionArgument(1, 0, COLUMNS),),
    "DPRODUCT": (PositionArgument(1, 0, COLUMNS),),
    "DSUM": (PositionArgument(1, 0, COLUMNS),),
}
"""Functions taking a column or row number into a range argument."""

MATCH_FUNCTIONS: Final[dict[str, int]] = {"MATCH": 1, "XMATCH": 1}
"""Functions whose result is a position into their range argument (the value: its position)."""

STRING_REFERENCE_FUNCTIONS: Final[dict[str, str]] = {
    "INDIRECT": "argument 1 is the text of a reference (A1), read when it is a literal",
    "ADDRESS": "arguments 1 and 2 are a row and column number, argument 5 the tab's name",
    "QUERY": "argument 2 is a query naming columns by letter (over a range) or ColN",
    "IMPORTRANGE": "argument 2 is the text of a range, possibly on this spreadsheet's tab",
}
"""Functions whose strings (or numbers) name cells or columns; Google rewrites none of them."""

QUERY_DATA: Final = 0
QUERY_STRING: Final = 1
ADDRESS_ROW, ADDRESS_COLUMN, ADDRESS_SHEET = 0, 1, 4
IMPORTRANGE_RANGE: Final = 1

_RANGE_ONLY_NAMES: Final = """
    ABS AND ARRAYFORMULA AVERAGE AVERAGEA AVERAGEIF AVERAGEIFS BYCOL BYROW CEILING CONCAT
    CONCATENATE COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS COUNTUNIQUE DATE DAY EOMONTH FILTER
    FLATTEN FLOOR HSTACK IF IFERROR IFNA IFS INT ISBLANK ISERROR ISNA ISNUMBER ISTEXT JOIN LAMBDA
    LARGE LEFT LEN LET LOOKUP LOWER MAP MAX MAXIFS MEDIAN MID MIN MINIFS MOD MONTH N NOT NOW OR
    PERCENTILE PRODUCT PROPER QUARTILE RANK REDUCE REGEXEXTRACT REGEXMATCH REGEXREPLACE ROUND
    ROUNDDOWN ROUNDUP RIGHT SMALL SPARKLINE SPLIT STDEV SUBSTITUTE SUBTOTAL SUM SUMIF SUMIFS
    SUMPRODUCT SWITCH TEXT TEXTJOIN TODAY TOCOL TOROW TRANSPOSE TRIM UNIQUE UPPER VALUE VSTACK
    XLOOKUP YEAR
"""
RANGE_ONLY_FUNCTIONS: Final = frozenset(_RANGE_ONLY_NAMES.split())
"""Functions whose number arguments are not positions (ROUND's digits, LARGE's rank,
SUBTOTAL's function code, XLOOKUP's match mode): their ranges relocate and nothing shifts.
XLOOKUP returns from a range, which Google relocates; a number reaches it only through a nested
INDEX/CHOOSECOLS/OFFSET, checked where it stands."""

NOT_DETECTED: Final = (
    "COLUMN() and COLUMNS() results, which change when their range moves or grows",
    "a named range used by name (its range is not read from the formula)",
    "R1C1 text in INDIRECT(..., FALSE)",
    "references built in other cells and passed to INDIRECT or QUERY through a cell",
    "application code and Apps Script addressing columns by letter or index "
    "(the letter map is printed for it)",
)
"""What the dependents check does not see; docs/formulas.md repeats it."""
