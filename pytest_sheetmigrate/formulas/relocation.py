"""The engine's prediction of how Google relocates formula references under the columns step.

``relocate(formula, own_sheet_title, changed_sheet_title, requests)`` rewrites the A1 references
of ``formula`` (in the tab ``own_sheet_title``) that point into ``changed_sheet_title`` after the
batchUpdate ``requests`` of the columns step on that tab (``moveDimension`` and
``insertDimension``, as ``plan.Plan.columns_requests()`` produces them; other requests, such as
its ``updateCells``, move nothing and are skipped). Written independently of the local server's
relocation (``emulator/``), which stands for Google, so a test of one against the other means
something.

Rules and their sources (google-behaviour.md, "Formulas when rows or columns are inserted, moved
or deleted"; docs/emulator.md "Formula relocation" lists the same):

- A1 references keep pointing at the same cells, in every tab, ``$``-absolute ones included:
  "If you insert a column or move columns around within the sheet, the formula still works
  because Google Sheets automatically adapts cell range references" (Tiller community, "Fixed vs.
  Dynamic Column References"); the API's ``insertDimension`` is the UI's insert (estuary/connectors
  PR #332). ``$`` stays where it is; only the letters or digits that change are rewritten, the
  rest of the text is kept byte for byte.
- An unqualified reference means the formula's own tab; a qualified one (``Data!H2``,
  ``'My tab'!H:H``) the tab it names, titles compared case-insensitively (unverified).
- A range's corners follow their cells: an insert strictly inside grows it (jspreadsheet/pro
  issue 192, "analogous to Google Sheets"), one at its first column shifts it, one just past its
  last column leaves it (jegsworks "Inserting & Formulas", Excel; unverified on Google). Under a
  move the corners follow their cells and are put back in order (unverified). Whole columns and
  rows (``H:H``, ``3:3``) and open ranges (``H2:H``) move along their bounded side.
- Strings, numbers, names (a named range used by name) and anything that does not read as an A1
  reference are left as they are.

``destinationIndex`` of ``moveDimension`` is in the coordinates before the moved columns are
removed (the API's MoveDimensionRequest; plan.py follows it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.formulas.shapes import Shape, Shapes, pieces_of, shape_key
from pytest_sheetmigrate.formulas.text import RangeOperand, read_formula

COLUMNS: Final = "COLUMNS"
ROWS: Final = "ROWS"

_CORNER = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)([0-9]+)?")
_BARE_TITLE = re.compile(r"[\w.]+")
"""A tab title written without quotes (letters of any script, digits, ``_`` and ``.``)."""


@dataclass(frozen=True)
class Corner:
    """One corner of a reference: 0-based column and row (None when the corner has none) and
    the offsets of their text inside the operand."""

    column: int | None
    row: int | None
    column_span: tuple[int, int]
    row_span: tuple[int, int]


@dataclass(frozen=True)
class Reference:
    """An A1 range operand read: its tab (None: the formula's own) and one or two corners."""

    sheet: str | None
    corners: tuple[Corner, ...]

    def on(self, own_sheet_title: str, title: str) -> bool:
        """True when the reference points into the tab ``title``."""
        return (self.sheet if self.sheet is not None else own_sheet_title).casefold() == (
            title.casefold()
        )

    def extent(self, axis: str) -> tuple[int, int | None, bool]:
        """(first, last, anchored) along ``axis``: ``last`` None when open-ended; ``anchored``
        when the reference names no index on this axis (``3:3`` along columns), so it spans the
        whole axis from index 0 whatever moves."""
        values = [c.column if axis == COLUMNS else c.row for c in self.corners]
        known = [v for v in values if v is not None]
        if not known:
            return 0, None, True
        if len(self.corners) == 2 and None in values:
            return min(known), None, False
        return min(known), max(known), False


def column_index(letters: str) -> int:
    """0-based index of the column ``letters``: "A" -> 0, "aa" -> 26."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


def parse_reference(text: str) -> Reference | None:
    """Read a range operand as A1 (``Data!$H$2:H``); None when it is not one (a name, R1C1,
    three corners, a tab on both corners)."""
    sheet: str | None = None
    body_start = 0
    if "!" in text:
        prefix, _, _body = text.rpartition("!")
        sheet = _unquote_title(prefix)
        if sheet is None:
            return None
        body_start = len(prefix) + 1
    parts = text[body_start:].split(":")
    if len(parts) > 2:
        return None
    corners = []
    offset = body_start
    for part in parts:
        corner = _corner(part, offset)
        if corner is None:
            return None
        corners.append(corner)
        offset += len(part) + 1
    if len(corners) == 1 and (corners[0].column is None or corners[0].row is None):
        return None
    if len(corners) == 2 and _mixed_kinds(corners[0], corners[1]):
        return None
    return Reference(sheet, tuple(corners))


def _mixed_kinds(first: Corner, second: Corner) -> bool:
    """``A:3`` or ``3:A``: a column-only corner paired with a row-only one."""
    return (first.column is None and second.row is None) or (
        first.row is None and second.column is None
    )


def _unquote_title(prefix: str) -> str | None:
    if len(prefix) >= 2 and prefix[0] == prefix[-1] == "'":
        inner = prefix[1:-1]
        if "'" in inner.replace("''", ""):
            return None
        return inner.replace("''", "'")
    return prefix if _BARE_TITLE.fullmatch(prefix) else None


def _corner(part: str, offset: int) -> Corner | None:
    match = _CORNER.fullmatch(part)
    if match is None or (match.group(2) is None and match.group(4) is None):
        return None
    if match.group(2) is None and match.group(3):
        return None  # "$$3"
    letters, digits = match.group(2), match.group(4)
    if digits is not None and int(digits) == 0:
        return None
    column = column_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    return Corner(
        column,
        row,
        (offset + match.start(2), offset + match.end(2)) if letters else (0, 0),
        (offset + match.start(4), offset + match.end(4)) if digits else (0, 0),
    )


# -- index maps -------------------------------------------------------------------------------


def _after_insert(index: int, start: int, count: int) -> int:
    return index + count if index >= start else index


def _after_move(index: int, start: int, end: int, destination: int) -> int:
    count = end - start
    landing = destination if destination < start else destination - count
    if start <= index < end:
        return landing + index - start
    remaining = index - count if index >= end else index
    return remaining + count if remaining >= landing else remaining


def dimension_changes(requests: Iterable[Mapping[str, Any]], axis: str) -> list[tuple[Any, ...]]:
    """The inserts and moves of ``requests`` along ``axis``: ("insert", start, count) and
    ("move", start, end, destination); other requests are skipped. A ``deleteDimension`` along
    the axis is refused (ValueError): this prediction covers the columns step only."""
    changes: list[tuple[Any, ...]] = []
    for request in requests:
        if "insertDimension" in request:
            span = request["insertDimension"]["range"]
            if span.get("dimension") == axis:
                changes.append(
                    ("insert", span["startIndex"], span["endIndex"] - span["startIndex"])
                )
        elif "moveDimension" in request:
            move = request["moveDimension"]
            span = move["source"]
            if span.get("dimension") == axis:
                changes.append(
                    ("move", span["startIndex"], span["endIndex"], move["destinationIndex"])
                )
        elif "deleteDimension" in request and (
            request["deleteDimension"]["range"].get("dimension") == axis
        ):
            raise ValueError("deleteDimension is not predicted here (inserts and moves only)")
    return changes


def index_map(requests: Iterable[Mapping[str, Any]], axis: str = COLUMNS) -> Callable[[int], int]:
    """old 0-based index -> new index along ``axis`` after ``requests``, applied in order."""
    changes = dimension_changes(requests, axis)

    def mapped(index: int) -> int:
        for change in changes:
            if change[0] == "insert":
                index = _after_insert(index, change[1], change[2])
            else:
                index = _after_move(index, change[1], change[2], change[3])
        return index

    return mapped


def column_positions(requests: Iterable[Mapping[str, Any]], column_count: int) -> list[int]:
    """For each of the ``column_count`` columns before the step, its index after it."""
    mapped = index_map(requests, COLUMNS)
    return [mapped(index) for index in range(column_count)]


def inverse_positions(requests: Iterable[Mapping[str, Any]], column_count: int) -> dict[int, int]:
    """new index -> old index of every column that existed before (the rollback direction);
    inserted columns are absent."""
    return {new: old for old, new in enumerate(column_positions(requests, column_count))}


def letter_map(requests: Iterable[Mapping[str, Any]], column_count: int) -> dict[str, str]:
    """old letter -> new letter of every column that moves (issue 13 item 3's letter map)."""
    return {
        column_letter(old): column_letter(new)
        for old, new in enumerate(column_positions(requests, column_count))
        if old != new
    }


# -- relocation -------------------------------------------------------------------------------


def relocate(
    formula: str,
    own_sheet_title: str,
    changed_sheet_title: str,
    requests: Sequence[Mapping[str, Any]],
) -> str:
    """``formula`` as Google would hold it after ``requests`` on ``changed_sheet_title``.

    Raises ``UnreadableFormulaError`` when the formula does not tokenize.
    """
    maps = {COLUMNS: index_map(requests, COLUMNS), ROWS: index_map(requests, ROWS)}
    operands = read_formula(formula).ranges
    return _rewritten(formula, operands, own_sheet_title, changed_sheet_title, maps)


class Relocator:
    """``relocate`` for the many formulas of one step: the index maps built once, and one
    tokenization per formula shape (``formulas.shapes``: formulas copied down a column).

    When the step moves no rows (the columns step), a reference's new text does not depend on
    its row numbers, so copies of one formula differ after it only in those digits as before:
    the first copy's result serves as a template for the others (same shape, same tab, same
    digits outside the references' cells, the same row numbers 0, which read as no reference).
    """

    def __init__(self, changed_sheet_title: str, requests: Sequence[Mapping[str, Any]]) -> None:
        self.changed = changed_sheet_title
        self._maps = {COLUMNS: index_map(requests, COLUMNS), ROWS: index_map(requests, ROWS)}
        self._shapes = Shapes()
        self._templates: dict[tuple[Any, ...], list[str]] | None = (
            None if dimension_changes(requests, ROWS) else {}
        )

    def relocate(self, formula: str, own_sheet_title: str) -> str:
        """``formula`` (in the tab ``own_sheet_title``) after the step; raises
        ``UnreadableFormulaError`` when it does not tokenize."""
        pieces, shape, operands = self._shapes.operands(formula)
        key = self._template_key(pieces, shape, own_sheet_title)
        template = None if key is None or self._templates is None else self._templates.get(key)
        if template is not None:
            filled = list(template)
            filled[1::2] = pieces[1::2]
            return "".join(filled)
        relocated = _rewritten(formula, operands, own_sheet_title, self.changed, self._maps)
        if key is not None and self._templates is not None:
            after = pieces_of(relocated)
            if len(after) == len(pieces) and after[1::2] == pieces[1::2]:
                self._templates[key] = after
        return relocated

    def _template_key(
        self, pieces: list[str], shape: Shape | None, own_sheet_title: str
    ) -> tuple[Any, ...] | None:
        if self._templates is None or shape is None:
            return None
        rows = shape.operand_digits
        kept = tuple(piece for i, piece in enumerate(pieces) if i % 2 and i not in rows)
        zeros = tuple(int(pieces[i]) == 0 for i in sorted(rows))
        return (own_sheet_title.casefold(), shape_key(pieces), kept, zeros)


def _rewritten(
    formula: str,
    operands: Iterable[RangeOperand],
    own_sheet_title: str,
    changed_sheet_title: str,
    maps: Mapping[str, Callable[[int], int]],
) -> str:
    edits: list[tuple[int, int, str]] = []
    for operand in operands:
        reference = parse_reference(operand.text)
        if reference is None or not reference.on(own_sheet_title, changed_sheet_title):
            continue
        for start, end, text in _reference_edits(operand.text, reference, maps):
            edits.append((operand.start + start, operand.start + end, text))
    for start, end, text in sorted(edits, reverse=True):
        formula = formula[:start] + text + formula[end:]
    return formula


def _reference_edits(
    text: str, reference: Reference, maps: Mapping[str, Callable[[int], int]]
) -> list[tuple[int, int, str]]:
    columns = _relocated(
        [c.column for c in reference.corners], maps[COLUMNS], len(reference.corners)
    )
    rows = _relocated([c.row for c in reference.corners], maps[ROWS], len(reference.corners))
    edits = []
    for corner, column, row in zip(reference.corners, columns, rows, strict=True):
        if column is not None and column != corner.column:
            edits.append((*corner.column_span, column_letter(column)))
        if row is not None and row != corner.row:
            edits.append((*corner.row_span, str(row + 1)))
    return edits


def _relocated(
    values: list[int | None], mapped: Callable[[int], int], corners: int
) -> list[int | None]:
    new = [None if value is None else mapped(value) for value in values]
    if corners == 2 and new[0] is not None and new[1] is not None and new[0] > new[1]:
        new = [new[1], new[0]]
    return new
