"""Formula shapes: formulas copied down a column differ only in their digits, so one
tokenization serves them all.

``=J2*K2``, ``=J3*K3`` ... share the shape ``=J#*K#``. ``Shapes.operands(formula)`` gives the
range operands of a formula, tokenizing (``text.read_formula``) only the first formula
of each shape and placing the others' operands by their digit runs: the tokenizer never puts a
boundary inside a run of digits, and changing a run of digits for another (a row number, a
number literal, digits in a string) changes no token's kind. A formula whose operand boundary
would fall inside a digit run is tokenized itself (never the case for A1 operands, checked
anyway). The local server relocates the same way, one tokenization per shape
(docs/emulator.md, "Cost"); this is the engine's own, independent, implementation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Final

from pytest_sheetmigrate.formulas.text import RangeOperand, read_formula

_DIGITS: Final = re.compile(r"([0-9]+)")

Place = tuple[int, int]
"""A boundary as (piece index, offset in that piece); a digit piece's end is its length."""


@dataclass(frozen=True)
class Shape:
    """Where a shape's range operands start and end, and which digit runs they hold."""

    operands: tuple[tuple[Place, Place], ...]
    operand_digits: frozenset[int]
    """Indexes (odd) of the digit pieces inside operands' cells (row numbers), not in a tab's
    title: ``Data2024!H2`` and ``Data2025!H2`` are not copies of one formula."""


def pieces_of(formula: str) -> list[str]:
    """The formula split around its digit runs: even indexes text, odd ones digits."""
    return _DIGITS.split(formula)


def shape_key(pieces: list[str]) -> tuple[str, ...]:
    """What copies of one formula share: every piece but the digits."""
    return tuple(pieces[0::2])


class Shapes:
    """Range operands of formulas, one tokenization per shape."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, ...], Shape | None] = {}

    def operands(self, formula: str) -> tuple[list[str], Shape | None, list[RangeOperand]]:
        """(pieces, shape, operands) of ``formula``; the shape is None when it could not be
        placed by digit runs (its operands then come from its own tokenization).

        Raises ``UnreadableFormulaError`` when the formula (or its shape's first) does not
        tokenize."""
        pieces = pieces_of(formula)
        key = shape_key(pieces)
        if key not in self._known:
            parsed = read_formula(formula)
            shape = _shape(pieces, list(parsed.ranges))
            self._known[key] = shape
            return pieces, shape, list(parsed.ranges)
        shape = self._known[key]
        if shape is None:
            return pieces, None, list(read_formula(formula).ranges)
        return pieces, shape, _placed(formula, pieces, shape)


def _starts(pieces: list[str]) -> list[int]:
    return [0, *accumulate(len(piece) for piece in pieces)]


def _place(starts: list[int], pieces: list[str], offset: int, end: bool) -> Place | None:
    for index in range(len(pieces)):
        low, high = starts[index], starts[index + 1]
        inside = low < offset <= high if end else low <= offset < high
        if inside:
            if index % 2 and offset not in (low, high):
                return None
            return index, offset - low
    return (len(pieces) - 1, len(pieces[-1])) if end and offset == starts[-1] else None


def _shape(pieces: list[str], operands: list[RangeOperand]) -> Shape | None:
    starts = _starts(pieces)
    spans: list[tuple[Place, Place]] = []
    digits: set[int] = set()
    for operand in operands:
        first = _place(starts, pieces, operand.start, end=False)
        last = _place(starts, pieces, operand.end, end=True)
        if first is None or last is None:
            return None
        spans.append((first, last))
        cells_start = operand.start + operand.text.rfind("!") + 1  # past the tab's title
        digits.update(
            i
            for i in range(first[0], last[0] + 1)
            if i % 2 and cells_start <= starts[i] and starts[i + 1] <= operand.end
        )
    return Shape(tuple(spans), frozenset(digits))


def _placed(formula: str, pieces: list[str], shape: Shape) -> list[RangeOperand]:
    starts = _starts(pieces)
    found = []
    for (first_piece, first_offset), (last_piece, last_offset) in shape.operands:
        start = starts[first_piece] + (0 if first_piece % 2 else first_offset)
        end = starts[last_piece] + (len(pieces[last_piece]) if last_piece % 2 else last_offset)
        found.append(RangeOperand(formula[start:end], start, end))
    return found
