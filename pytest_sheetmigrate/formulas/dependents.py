"""Formulas whose meaning the columns step changes although Google relocates their references.

``find_dependents(formula, tab, cell, changed_sheet_title, requests)`` lists, for one formula,
each function argument that keeps pointing at the old position while the cells move (issue 13
items 3 and 7): a column or row number into a range an insert or move falls inside (the table
in ``formulas.functions``), a string naming cells or columns of the migrated tab (INDIRECT,
ADDRESS, QUERY, IMPORTRANGE), and an unknown function whose plain numbers stand next to a
range that changes shape ("may shift"). A formula that does not tokenize is reported as
unreadable, never guessed. ``DependentsScanner`` does the same for a whole spreadsheet.
The checks live in ``formulas.positions`` (numbers into ranges, MATCH, unknown functions,
ranges a move reshapes) and ``formulas.strings`` (INDIRECT, ADDRESS, QUERY, IMPORTRANGE);
``formulas.findings`` holds what they report.

Sources: Google relocates references but not numbers or strings ("the column index (4) in the
VLOOKUP hasn't changed. It's now searching in a different table", PerfectXL, "Structure changes:
columns and rows"; INDIRECT's text "is not adjusted like a normal reference"; QUERY's string is
its own syntax, sheets.wiki "QUERY"; google-behaviour.md). QUERY over a range names the
sheet's own column letters: "column IDs in a spreadsheet are always letters" (Query Language
reference, developers.google.com/chart/interactive/docs/querylanguage), "the physical column
name is always used ... when columns are inserted/remove[d] prior to the range, the QUERY fails
since the columns are different" (demmings/gsSQL issue 3); "QUERY can accept either "Col"
notation or "A, B" notation" (support.google.com/docs/answer/3093343), ``ColN`` counting from
the data's first column (unverified beyond the name). Which column a position names after the
step is ``formulas.relocation``'s prediction. A position is judged exactly when it is a
literal: ``VLOOKUP(k, A:Z, 3)`` with columns inserted at F still names column C and is not
reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_sheetmigrate.formulas.findings import (
    CHANGES,
    MAY_SHIFT,
    UNREADABLE,
    Finding,
    Report,
    StepMaps,
    horizon,
)
from pytest_sheetmigrate.formulas.functions import (
    MATCH_FUNCTIONS,
    POSITION_FUNCTIONS,
    RANGE_ONLY_FUNCTIONS,
    STRING_REFERENCE_FUNCTIONS,
)
from pytest_sheetmigrate.formulas.positions import (
    check_match,
    check_moved_ranges,
    check_positions,
    check_unknown,
)
from pytest_sheetmigrate.formulas.relocation import (
    COLUMNS,
    ROWS,
    dimension_changes,
    index_map,
)
from pytest_sheetmigrate.formulas.shapes import Shapes, shape_key
from pytest_sheetmigrate.formulas.strings import (
    check_address,
    check_importrange,
    check_indirect,
    check_query,
)
from pytest_sheetmigrate.formulas.text import (
    ParsedFormula,
    UnreadableFormulaError,
    read_formula,
)

__all__ = ["CHANGES", "MAY_SHIFT", "UNREADABLE", "DependentsScanner", "Finding", "find_dependents"]


def find_dependents(
    formula: str,
    tab: str,
    cell: str,
    changed_sheet_title: str,
    requests: Sequence[Mapping[str, Any]],
) -> list[Finding]:
    """The findings for ``formula`` in ``tab``!``cell`` when ``requests`` (the columns step)
    run on ``changed_sheet_title``; empty when its meaning survives the step."""
    maps = {COLUMNS: index_map(requests, COLUMNS), ROWS: index_map(requests, ROWS)}
    axes = frozenset(axis for axis in (COLUMNS, ROWS) if dimension_changes(requests, axis))
    horizons = {axis: horizon(dimension_changes(requests, axis)) for axis in (COLUMNS, ROWS)}
    step = StepMaps(tab, changed_sheet_title, maps, axes, requests, horizons)
    try:
        parsed = read_formula(formula)
    except UnreadableFormulaError as error:
        return [
            Finding(
                tab,
                cell,
                formula,
                "",
                None,
                "",
                UNREADABLE,
                str(error),
                "check this formula by hand after the migration",
            )
        ]
    report = Report(tab, cell, formula)
    if axes:
        _check(parsed, step, report)
    return report.findings


class DependentsScanner:
    """``find_dependents`` for the many formulas of one spreadsheet under one step.

    A column step's findings do not depend on the row numbers inside references (only on
    columns, numbers and strings), so a formula whose shape (``formulas.shapes``), tab and
    digits outside its references match an earlier formula that had no findings has none
    either and is not analysed again: a formula column copied down costs one analysis.
    """

    def __init__(self, changed_sheet_title: str, requests: Sequence[Mapping[str, Any]]) -> None:
        self.changed = changed_sheet_title
        self.requests = list(requests)
        self._shapes = Shapes()
        self._quiet: set[tuple[Any, ...]] = set()
        self._cacheable = not dimension_changes(self.requests, ROWS)

    def find(self, formula: str, tab: str, cell: str) -> list[Finding]:
        """The findings for ``formula`` in ``tab``!``cell``."""
        key = self._key(formula, tab)
        if key is not None and key in self._quiet:
            return []
        findings = find_dependents(formula, tab, cell, self.changed, self.requests)
        if key is not None and not findings:
            self._quiet.add(key)
        return findings

    def _key(self, formula: str, tab: str) -> tuple[Any, ...] | None:
        if not self._cacheable:
            return None
        try:
            pieces, shape, _ = self._shapes.operands(formula)
        except UnreadableFormulaError:
            return None
        if shape is None:
            return None
        kept = tuple(
            piece for i, piece in enumerate(pieces) if i % 2 and i not in shape.operand_digits
        )
        return (tab.casefold(), shape_key(pieces), kept)


def _check(parsed: ParsedFormula, step: StepMaps, report: Report) -> None:
    check_moved_ranges(parsed, step, report)
    consistent_matches: set[int] = set()
    for call in parsed.calls:
        for position in POSITION_FUNCTIONS.get(call.name, ()):
            check_positions(call, position, step, report, consistent_matches)
    for call in parsed.calls:
        if call.name in MATCH_FUNCTIONS:
            if id(call) not in consistent_matches:
                check_match(call, step, report)
        elif call.name == "INDIRECT":
            check_indirect(call, step, report)
        elif call.name == "ADDRESS":
            check_address(call, step, report)
        elif call.name == "QUERY":
            check_query(parsed, call, step, report)
        elif call.name == "IMPORTRANGE":
            check_importrange(call, step, report)
        elif not _known(call.name):
            check_unknown(call, step, report)


def _known(name: str) -> bool:
    return (
        name in POSITION_FUNCTIONS
        or name in MATCH_FUNCTIONS
        or name in STRING_REFERENCE_FUNCTIONS
        or name in RANGE_ONLY_FUNCTIONS
    )
