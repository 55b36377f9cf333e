"""A transform applied to one row, its answer checked before anything is written.

The function receives the row as a mapping (header name to cell value, the version's renames
applied) and returns a mapping of exactly the columns it owns, each value of its column's type
(or blank). Anything else is refused with the sheet row and what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..cell_types import ERROR_VALUES, CellValue, value_matches_type
from ..errors import SchemaError
from ..schema import Schema
from .version_file import Transform


def apply_transform(
    function: Callable[..., Any],
    transform: Transform,
    row: Mapping[str, CellValue],
    sheet_row: int,
    target: Schema,
) -> dict[str, CellValue]:
    where = f"transform {transform.function} on row {sheet_row}"
    try:
        answer = function(dict(row))
    except Exception as exc:  # the user's function: what it raises is theirs to fix
        raise SchemaError(
            f"{where} raised {type(exc).__name__}: {exc}. Fix the function (the dry run "
            "computes every row without writing: pytest --migrate --dry-run)."
        ) from None
    if not isinstance(answer, Mapping):
        raise SchemaError(
            f"{where} returned {type(answer).__name__}, not a mapping of its columns "
            f"({', '.join(transform.columns)}) to their values; return a dict."
        )
    wanted, given = set(transform.columns), set(answer)
    if given != wanted:
        parts = []
        if wanted - given:
            parts.append(f"missing {', '.join(sorted(wanted - given))}")
        if given - wanted:
            parts.append(f"not its own: {', '.join(sorted(map(str, given - wanted)))}")
        raise SchemaError(
            f"{where} returned the wrong columns ({'; '.join(parts)}); return exactly "
            f"{', '.join(transform.columns)}, the columns the file gives it."
        )
    for name in transform.columns:
        value = answer[name]
        column_type = target.column(name).type
        fits = value is None or (
            isinstance(value, str | int | float | bool)
            and value not in ERROR_VALUES
            and value_matches_type(column_type, value)
        )
        if not fits:
            raise SchemaError(
                f"{where} returned {value!r} for {name!r}, not a {column_type}; return a "
                f"{column_type} or None for a blank cell."
            )
    return {name: answer[name] for name in transform.columns}
