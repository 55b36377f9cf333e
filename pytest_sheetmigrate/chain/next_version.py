"""The next version file, written from the live sheet instead of typed by hand.

Two ways: from the live sheet alone (every column, its type guessed from its cells: a baseline
for a sheet the tool has never seen), or from the head version plus the live sheet's drift (the
head's columns kept with their types, headers renamed by hand as renames, columns deleted by hand
as drops, new columns with a guessed type, in the live order). Each guessed column says in a
comment what its guess rests on. The text is a version file as version_file.py reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..cell_types import COLUMN_TYPES, CellValue, is_blank, value_matches_type
from ..schema import Column
from .drift import Drift, LiveColumn
from .version_file import WorksheetVersion

# Narrowest first: a column is the first type every one of its non-blank cells matches.
_GUESS_ORDER = ("boolean", "integer", "number", "date", "string")
assert set(_GUESS_ORDER) == set(COLUMN_TYPES)


@dataclass(frozen=True)
class DraftColumn:
    column: Column
    note: str = ""  # a comment above the column ('' for one taken from the head version)


@dataclass(frozen=True)
class DraftWorksheet:
    title: str
    key: str
    columns: tuple[DraftColumn, ...]
    renames: tuple[tuple[str, str], ...] = ()
    drops: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def guess_column(name: str, cells: Iterable[CellValue]) -> DraftColumn:
    """The narrowest type every non-blank cell of the column matches, and why."""
    values = [cell for cell in cells if not is_blank(cell)]
    formulas = sum(1 for v in values if isinstance(v, str) and v.startswith("="))
    if formulas:
        note = f"{formulas:,} formula cell(s): their type is not guessed; check it"
        return DraftColumn(Column(name, "string"), note)
    if not values:
        return DraftColumn(Column(name, "string"), "every cell is blank: type not guessed")
    guessed = next(t for t in _GUESS_ORDER if all(value_matches_type(t, v) for v in values))
    return DraftColumn(Column(name, guessed), f"{guessed}: all {len(values):,} non-blank cells")


def draft_from_sheet(
    title: str, header: Sequence[str], cells_of: Callable[[str], Iterable[CellValue]], key: str
) -> DraftWorksheet:
    """Every live column, its type guessed from ``cells_of(name)``."""
    columns = tuple(guess_column(name, cells_of(name)) for name in header)
    return DraftWorksheet(title, key, columns)


def draft_from_drift(
    head: WorksheetVersion,
    drift: Drift,
    live: Sequence[LiveColumn],
    cells_of: Callable[[str], Iterable[CellValue]],
) -> DraftWorksheet:
    """The head version's worksheet changed as the live sheet now is (see the module)."""
    target = head.schema
    new_name = {old: column.name for old, column in drift.renamed}
    old_name = {new: old for old, new in new_name.items()}
    extra = {column.name for column in drift.extra}
    columns = []
    for column in sorted(live, key=lambda c: c.index):
        if column.name in extra:
            columns.append(guess_column(column.name, cells_of(column.name)))
            continue
        kept = target.column(old_name.get(column.name, column.name))
        columns.append(DraftColumn(Column(column.name, kept.type, kept.required, kept.default)))
    key = new_name.get(target.key, target.key)
    notes = tuple(f"{name!r} was deleted by hand: dropped here" for name in drift.missing)
    return DraftWorksheet(
        head.title, key, tuple(columns), tuple(new_name.items()), drift.missing, notes
    )


def version_text(version: str, worksheets: Sequence[DraftWorksheet], description: str = "") -> str:
    """The version file's TOML text."""
    lines = ["[version]", f"name = {_string(version)}"]
    if description:
        lines.append(f"description = {_string(description)}")
    for worksheet in worksheets:
        lines += ["", "[[worksheet]]", f"name = {_string(worksheet.title)}"]
        lines.append(f"key = {_string(worksheet.key)}")
        lines += [f"# {note}" for note in worksheet.notes]
        if worksheet.renames:
            pairs = ", ".join(f"{_string(old)} = {_string(new)}" for old, new in worksheet.renames)
            lines.append(f"renames = {{ {pairs} }}")
        if worksheet.drops:
            lines.append(f"drops = [{', '.join(_string(name) for name in worksheet.drops)}]")
        for draft in worksheet.columns:
            column = draft.column
            lines += ["", *([f"# {draft.note}"] if draft.note else []), "[[worksheet.columns]]"]
            lines += [f"name = {_string(column.name)}", f"type = {_string(column.type)}"]
            if column.required:
                lines.append("required = true")
            if column.default is not None:
                lines.append(f"default = {_value(column.default)}")
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _value(value: CellValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _string(value) if isinstance(value, str) else repr(value)
