"""A1 notation as the Sheets API reads it: column letters, cell names, ranges on a named sheet.

Sources: Google's "Google Sheets API overview" (A1 notation): ``Sheet1!A1:B2``, ``Sheet1!A5:A``,
``'My Custom Sheet'!A:A``, ``'Jon's_Data'!A1:D5``, "single quotes are required for sheet names
with spaces or special characters", and ``A1`` alone names a cell while ``'A1'`` names the sheet
called A1. gspread 6.2's ``utils.absolute_range_name`` quotes every title the same way and doubles
each quote inside it (``Sheet'1`` -> ``'Sheet''1'``), as a formula escapes one. Quoting every
title, as here, keeps a title such as ``A1``, ``2024`` or ``R1C1`` from reading as cells.
Columns run A..Z, AA..ZZ, AAA..ZZZ: 18,278 at most, the most a Google sheet has.
"""

from __future__ import annotations

from typing import Final

LETTERS: Final = 26


def column_letter(index: int) -> str:
    """The letters of the column at 0-based ``index``: 0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index < 0:
        raise ValueError(f"column index {index} is negative; the first column is 0 (A)")
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, LETTERS)
        letters = chr(ord("A") + remainder) + letters
    return letters


def rowcol_to_a1(row: int, column: int) -> str:
    """The A1 name of the cell at 1-based ``row`` and ``column``: (1, 1) -> "A1"."""
    if row < 1 or column < 1:
        raise ValueError(f"cell ({row}, {column}) is off the sheet; rows and columns start at 1")
    return f"{column_letter(column - 1)}{row}"


def quoted_title(title: str) -> str:
    """A sheet title as a range names it: in single quotes, each quote inside doubled."""
    return "'" + title.replace("'", "''") + "'"


def absolute_range_name(title: str, cells: str | None = None) -> str:
    """``cells`` (``"A1:B2"``, ``"1:1"``, ``"C2:C"``) on the sheet ``title``; the whole sheet
    without ``cells``: ``("My Sheet", "A1")`` -> ``"'My Sheet'!A1"``."""
    return f"{quoted_title(title)}!{cells}" if cells else quoted_title(title)
