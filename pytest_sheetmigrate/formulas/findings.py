"""What the dependents check reports, and the step it judges against: ``Finding`` and its
verdicts, ``StepMaps`` (the columns step as index maps, with the questions the checks ask of
it), ``Report`` (the findings of one formula), and helpers the checks share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.formulas.relocation import COLUMNS, ROWS, Reference, parse_reference
from pytest_sheetmigrate.formulas.text import Argument, Call, RangeOperand

CHANGES: Final = "changes"
"""The argument now names another column or row: certain."""
MAY_SHIFT: Final = "may shift"
"""The argument may name another column or row: its value is not known from the text alone."""
UNREADABLE: Final = "unreadable"
"""The formula does not tokenize: nothing about it is known."""

AXIS_LIMIT: Final = 18_278
"""Indexes checked along an open-ended axis (a Google sheet has at most 18,278 columns)."""


@dataclass(frozen=True)
class Finding:
    """One argument whose meaning changes: where, which, why, and what to do."""

    tab: str
    cell: str
    formula: str
    function: str
    argument: int | None
    """1-based position of the argument concerned; None for the formula as a whole."""
    argument_text: str
    verdict: str
    """``CHANGES``, ``MAY_SHIFT`` or ``UNREADABLE``."""
    why: str
    what_to_do: str


@dataclass(frozen=True)
class StepMaps:
    """The columns step as index maps, and the tabs concerned."""

    own: str
    changed: str
    maps: Mapping[str, Callable[[int], int]]
    changed_axes: frozenset[str]
    requests: Sequence[Mapping[str, Any]]
    horizons: Mapping[str, int]
    """Per axis, an index past which every index moves by the same count: checking up to it
    (inclusive) is checking the whole axis."""

    def on_changed(self, reference: Reference | None) -> bool:
        return reference is not None and reference.on(self.own, self.changed)

    def moves(self, axis: str, index: int) -> bool:
        return axis in self.changed_axes and self.maps[axis](index) != index

    def new_first(self, reference: Reference, axis: str) -> int:
        first, _, anchored = reference.extent(axis)
        return 0 if anchored else self.maps[axis](first)

    def reshaped(self, reference: Reference, axis: str) -> bool:
        """True when the cells of ``reference`` along ``axis`` do not keep their relative
        positions: an insert falls strictly inside it, or a move takes cells across it."""
        if axis not in self.changed_axes:
            return False
        first, last, _ = reference.extent(axis)
        start = self.new_first(reference, axis)
        mapped = self.maps[axis]
        end = min(AXIS_LIMIT if last is None else last + 1, self.horizons[axis] + 1)
        return any(mapped(index) - start != index - first for index in range(first, end))


def horizon(changes: list[tuple[Any, ...]]) -> int:
    """An index beyond every index the changes name, even after the inserts before them."""
    named = max((index for change in changes for index in change[1:]), default=0)
    inserted = sum(change[2] for change in changes if change[0] == "insert")
    return named + inserted + 1


class Report:
    """The findings of one formula, as the checks add them."""

    def __init__(self, tab: str, cell: str, formula: str) -> None:
        self.tab, self.cell, self.formula = tab, cell, formula
        self.findings: list[Finding] = []

    def add_reference(self, text: str, why: str, what_to_do: str) -> None:
        """A finding about a range operand (``text``) rather than a function's argument."""
        self.findings.append(
            Finding(self.tab, self.cell, self.formula, "", None, text, MAY_SHIFT, why, what_to_do)
        )

    def add(self, call: Call, index: int | None, verdict: str, why: str, what_to_do: str) -> None:
        """A finding about argument ``index`` (0-based; None: the call as a whole) of ``call``."""
        text = "" if index is None else call.arguments[index].text.strip()
        number = None if index is None else index + 1
        self.findings.append(
            Finding(
                self.tab, self.cell, self.formula, call.name, number, text, verdict, why, what_to_do
            )
        )


def argument_reference(argument: Argument) -> Reference | None:
    """The A1 reference an argument is, when it is exactly one."""
    operand = argument.range
    return None if operand is None else parse_reference(operand.text)


def named(axis: str, index: int) -> str:
    """``column I`` or ``row 9`` for the 0-based ``index`` along ``axis``."""
    return f"column {column_letter(index)}" if axis == COLUMNS else f"row {index + 1}"


def all_ranges(argument: Argument) -> list[RangeOperand]:
    """Every range operand of an argument, those of its nested calls included."""
    found = list(argument.ranges)
    for call in argument.calls:
        for inner in call.arguments:
            found += all_ranges(inner)
    return found


def moved_reference(reference: Reference, step: StepMaps) -> bool:
    """True when a corner of ``reference`` moves or the step reshapes it."""
    return any(
        (corner.column is not None and step.moves(COLUMNS, corner.column))
        or (corner.row is not None and step.moves(ROWS, corner.row))
        for corner in reference.corners
    ) or any(step.reshaped(reference, axis) for axis in step.changed_axes)
