"""Spreadsheet objects whose ranges the columns step changes: named ranges, conditional formats,
filter views and the basic filter, data validation.

``find_range_dependents(spreadsheet, sheet_id, sheet_title, requests)`` reads the JSON of
``spreadsheets.get`` (``namedRanges``, ``sheets[].conditionalFormats``, ``sheets[].filterViews``,
``sheets[].basicFilter`` and ``sheets[].data[].rowData[].values[]
.dataValidation``: the Sheets API has no ``sheets[].dataValidations``, a rule is a property of
each cell, CellData reference, "A data validation rule on the cell, if any") and reports each
object on the migrated tab whose range an insert or move falls inside.

These objects move and grow with their cells: "Named ranges, protected ranges, the basic
filter, filter views, conditional-format ranges ... move and grow with their cells (a range
grows when a column is inserted strictly inside it; an insert just past its right edge does not
grow it)" (google-behaviour.md, "Objects that move with cells"; the growth rule there is the
emulator's model, not quoted from Google: unverified). What changes per kind, decided here:

- named range: it now includes the new columns, so every formula using it by name sums,
  counts or looks up over them, and a column number into it shifts (PerfectXL's VLOOKUP rule
  applied to a name) -> ``changes``.
- conditional format: the rule now formats the new columns -> ``changes``. Whether a custom
  formula's references are relocated is not documented (unverified) -> ``may shift`` when they
  point at moved columns.
- filter view / basic filter: the view shows the new columns -> ``changes``; whether ``criteria``
  (keyed by column index), ``filterSpecs[].columnIndex`` and ``sortSpecs[].dimensionIndex`` follow
  their columns is not documented (unverified) -> ``may shift`` when those columns move.
- protected range: not reported. One that grows over the new columns changes who may write
  there, not what anything means; the write it refuses is told apart by Google's answer, with
  its fix (gateway.py; google-behaviour.md, "Protected ranges refuse edits").
- data validation: a column inserted right of a validated column takes its rule when
  ``inheritFromBefore`` is true ("dimension properties should be extended from the dimensions
  before", InsertDimensionRequest reference; that validation follows is unverified) -> ``may
  shift``; a rule whose condition formula points at moved columns (unverified whether Google
  relocates it) -> ``may shift``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.errors import UnreadableFormulaError
from pytest_sheetmigrate.formulas.findings import CHANGES, MAY_SHIFT
from pytest_sheetmigrate.formulas.relocation import COLUMNS, dimension_changes, index_map, relocate

UNBOUNDED: Final = 18_278
"""The column past the last a Google sheet has (an unbounded GridRange ends there)."""


@dataclass(frozen=True)
class RangeFinding:
    """One object whose range (or what it says about columns) the step changes."""

    kind: str
    """``named range``, ``conditional format``, ``filter view``, ``basic filter``,
    or ``data validation``."""
    name: str
    columns: str
    """The object's columns before the step (``F:K``)."""
    verdict: str
    why: str
    what_to_do: str


def find_range_dependents(
    spreadsheet: Mapping[str, Any],
    sheet_id: int,
    sheet_title: str,
    requests: Sequence[Mapping[str, Any]],
) -> list[RangeFinding]:
    """The objects of ``spreadsheet`` (a ``spreadsheets.get`` answer) on the tab ``sheet_id``
    that the columns step ``requests`` changes; empty when nothing shifts."""
    if not dimension_changes(requests, COLUMNS):
        return []
    mapped = index_map(requests, COLUMNS)
    context = _Context(sheet_id, sheet_title, requests, mapped)
    findings = [
        finding
        for named in spreadsheet.get("namedRanges", [])
        for finding in context.grown(
            "named range",
            named.get("name", ""),
            named.get("range", {}),
            "formulas using the name now cover the new columns, and a column number into it shifts",
            "check the formulas that use this name",
        )
    ]
    for sheet in spreadsheet.get("sheets", []):
        if sheet.get("properties", {}).get("sheetId") != sheet_id:
            continue
        findings += context.conditional_formats(sheet.get("conditionalFormats", []))
        views = [(v.get("title", ""), v) for v in sheet.get("filterViews", [])]
        findings += context.filters("filter view", views)
        if "basicFilter" in sheet:
            findings += context.filters("basic filter", [("basic filter", sheet["basicFilter"])])
        findings += context.validations(sheet.get("data", []))
    return findings


