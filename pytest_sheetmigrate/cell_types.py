"""The cell type rules: what a cell holds as read, and which cells match a column type.

The one copy of them: the schema checks its defaults with them, the snapshots judge every cell
with them. Cell values are judged as the Sheets API returns them with
``valueRenderOption=FORMULA``: JSON str / int / float / bool, a blank cell being ``""``, and a
formula a ``Formula`` (the reader tells it from text, formula_kinds.py). Not implemented on
purpose: locale number formats ("1.234,5", "1,234.5"), currencies and percentages written as
text are not numbers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

CellValue = str | int | float | bool
"""A cell as read with valueRenderOption=FORMULA; a blank cell is ``""``; a formula is a
``Formula`` (a ``str``), text a plain ``str``."""


class Formula(str):
    """A cell holding a formula; the string is its text (``=J2*K2``) as the FORMULA render gives it.

    The FORMULA render answers a formula and a text that starts with ``=`` with the same JSON
    string, so the reader tells them apart (formula_kinds.py) and hands formulas out as this type:
    digests, backups and restores keep the cell's kind.
    """

    __slots__ = ()


COLUMN_TYPES: Final = ("string", "integer", "number", "date", "boolean")

ERROR_VALUES: Final = frozenset(
    {"#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!"}
)
"""Spreadsheet error values: they match no type, not even string."""

MAX_CELL_CHARACTERS: Final = 50_000
"""The most characters a Google Sheets cell holds."""

CELL_KINDS: Final = frozenset({str, int, float, bool})
"""The Python types of a cell as read (a ``Formula`` and ``None`` aside)."""

MATCHING_KINDS: Final[dict[str, frozenset[type]]] = {
    "string": CELL_KINDS,
    "integer": frozenset({int, str}),
    "number": frozenset({int, float, str}),
    "date": frozenset({int, float, str}),  # a number is a serial date
    "boolean": frozenset({bool, str}),
}
"""Per column type, the kinds of cell (:func:`cell_kind`) that can match it. A cell of any other
kind never does; a text matches when it parses (:func:`value_matches_type`)."""

_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE_TEXT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
)
_DMY_DATE_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def is_blank(value: object) -> bool:
    """True for an empty cell: ``""`` (or ``None``). Whitespace is not blank."""
    return value is None or value == ""


def cell_kind(value: object) -> type:
    """The kind of a non-text cell as the type rules see it: an integral float is an int
    (Sheets stores only doubles), TRUE is a bool and not an int."""
    if type(value) is float and value.is_integer():
        return int
    return type(value)


def normalised(value: object) -> CellValue:
    """A cell as the snapshots digest it: integral floats as ints, ``None`` as blank."""
    if type(value) is float and value.is_integer():
        return int(value)
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return value
    raise TypeError(f"unexpected cell value {value!r}; cells are str, int, float or bool")


def value_matches_type(column_type: str, value: object) -> bool:
    """Whether a non-blank cell value parses as ``column_type``; blanks match every type.

    integer: int, integral float, or text like "12" / "-3". number: int/float, or plain decimal
    text ("12.5", "-3e2"; no thousands separators). date: a number (a serial date) or text
    ``YYYY-MM-DD`` (optionally with a time), ``DD/MM/YYYY`` or ``D/M/YYYY``. boolean: bool or
    "TRUE"/"FALSE" in any case. string: anything. Error values match nothing.
    """
    if is_blank(value):
        return True
    if not isinstance(value, str):
        return cell_kind(value) in MATCHING_KINDS.get(column_type, frozenset())
    if value in ERROR_VALUES:
        return False
    text = value.strip()
    match column_type:
        case "string":
            return True
        case "integer":
            return _INTEGER_TEXT.fullmatch(text) is not None
        case "number":
            return _NUMBER_TEXT.fullmatch(text) is not None
        case "date":
            return is_date_text(text)
        case "boolean":
            return text.upper() in ("TRUE", "FALSE")
    raise ValueError(f"unknown column type {column_type!r}; expected one of {COLUMN_TYPES}")


def is_date_text(text: str) -> bool:
    """``YYYY-MM-DD`` (optionally ``[T ]HH:MM[:SS[.fff]]``) or ``D/M/YYYY`` (optionally
    `` H:MM[:SS]``), naming a day and a time that exist."""
    if match := _ISO_DATE_TEXT.fullmatch(text):
        year, month, day, hour, minute, second = match.groups()
    elif match := _DMY_DATE_TEXT.fullmatch(text):
        day, month, year, hour, minute, second = match.groups()
    else:
        return False
    try:
        date(int(year), int(month), int(day))
        datetime(2000, 1, 1, int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return False
    return True
