"""A1 notation: parsing ranges, quoting sheet titles, formatting normalised ranges.

Google echoes every range in one normal form: the sheet title quoted only when needed
(``Sheet1!A1:B2`` but ``'My Sheet'!A1``), corners ordered (``D4:A1`` becomes ``A1:D4``), unbounded
sides filled from the grid (``A1:C`` on a 1000-row sheet is ``A1:C1000``) and a single cell written
as one reference (``Sheet1!B1``).

Only A1 notation is understood (not R1C1). A range naming no sheet refers to the first sheet;
a bare name that is not a sheet title is looked up as a named range by the caller. Column letters
are converted here (:func:`column_index`, :func:`column_letters`, :func:`cell_a1`), not with the
client's helpers: the emulator stands for the service, not for gspread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A cell reference or one side of a range: letters and/or digits (A1, A, 1).
_SIDE = re.compile(r"^([A-Za-z]{0,3})([0-9]{0,7})$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


@dataclass(frozen=True)
class A1Range:
    """A parsed range. Indexes are 0-based, ends exclusive; None means unbounded on that side."""

    sheet: str | None
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None


@dataclass(frozen=True)
class Box:
    """A range resolved against a sheet: 0-based, ends exclusive, inside the grid or not."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        return self.end_col - self.start_col


class RangeSyntaxError(ValueError):
    """The text is not a range in A1 notation."""


_LETTERS = 26


def column_index(letters: str) -> int:
    """The 0-based index of a column's letters (bijective base 26): A is 0, Z 25, AA 26."""
    if not letters or not all("A" <= ch <= "Z" for ch in letters):
        raise ValueError(f"not column letters: {letters!r}")
    number = 0
    for ch in letters:
        number = number * _LETTERS + ord(ch) - ord("A") + 1
    return number - 1


def column_letters(index: int) -> str:
    """The letters of the column at a 0-based index: 0 is A, 25 Z, 26 AA, 18277 ZZZ."""
    if index < 0:
        raise ValueError(f"a column index is not negative: {index}")
    letters = ""
    number = index + 1
    while number:
        number, digit = divmod(number - 1, _LETTERS)
        letters = chr(ord("A") + digit) + letters
    return letters


def cell_a1(row: int, col: int) -> str:
    """The A1 reference of the cell at 0-based (row, col): (0, 0) is A1."""
    if row < 0:
        raise ValueError(f"a row index is not negative: {row}")
    return f"{column_letters(col)}{row + 1}"


def quote_title(title: str) -> str:
    """The sheet title as Google writes it in a range: quoted only when it has to be."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Sheet'!A1:B2`` into (title, cells). Either part may be None."""
    text = text.strip()
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(title), None
                if rest.startswith("!"):
                    return "".join(title), rest[1:] or None
                raise RangeSyntaxError(text)
            title.append(ch)
            i += 1
        raise RangeSyntaxError(text)
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells or None
    return None, text


def _side(text: str) -> tuple[int | None, int | None]:
    """One side of a range as (row, col), 0-based; None where the side leaves it open."""
    m = _SIDE.match(text.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise RangeSyntaxError(text)
    letters, digits = m.groups()
    col = column_index(letters.upper()) if letters else None
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:
        raise RangeSyntaxError(text)
    return row, col


def parse_cells(cells: str) -> tuple[int | None, int | None, int | None, int | None]:
    """``A1:B2`` -> (start_row, end_row, start_col, end_col), 0-based, ends exclusive.

    Corners are ordered; a side given on one corner only leaves the range open there
    (``A1:C`` -> rows from 0 to the end of the sheet).
    """
    first, sep, second = cells.partition(":")
    r0, c0 = _side(first)
    if not sep:
        if r0 is None or c0 is None:
            raise RangeSyntaxError(cells)
        return r0, r0 + 1, c0, c0 + 1
    r1, c1 = _side(second)
    start_row, end_row = _span(r0, r1)
    start_col, end_col = _span(c0, c1)
    return start_row, end_row, start_col, end_col


def _span(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    """Start and exclusive end along one dimension from the two corners' indexes."""
    if a is not None and b is not None:
        return min(a, b), max(a, b) + 1
    if a is not None:
        return a, None
    if b is not None:
        return None, b + 1
    return None, None


def parse(text: str) -> A1Range:
    """Parse a range; a text without ``!`` that is not A1 notation is taken as a sheet title."""
    title, cells = split_sheet(text)
    if cells is None:
        return A1Range(title)
    if title is None:
        try:
            return A1Range(None, *parse_cells(cells))
        except RangeSyntaxError:
            return A1Range(cells)
    return A1Range(title, *parse_cells(cells))


def resolve(rng: A1Range, row_count: int, col_count: int) -> Box:
    """Fill a range's open sides from a grid of the given size (no clamping of given sides)."""
    return Box(
        rng.start_row if rng.start_row is not None else 0,
        rng.end_row if rng.end_row is not None else row_count,
        rng.start_col if rng.start_col is not None else 0,
        rng.end_col if rng.end_col is not None else col_count,
    )


def cells_a1(box: Box) -> str:
    """``A1:B2`` for a box, ``A1`` when it is one cell."""
    first = cell_a1(box.start_row, box.start_col)
    if box.rows == 1 and box.cols == 1:
        return first
    return f"{first}:{cell_a1(box.end_row - 1, box.end_col - 1)}"


def format_range(title: str, box: Box) -> str:
    """The normalised ``Title!A1:B2`` Google echoes."""
    return f"{quote_title(title)}!{cells_a1(box)}"
