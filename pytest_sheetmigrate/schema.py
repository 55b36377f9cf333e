"""The target schema: a TOML file read into frozen dataclasses, and checks of a header row.

File format (every key below is the whole vocabulary; anything else is refused)::

    [migration]
    name = "3.0"              # the schema version this file describes
    worksheet = "Operaciones"
    key = "TAG_SPOOL"         # data rows are those down to the last non-empty key cell

    [[columns]]               # in order: the target header
    name = "TAG_SPOOL"
    type = "string"           # string | integer | number | date | boolean
    required = true           # optional, default false: no blank allowed
    default = ...             # optional: the init step writes it on every data row

The cell type rules a column's ``type`` and ``default`` are checked with are in cell_types.py.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.cell_types import (
    COLUMN_TYPES,
    ERROR_VALUES,
    MAX_CELL_CHARACTERS,
    CellValue,
    is_blank,
    value_matches_type,
)
from pytest_sheetmigrate.errors import SchemaError, SheetStateError

_MIGRATION_KEYS: Final = ("name", "worksheet", "key")
_COLUMN_KEYS: Final = ("name", "type", "required", "default")


@dataclass(frozen=True)
class Column:
    """One column of the target header."""

    name: str
    type: str
    required: bool = False
    default: CellValue | None = None


@dataclass(frozen=True)
class Schema:
    """The target schema: worksheet, key column and the columns in header order."""

    name: str
    worksheet: str
    key: str
    columns: tuple[Column, ...]
    path: Path

    @property
    def header(self) -> list[str]:
        """The target header row, in order."""
        return [column.name for column in self.columns]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError if the schema has none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.path}: no column {name!r} in the schema") from None

    def has_column(self, name: str) -> bool:
        return name in self._by_name


def load_schema(path: Path) -> Schema:
    """Read and validate a schema TOML file; SchemaError names the file, column and fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM, as some editors save, is dropped
    except FileNotFoundError:
        raise SchemaError(
            f"{path}: schema file not found. Pass --schema with the path of the TOML file "
            "that describes the target columns."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read the schema file ({exc}).") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{path}: invalid TOML: {exc}. Fix the syntax at that line.") from None
    return _parse_document(document, path)


def _parse_document(document: Mapping[str, Any], path: Path) -> Schema:
    unknown = sorted(set(document) - {"migration", "columns"})
    if unknown:
        raise SchemaError(
            f"{path}: unknown top-level key {_names(unknown)}; "
            "the file holds only [migration] and [[columns]]."
        )
    migration = document.get("migration")
    if not isinstance(migration, dict):
        raise SchemaError(
            f"{path}: no [migration] table; add one with name, worksheet and key "
            '(e.g. name = "3.0").'
        )
    refuse_unknown_keys(migration, _MIGRATION_KEYS, f"{path}: [migration]")
    name, worksheet, key = (_required_text(migration, field, path) for field in _MIGRATION_KEYS)

    columns = parse_columns(document.get("columns"), key, path)
    return Schema(name=name, worksheet=worksheet, key=key, columns=columns, path=path)


def parse_columns(
    raw_columns: object, key: str, path: Path, table: str = "[[columns]]"
) -> tuple[Column, ...]:
    """The ``[[columns]]`` entries of a schema (``table``: how the file spells them), checked:
    each once, with a known type, and ``key`` among them."""
    if not isinstance(raw_columns, list) or not raw_columns:
        raise SchemaError(
            f"{path}: no {table}; list the target columns in header order, "
            f"each as {table} with name and type."
        )
    columns: list[Column] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_columns, start=1):
        column = _parse_column(raw, position, path)
        if column.name in seen:
            raise SchemaError(
                f'{path}: column "{column.name}" is listed twice (entry {position}); '
                "each column appears once: remove or rename the duplicate."
            )
        seen.add(column.name)
        columns.append(column)
    if key not in seen:
        raise SchemaError(
            f'{path}: key "{key}" is not among the columns; set key to the name of the '
            "column that holds each row's unique id, or add that column."
        )
    return tuple(columns)


