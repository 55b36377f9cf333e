"""The first changed cell of a column whose block digests differ: what the verification names
when existing data changed (issue 13: "naming the cell, the formula expected and the one found").

The snapshots keep digests, not cells, so the cells of that one block are read again: before
from the local backup snapshot (local_snapshot.py, no request), after from the sheet (one
values.batchGet of the block's rows). The cells before are relocated as the columns step makes
Google rewrite them, and compared kind and value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..a1 import column_letter
from ..cell_types import Formula, normalised
from ..context import SheetContext
from ..local_snapshot import read_rows
from ..plan import formula_relocation_from
from ..reader import SheetReader
from ..snapshot import Snapshot


def changed_cell_finder(
    context: SheetContext, before: Snapshot, after: Snapshot, local_snapshot: str | None
) -> Callable[[str, int, int], str | None] | None:
    """A ``CheckInput.first_changed_cell`` for this sheet; None without a local snapshot (a dry
    run keeps none: its sheet after is the plan's, which cannot differ from the plan)."""
    if not local_snapshot or not Path(local_snapshot).exists():
        return None
    reader = SheetReader(context.gateway)

    @functools.cache  # checks 1 and 4 ask for the same block: read once
    def first_changed(column: str, first_row: int, last_row: int) -> str | None:
        if column not in before.header or column not in after.header:
            return None
        relocate = formula_relocation_from(context.schema, before.header)  # a check failed
        old_at, new_at = before.header.index(column), after.header.index(column)
        old_rows = read_rows(Path(local_snapshot), first_row, last_row)
        chunks = reader.rows(context.sheet.title, first_row, last_row, len(after.header))
        new_rows = [row for chunk in chunks for row in chunk]
        for number, (old, new) in enumerate(zip(old_rows, new_rows, strict=False), first_row):
            expected, found = _cell(old, old_at), _cell(new, new_at)
            if type(expected) is Formula and relocate is not None:
                expected = Formula(relocate(expected))
            if _kind(expected) != _kind(found) or expected != found:
                cell = f"{column_letter(new_at)}{number}"
                return f"{cell}: expected {_told(expected)}, found {_told(found)}"
        return None

    return first_changed


def _cell(row: Sequence[Any], index: int) -> Any:
    return normalised(row[index]) if index < len(row) else ""


def _kind(value: Any) -> str:
    if type(value) is Formula:
        return "formula"
    return {bool: "boolean", int: "number", float: "number"}.get(type(value), "text")


def _told(value: Any) -> str:
    if value == "":
        return "a blank"
    return f"{_kind(value)} {str(value) if type(value) is Formula else repr(value)}"
