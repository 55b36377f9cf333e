"""Formula reference relocation: the A1 references of a formula text after a structure change.

Pure text functions (no spreadsheet state): :func:`relocate` (rows or columns inserted, deleted
or moved on one sheet), :func:`drop_sheet` (a sheet deleted) and :func:`rename_sheet`.

References are found with openpyxl's formula tokenizer (OPERAND tokens of subtype RANGE), so
string literals (``INDIRECT("H2")``, ``QUERY(A:Z, "select H")``), numbers (VLOOKUP's column
index), booleans, error values and function names are never touched. A RANGE operand that does
not read as an A1 reference (a named range used by name, ``Table[Col]``, ``A1:B2:C3``, a range
with a sheet on both corners) is left as it is. Only the parts that change are rewritten: ``$``
markers keep their place, an unchanged side keeps its text (and its letter case).

Rules, along the changed dimension of the changed sheet (an unqualified reference means the
formula's own sheet; sheet titles compare case-insensitively):

* a cell at or past an insertion moves by the inserted count; a cell past a deletion moves back;
  a deleted cell makes the whole reference ``#REF!``;
* a range follows :func:`grid.adjust_span`: an insertion strictly inside it or at its first
  row/column is inside/before it (grows / shifts), one just past its end does not grow it; a range
  losing some cells shrinks; a range losing all of them is ``#REF!``; an open side (``H2:H``,
  ``H:H``, ``3:3`` across the other dimension) stays open;
* a move: every referenced cell follows its cell; a range's two corners follow theirs (and are
  put back in order). Unverified for ranges: Google may instead keep the range's extent.

What a reference into deleted cells looks like is unverified for a sheet-qualified reference:
``#REF!`` replaces the whole operand (``=Sheet2!B2`` becomes ``=#REF!``), which evaluates to the
same error as the ``Sheet2!#REF!`` form Excel writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from .a1 import column_index, column_letters, quote_title
from .grid import COLUMNS, Change, adjust_span, moved_index

REF_ERROR = "#REF!"
_WHITESPACE = re.compile(r"[ \n]+")
# Formulas copied down a column differ only in their row numbers: tokenized once per shape. The
# tokenizer tells digits apart only as 0 vs 1-9 (its scientific-notation test), so 2-9 -> 1
# keeps every token boundary (and every offset) of the original text.
_SHAPE = str.maketrans("23456789", "11111111")
# An A1 reference: an optional sheet prefix ('My ''tab'! or Sheet1!), then one or two corners,
# each "$"-marker, letters (at most 3: ZZZ is the last column), "$"-marker, row digits.
_REFERENCE = re.compile(
    r"(?P<prefix>(?:'(?:[^']|'')+'|[^'!:]+)!)?"
    r"(?P<m1>\$?)(?P<l1>[A-Za-z]{1,3})?(?P<n1>\$?)(?P<d1>[1-9][0-9]{0,7})?"
    r"(?::(?P<m2>\$?)(?P<l2>[A-Za-z]{1,3})?(?P<n2>\$?)(?P<d2>[1-9][0-9]{0,7})?)?"
)


class _Reference(NamedTuple):
    """A RANGE operand read as an A1 reference: its sheet prefix, title and corners' parts."""

    prefix: str
    title: str | None
    first: tuple[str, str | None, str, str | None]  # $-marker, letters, $-marker, digits
    second: tuple[str, str | None, str, str | None] | None


# a1's conversions, cached: formulas copied down a column repeat the same columns.
@lru_cache(maxsize=4096)
def _column_index(letters: str) -> int:
    return column_index(letters.upper())


@lru_cache(maxsize=4096)
def _column_letters(index: int) -> str:
    return column_letters(index)


def _valid_side(mark: str, letters: str | None, row_mark: str, digits: str | None) -> bool:
    if digits is None:
        return letters is not None and not row_mark  # "A", not "A$"
    return letters is not None or not (mark and row_mark)  # "$3", not "$$3"


def _parse(operand: str) -> _Reference | None:
    """An operand as an A1 reference, or None when it is not one (a name, ...)."""
    m = _REFERENCE.fullmatch(operand)
    if m is None:
        return None
    prefix, m1, l1, n1, d1, m2, l2, n2, d2 = m.groups()
    if not _valid_side(m1, l1, n1, d1):
        return None
    if m2 is None:  # no colon
        if l1 is None or d1 is None:
            return None  # a lone column or row is a name (LAMBDA's x), not a reference
        second = None
    else:
        if not _valid_side(m2, l2, n2, d2):
            return None
        if (d1 is None or d2 is None) and (l1 is None or l2 is None):
            return None  # "A:5"
        second = (m2, l2, n2, d2)
    title = None
    if prefix:
        title = prefix[:-1]
        if title.startswith("'"):
            title = title[1:-1].replace("''", "'")
    return _Reference(prefix or "", title, (m1, l1, n1, d1), second)


def _index(side: tuple[str, str | None, str, str | None], dimension: str) -> int | None:
    if dimension == COLUMNS:
        return None if side[1] is None else _column_index(side[1])
    return None if side[3] is None else int(side[3]) - 1


def _side_text(
    side: tuple[str, str | None, str, str | None], dimension: str, old: int | None, new: int | None
) -> str:
    """A corner's text with its index along `dimension` moved from `old` to `new`."""
    mark, letters, row_mark, digits = side
    if new is not None and new != old:
        if dimension == COLUMNS:
            letters = _column_letters(new)
        else:
            digits = str(new + 1)
    return f"{mark}{letters or ''}{row_mark}{digits or ''}"