def _parse_column(raw: object, position: int, path: Path) -> Column:
    where = f"{path}: [[columns]] entry {position}"
    if not isinstance(raw, dict):
        raise SchemaError(f"{where} is not a table; write it as [[columns]] with name and type.")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SchemaError(f'{where} has no name or a blank one; write name = "<header text>".')
    where = f'{path}: column "{name}"'
    refuse_unknown_keys(raw, _COLUMN_KEYS, where)
    column_type = raw.get("type")
    if column_type not in COLUMN_TYPES:
        shown = "no type" if column_type is None else f"unknown type {column_type!r}"
        raise SchemaError(f"{where}: {shown}; write type = one of {', '.join(COLUMN_TYPES)}.")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise SchemaError(
            f"{where}: required = {_show(required)} is not a boolean; write true or false."
        )
    default = raw.get("default")
    if default is not None:
        _check_default(default, column_type, where)
    return Column(name=name, type=column_type, required=required, default=default)


def _check_default(default: object, column_type: str, where: str) -> None:
    example = {
        "string": 'default = "text"',
        "integer": "default = 0",
        "number": "default = 0.0",
        "date": 'default = "2024-01-31"',
        "boolean": "default = false",
    }[column_type]
    fits = {
        "string": isinstance(default, str),
        "integer": isinstance(default, int) and not isinstance(default, bool),
        "number": isinstance(default, int | float) and not isinstance(default, bool),
        "date": isinstance(default, str) and value_matches_type("date", default),
        "boolean": isinstance(default, bool),
    }[column_type]
    if isinstance(default, float) and not math.isfinite(default):
        fits = False
    if not fits:
        article = "an" if column_type[0] in "aeiou" else "a"
        note = " (dates are written as text: quote them)" if column_type == "date" else ""
        raise SchemaError(
            f"{where}: default {_show(default)} is not {article} {column_type}{note}; "
            f"write {example}"
        )
    if isinstance(default, str):
        if default == "":
            raise SchemaError(f"{where}: default is blank; remove the default line instead.")
        if default in ERROR_VALUES:
            raise SchemaError(
                f'{where}: default "{default}" is a spreadsheet error value; write {example}'
            )
        if len(default) > MAX_CELL_CHARACTERS:
            raise SchemaError(
                f"{where}: default is {len(default):,} characters; a Sheets cell holds at most "
                f"{MAX_CELL_CHARACTERS:,}. Shorten it."
            )


def _required_text(table: Mapping[str, Any], field: str, path: Path) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        shown = "missing" if value is None else f"{_show(value)}, not a non-blank string"
        raise SchemaError(f'{path}: [migration] {field} is {shown}; write {field} = "...".')
    return value


def refuse_unknown_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise SchemaError(
            f"{where}: unknown key {_names(unknown)}; the keys allowed here are "
            f"{', '.join(allowed)}."
        )


def _names(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


# -- sheet header helpers shared by the snapshot and the plan ---------------------------------


def check_header_cells(header: Sequence[str], worksheet: str) -> None:
    """Refuse blank or duplicate header cells (SheetStateError naming the column letters)."""
    blanks = [column_letter(index) for index, name in enumerate(header) if is_blank(name)]
    if blanks:
        raise SheetStateError(
            f'sheet "{worksheet}" has blank header cells in row 1: column {", ".join(blanks)}. '
            "Give each of them a header (and add it to the schema) or delete the empty column."
        )
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(name, []).append(index)
    duplicates = [
        f'"{name}" (columns {", ".join(column_letter(i) for i in indexes)})'
        for name, indexes in positions.items()
        if len(indexes) > 1
    ]
    if duplicates:
        raise SheetStateError(
            f'sheet "{worksheet}" has duplicate headers in row 1: {"; ".join(duplicates)}. '
            "Rename or delete the extra columns so every header is unique."
        )
