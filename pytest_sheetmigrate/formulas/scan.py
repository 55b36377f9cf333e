"""The dependents of one columns step over a whole spreadsheet, and how they are told.

``DependentsScan`` is fed the rows of every tab as they are read (formulas as ``Formula``) and
the spreadsheet's objects (``spreadsheets.get``); it keeps the findings of ``dependents`` and
``objects`` and groups them for the plan and the refusal: a formula copied down a column is one
line, ``Resumen!C2:C41 (40 cells)``. ``letter_map_lines`` tells application code that addresses
columns by letter where each column went.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.formulas.dependents import DependentsScanner
from pytest_sheetmigrate.formulas.findings import Finding
from pytest_sheetmigrate.formulas.objects import RangeFinding, find_range_dependents
from pytest_sheetmigrate.formulas.relocation import column_positions

_CELL = re.compile(r"([A-Z]+)(\d+)")


class DependentsScan:
    """The formulas and objects whose meaning the columns step ``requests`` on the tab
    ``changed_title`` changes, although Google relocates their references."""

    def __init__(self, changed_title: str, requests: Sequence[Mapping[str, Any]]) -> None:
        self.changed_title = changed_title
        self.requests = list(requests)
        self._scanner = DependentsScanner(changed_title, self.requests)
        self.formulas: list[Finding] = []
        self.objects: list[RangeFinding] = []

    def __bool__(self) -> bool:
        return bool(self.formulas or self.objects)

    def add_rows(self, tab: str, rows: Sequence[Sequence[Any]], first_row: int) -> None:
        """The rows of ``tab`` from sheet row ``first_row`` on, as read."""
        if Formula not in set(map(type, chain.from_iterable(rows))):
            return
        find = self._scanner.find
        for number, row in enumerate(rows, start=first_row):
            for index, cell in enumerate(row):
                if type(cell) is Formula:
                    self.formulas += find(cell, tab, f"{column_letter(index)}{number}")

    def add_objects(self, spreadsheet: Mapping[str, Any], sheet_id: int) -> None:
        """The named ranges, rules and filters of a ``spreadsheets.get`` answer."""
        self.objects += find_range_dependents(
            spreadsheet, sheet_id, self.changed_title, self.requests
        )

    def count(self) -> int:
        return len(self.formulas) + len(self.objects)

    def lines(self) -> list[str]:
        """One line per group of findings: the cells of one column with the same reason."""
        groups: dict[tuple[Any, ...], list[Finding]] = {}
        for finding in self.formulas:
            letters, _ = _split(finding.cell)
            key = (finding.tab, letters, finding.function, finding.argument, finding.why)
            groups.setdefault(key, []).append(finding)
        lines = [_group_line(found) for found in groups.values()]
        lines += [
            f"{o.kind} {o.name!r} on {self.changed_title}!{o.columns} {o.verdict}: {o.why}; "
            f"{o.what_to_do}"
            for o in self.objects
        ]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count(), "lines": self.lines()}


def _split(cell: str) -> tuple[str, int]:
    match = _CELL.fullmatch(cell)
    return (match.group(1), int(match.group(2))) if match else (cell, 0)


def _group_line(found: list[Finding]) -> str:
    first = found[0]
    letters, top = _split(first.cell)
    bottom = max(_split(finding.cell)[1] for finding in found)
    cells = first.cell if len(found) == 1 else f"{letters}{top}:{letters}{bottom}"
    count = "" if len(found) == 1 else f" ({len(found):,} cells)"
    argument = (
        "" if first.argument is None else f" argument {first.argument} ({first.argument_text})"
    )
    return (
        f"{first.tab}!{cells}{count} {first.formula}: {first.function}{argument} {first.verdict}: "
        f"{first.why}; {first.what_to_do}"
    )


def letter_map_lines(requests: Sequence[Mapping[str, Any]], column_count: int) -> list[str]:
    """Where the columns that move go, as runs of letters (``F:BM -> H:BO``); none when no
    column moves."""
    positions = column_positions(requests, column_count)
    runs: list[list[int]] = []  # [first old, last old, shift]
    for old, new in enumerate(positions):
        if old == new:
            continue
        shift = new - old
        if runs and runs[-1][1] == old - 1 and runs[-1][2] == shift:
            runs[-1][1] = old
        else:
            runs.append([old, old, shift])
    return [
        _letters(first, last) + " -> " + _letters(first + shift, last + shift)
        for first, last, shift in runs
    ]


def _letters(first: int, last: int) -> str:
    if first == last:
        return column_letter(first)
    return f"{column_letter(first)}:{column_letter(last)}"