@lru_cache(maxsize=16_384)
def _range_operands(formula: str) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of the formula's RANGE operands; () when it does not tokenize.

    The tokenizer gives token texts, not offsets; they are found again by walking the text
    (every token is a slice of it except whitespace, which it shortens to one character)."""
    # Imported on first use: openpyxl costs about 23 MB and 0.2 s, for servers that never
    # relocate a formula too.
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = Tokenizer(formula).items
    except Exception:  # TokenizerError, or an assertion on malformed input: leave it alone
        return ()
    spans: list[tuple[int, int]] = []
    at = 1  # after "="
    for token in tokens:
        if token.type == Token.WSPACE:
            m = _WHITESPACE.match(formula, at)
            if m is None:
                return ()
            at = m.end()
            continue
        value = token.value
        if not formula.startswith(value, at):
            return ()
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            spans.append((at, at + len(value)))
        at += len(value)
    return tuple(spans)


def _rewrite(formula: str, change: Callable[[str], str | None]) -> str:
    """The formula with each RANGE operand replaced by ``change(operand)`` (None keeps it)."""
    if not formula.startswith("="):
        return formula
    pieces: list[str] = []
    last = 0
    for start, end in _range_operands(formula.translate(_SHAPE)):
        new = change(formula[start:end])
        if new is not None:
            pieces += [formula[last:start], new]
            last = end
    if not pieces:
        return formula
    pieces.append(formula[last:])
    return "".join(pieces)


def _refers_to(reference: _Reference, own_sheet: str, title: str) -> bool:
    sheet = reference.title if reference.title is not None else own_sheet
    return sheet.casefold() == title.casefold()


def relocate(formula: str, own_sheet: str, sheet: str, dimension: str, change: Change) -> str:
    """The formula text after `change` along `dimension` (ROWS or COLUMNS) of sheet `sheet`;
    `own_sheet` is the title of the sheet the formula is in."""

    def follow(operand: str) -> str | None:
        reference = _parse(operand)
        if reference is None or not _refers_to(reference, own_sheet, sheet):
            return None
        return _relocated(reference, dimension, change)

    return _rewrite(formula, follow)


def _relocated(reference: _Reference, dimension: str, change: Change) -> str | None:
    first, second = reference.first, reference.second
    if second is None:
        index = _index(first, dimension)
        assert index is not None  # a lone corner is a whole cell
        new = _point(index, change)
        if new is None:
            return REF_ERROR
        if new == index:
            return None
        return reference.prefix + _side_text(first, dimension, index, new)
    a, b = _index(first, dimension), _index(second, dimension)
    if a is None and b is None:
        return None  # open along this dimension (H:H across rows)
    corners = _moved_corners(a, b, change) if change.kind == "move" else _span(a, b, change)
    if corners is None:
        return REF_ERROR
    if corners == (a, b):
        return None
    return (
        reference.prefix
        + _side_text(first, dimension, a, corners[0])
        + ":"
        + _side_text(second, dimension, b, corners[1])
    )


Corners = tuple[int | None, int | None]


def _point(index: int, change: Change) -> int | None:
    """Where one row/column goes; None when it is deleted."""
    count = change.end - change.start
    if change.kind == "insert":
        return index + count if index >= change.start else index
    if change.kind == "delete":
        if change.start <= index < change.end:
            return None
        return index - count if index >= change.end else index
    return moved_index(index, change)


def _moved_corners(a: int | None, b: int | None, change: Change) -> Corners:
    """Each corner follows its own row/column, and the two stay in their written order."""
    new_a = None if a is None else moved_index(a, change)
    new_b = None if b is None else moved_index(b, change)
    if a is None or b is None or new_a is None or new_b is None:
        return new_a, new_b
    return (new_b, new_a) if (a <= b) != (new_a <= new_b) else (new_a, new_b)


def _span(a: int | None, b: int | None, change: Change) -> Corners | None:
    """The two corners' indexes (as written, either may be open) after an insert or delete,
    by the span rule of :func:`grid.adjust_span`; None when nothing of the range is left."""
    reversed_ = a is not None and b is not None and a > b
    low, high = (b, a) if reversed_ else (a, b)
    start, end = adjust_span(low, None if high is None else high + 1, change)
    if end is not None and end <= (start or 0):
        return None
    new_low, new_high = start, None if end is None else end - 1
    return (new_high, new_low) if reversed_ else (new_low, new_high)


def drop_sheet(formula: str, deleted: str) -> str:
    """The formula after the sheet titled `deleted` is deleted: its references are ``#REF!``.
    Unverified: the exact text Google writes (``#REF!`` alone is chosen, as in :func:`relocate`)."""

    def drop(operand: str) -> str | None:
        reference = _parse(operand)
        if reference is None or reference.title is None:
            return None
        return REF_ERROR if reference.title.casefold() == deleted.casefold() else None

    return _rewrite(formula, drop)


def rename_sheet(formula: str, old: str, new: str) -> str:
    """The formula after sheet `old` is renamed `new`: references qualified with the old title
    name the new one (quoted when the new title needs it or the old prefix was quoted)."""

    def rename(operand: str) -> str | None:
        reference = _parse(operand)
        if reference is None or reference.title is None:
            return None
        if reference.title.casefold() != old.casefold():
            return None
        quoted = quote_title(new)
        if reference.prefix.startswith("'") and not quoted.startswith("'"):
            quoted = "'" + new.replace("'", "''") + "'"
        return quoted + "!" + operand[len(reference.prefix) :]

    return _rewrite(formula, rename)


def mentions(formula: str, title: str) -> bool:
    """Whether a formula may name the sheet `title` (a cheap test before tokenizing)."""
    if "'" in title:
        return True  # written with '' escapes: let the tokenizer decide
    return title.casefold() in formula.casefold()
