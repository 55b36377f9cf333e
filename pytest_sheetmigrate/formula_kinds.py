"""Which cells of a FORMULA read hold formulas, and which hold text that starts with ``=``.

``values.batchGet`` with ``valueRenderOption=FORMULA`` answers numbers as JSON numbers, text as
JSON strings (recorded: gspread's cassette ``test_get_all_records_value_render_options`` reads
``["=4/2", 43831, "string", 53]``), booleans as JSON booleans (ValueRange: "Supported value types
are: bool, string, and double"), and a formula as its text, ``"=A1"`` (ValueRenderOption
reference). A text cell whose text starts with ``=`` (typed as ``'=abc``, or written RAW or as a
``stringValue``) is a string too; whether Google answers it ``"=abc"`` or ``"'=abc"`` no public
source says (unverified; the local server answers ``"=abc"``). Either way a ``"="`` string alone
cannot say "formula", so its kind comes from the cell's ``userEnteredValue``, which names it
(``formulaValue`` or ``stringValue``, the latter without the leading apostrophe: ExtendedValue
reference, "if the user typed '123 into the UI, this would be represented as a stringValue of
\"123\"").

Cost: nothing for cells that are not ``"="`` strings (a chunk whose answer holds no ``"=`` is not
even scanned, and one whose ``"="`` strings all lie in the columns that held them in the chunk
before is scanned in those columns only). Otherwise one ``spreadsheets.get`` (``fields``: the
userEnteredValue only) over the columns holding them, looking ahead down each column,
``LOOKUP_CELLS`` cells a request: a formula column of 100,000 rows costs 5 requests, not one per
chunk read. A looked-up cell is trusted for a later chunk only while it still holds the text
the lookup saw; any other is looked up again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from .cell_types import Formula

LOOKUP_CELLS: Final = 20_000
"""Cells looked up per request: about 2 MB of Google's pretty-printed answer at most."""

Span = tuple[int, int, int]
"""(0-based column, first and last 1-based sheet row) of one column range to look up."""

Lookup = Callable[[list[Span]], list[dict[int, str]]]
"""Per span, the ``"="`` cells as entered by sheet row: a ``Formula``, or a plain ``str`` for
text. Rows left out hold anything else (blank, a number, other text)."""


def entered_texts(grid: dict[str, Any], first_row: int) -> dict[int, str]:
    """The ``"="`` cells of one column's GridData (``rowData[0]`` is sheet row ``first_row``)."""
    found: dict[int, str] = {}
    for offset, row in enumerate(grid.get("rowData", [])):
        values = row.get("values") or [{}]
        entered = values[0].get("userEnteredValue", {})
        if "formulaValue" in entered:
            found[first_row + offset] = Formula(entered["formulaValue"])
        elif str(entered.get("stringValue", ""))[:1] == "=":
            found[first_row + offset] = str(entered["stringValue"])
    return found


class FormulaKinds:
    """Marks the formulas among the cells of one read pass, chunk by chunk, rows in order."""

    def __init__(self, lookup: Lookup, last_row: int, ahead: int = LOOKUP_CELLS) -> None:
        self._lookup = lookup
        self._last_row = last_row
        self._ahead = ahead
        self._known: dict[int, tuple[int, int, dict[int, str]]] = {}
        """Per column: the rows looked up (first, last) and their ``"="`` cells."""
        self._columns: list[int] = []
        """The indexes within a row (columns) that held ``"="`` strings in the last chunk."""

    def mark(
        self,
        rows: Sequence[list[Any]],
        first_row: int,
        first_column: int = 0,
        at_most: int | None = None,
    ) -> None:
        """Replace, in place, each formula of ``rows`` (``rows[0]`` is sheet row ``first_row``,
        ``row[0]`` column ``first_column``) by a ``Formula``; text stays a plain ``str``.

        ``at_most``: how many ``"="`` strings the chunk can hold (``"=`` counted in its JSON).
        When the columns that held them in the last chunk hold that many, the others are not
        scanned: a formula column does not cost a scan of every cell of every chunk.
        """
        hits = _equals_strings(rows, self._columns) if self._columns else []
        if at_most is None or len(hits) < at_most:
            hits = _equals_strings(rows, None)
        self._columns = sorted({index for _, index in hits})
        unresolved: dict[int, list[int]] = {}
        for offset, index in hits:
            column = first_column + index
            entered = self._entered(column, first_row + offset)
            if entered is None or entered != rows[offset][index]:
                unresolved.setdefault(column, []).append(offset)
            elif entered.__class__ is Formula:
                rows[offset][index] = entered
        if not unresolved:
            return
        last_in_chunk = first_row + len(rows) - 1
        per_column = max(1, self._ahead // len(unresolved))
        spans = [
            (column, start, min(self._last_row, max(last_in_chunk, start + per_column - 1)))
            for column, offsets in unresolved.items()
            for start in [first_row + offsets[0]]
        ]
        for span, found in zip(spans, self._lookup(spans), strict=True):
            self._known[span[0]] = (span[1], span[2], found)
        for column, offsets in unresolved.items():
            index = column - first_column
            texts = self._known[column][2]
            for offset in offsets:
                # Changed since it was read: the cell's kind now is the best there is.
                if texts.get(first_row + offset).__class__ is Formula:
                    rows[offset][index] = Formula(rows[offset][index])

    def _entered(self, column: int, row: int) -> str | None:
        known = self._known.get(column)
        if known is None or not known[0] <= row <= known[1]:
            return None
        return known[2].get(row)


def _equals_strings(rows: Sequence[list[Any]], only: list[int] | None) -> list[tuple[int, int]]:
    """(row offset, index) of each string starting with ``=``, in the ``only`` indexes or all."""
    if only is None:
        return [
            (offset, index)
            for offset, row in enumerate(rows)
            for index, value in enumerate(row)
            if value.__class__ is str and value[:1] == "="
        ]
    return [
        (offset, index)
        for offset, row in enumerate(rows)
        for index in only
        if index < len(row) and row[index].__class__ is str and row[index][:1] == "="
    ]