@dataclass(frozen=True)
class _Context:
    sheet_id: int
    title: str
    requests: Sequence[Mapping[str, Any]]
    mapped: Callable[[int], int]

    def span(self, grid: Mapping[str, Any]) -> tuple[int, int] | None:
        """(first, end) columns of a GridRange on the migrated tab, else None."""
        if grid.get("sheetId", 0) != self.sheet_id:
            return None
        return grid.get("startColumnIndex", 0), grid.get("endColumnIndex", UNBOUNDED)

    def gained(self, first: int, end: int) -> list[int]:
        """Columns inside the object's span after the step that were not in it before."""
        if first >= end:
            return []
        new = [self.mapped(c) for c in range(first, min(end, UNBOUNDED))]
        inside = set(new)
        low, high = min(new), max(new)
        if end >= UNBOUNDED:
            high = UNBOUNDED - 1
        return [c for c in range(low, min(high + 1, UNBOUNDED)) if c not in inside]

    def grown(
        self, kind: str, name: str, grid: Mapping[str, Any], why: str, what_to_do: str
    ) -> Iterator[RangeFinding]:
        span = self.span(grid)
        if span is None:
            return
        gained = self.gained(*span)
        if gained:
            yield RangeFinding(
                kind,
                name,
                _columns(*span),
                CHANGES,
                f"the step puts columns {', '.join(column_letter(c) for c in gained)} inside its "
                f"range; {why}",
                what_to_do,
            )

    def conditional_formats(self, rules: list[Mapping[str, Any]]) -> list[RangeFinding]:
        findings: list[RangeFinding] = []
        for number, rule in enumerate(rules, start=1):
            name = f"rule {number}"
            for grid in rule.get("ranges", []):
                findings += self.grown(
                    "conditional format",
                    name,
                    grid,
                    "the rule now formats them",
                    "check the rule's ranges after the migration",
                )
            condition = rule.get("booleanRule", {}).get("condition", {})
            findings += self.formula_values("conditional format", name, condition)
        return findings

    def formula_values(
        self, kind: str, name: str, condition: Mapping[str, Any]
    ) -> list[RangeFinding]:
        """A condition formula pointing at moved columns (its relocation is unverified)."""
        for value in condition.get("values", []):
            text = str(value.get("userEnteredValue", ""))
            if not text.startswith("="):
                continue
            try:
                after = relocate(text, self.title, self.title, self.requests)
            except UnreadableFormulaError:
                after = None
            if after != text:
                return [
                    RangeFinding(
                        kind,
                        name,
                        "",
                        MAY_SHIFT,
                        f"its condition {text} points at columns that move; whether Google "
                        f"rewrites it (to {after}) is not documented (unverified)",
                        "check the condition after the migration",
                    )
                ]
        return []

    def filters(
        self, kind: str, filters: list[tuple[str, Mapping[str, Any]]]
    ) -> list[RangeFinding]:
        findings: list[RangeFinding] = []
        for name, view in filters:
            grid = view.get("range", {})
            findings += self.grown(
                kind,
                name,
                grid,
                "the view now shows them",
                "check the view's columns after the migration",
            )
            indexes = [int(k) for k in view.get("criteria", {})]
            specs = view.get("filterSpecs", [])
            indexes += [spec["columnIndex"] for spec in specs if "columnIndex" in spec]
            sorts = view.get("sortSpecs", [])
            indexes += [spec["dimensionIndex"] for spec in sorts if "dimensionIndex" in spec]
            moved = sorted({i for i in indexes if self.mapped(i) != i})
            if moved and self.span(grid) is not None:
                findings.append(
                    RangeFinding(
                        kind,
                        name,
                        _columns(*self.span(grid) or (0, 0)),
                        MAY_SHIFT,
                        "its filter or sort criteria name columns "
                        f"{', '.join(column_letter(i) for i in moved)} by index, which move; "
                        "whether Google moves the criteria with them is not documented "
                        "(unverified)",
                        "check the criteria after the migration",
                    )
                )
        return findings

    def validations(self, data: list[Mapping[str, Any]]) -> list[RangeFinding]:
        validated: dict[int, Mapping[str, Any]] = {}
        for grid in data:
            first = grid.get("startColumn", 0)
            for row in grid.get("rowData", []):
                for offset, cell in enumerate(row.get("values", [])):
                    if "dataValidation" in cell:
                        validated.setdefault(first + offset, cell["dataValidation"])
        findings: list[RangeFinding] = []
        for column, rule in sorted(validated.items()):
            findings += self._inherited(column)
            name = f"column {column_letter(column)}"
            findings += self.formula_values("data validation", name, rule.get("condition", {}))
        return findings

    def _inherited(self, column: int) -> list[RangeFinding]:
        position = column
        for request in self.requests:
            insert = request.get("insertDimension")
            if insert and insert["range"].get("dimension") == COLUMNS:
                start = insert["range"]["startIndex"]
                if insert.get("inheritFromBefore") and start == position + 1:
                    return [
                        RangeFinding(
                            "data validation",
                            f"column {column_letter(column)}",
                            column_letter(column),
                            MAY_SHIFT,
                            "columns are inserted right after it with inheritFromBefore, so "
                            "they may take its validation rule (unverified)",
                            "check the new columns' validation; the init step writes defaults "
                            "there",
                        )
                    ]
            position = index_map([request], COLUMNS)(position)
        return []


def _columns(first: int, end: int) -> str:
    last = min(end, UNBOUNDED) - 1
    return f"{column_letter(first)}:{column_letter(last)}"
