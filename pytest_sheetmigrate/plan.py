"""The plan: what turns the live header into the schema's header, as API requests and in memory.

``Plan.build`` validates the live header and computes, without calling any API:

- moves: ``moveDimension`` for existing columns out of schema order. Columns on a longest
  increasing run stay put; each other column moves right after its predecessor in schema order,
  so the count of moves is minimal. ``destinationIndex`` follows the API: an index in the
  coordinates *before* the source column is removed.
- inserts: ``insertDimension`` for missing columns at their schema positions (consecutive ones
  in one request), applied left to right after the moves. ``inheritFromBefore`` is true except
  at column A, so a new column takes its left neighbour's format.
- one ``updateCells`` per insert writing the inserted columns' header cells, as RAW strings
  (``userEnteredValue.stringValue``); no existing header cell is written, so a column another
  writer inserted or moved since the header was read keeps its header.
- the init step: one ``repeatCell`` per added column with a default, over the data rows only.

The same operations run in memory (``apply_to_header``, ``apply_to_row``,
``apply_defaults_to_row``) so a dry run can compute the planned result from the live rows.
Not covered here: cells right of the header (they shift right with the inserts, and
``apply_to_row`` keeps them after the schema's columns) and merged header cells.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.cell_types import CellValue, Formula
from pytest_sheetmigrate.errors import SchemaError, SheetStateError, UnreadableFormulaError
from pytest_sheetmigrate.formulas.relocation import Relocator, column_positions
from pytest_sheetmigrate.schema import Schema, check_header_cells

MAX_COLUMNS: Final = 18_278
"""Columns a Google Sheets worksheet holds at most (column ZZZ)."""

MAX_CELLS: Final = 10_000_000
"""Cells a Google spreadsheet holds at most."""


@dataclass(frozen=True)
class Move:
    """Move one column: from ``source_index`` to API ``destinationIndex`` (before removal)."""

    name: str
    source_index: int
    destination_index: int


@dataclass(frozen=True)
class Insert:
    """Insert the columns ``names`` (consecutive in the schema) starting at ``index``."""

    index: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The columns step and the init step for one worksheet, computed from its live header."""

    schema: Schema
    sheet_id: int
    live_header: tuple[str, ...]
    data_row_count: int
    grid_column_count: int
    grid_row_count: int
    moves: list[Move]
    inserts: list[Insert]
    columns_to_add: list[tuple[str, int]]
    """(name, 0-based index in the result) of each column the schema has and the sheet lacks."""
    _source_of_target: tuple[int | None, ...] = field(repr=False)

    @classmethod
    def build(
        cls,
        schema: Schema,
        live_header: Sequence[str],
        sheet_id: int,
        data_row_count: int,
        grid_column_count: int,
        grid_row_count: int | None = None,
        other_tabs: Mapping[str, int] | None = None,
    ) -> Plan:
        """Validate the live header against the schema and plan the columns and init steps.

        ``grid_row_count`` (rows of the grid, trailing empty ones included) defaults to the
        header plus the data rows; with ``other_tabs`` (the grid cells of each other tab of the
        spreadsheet) it only feeds the 10,000,000-cell limit check, which Google applies to the
        whole spreadsheet.
        """
        live = tuple(live_header)
        if grid_column_count < len(live) or data_row_count < 0:
            raise ValueError(
                f"grid of {grid_column_count} columns cannot hold a header of {len(live)}, "
                f"or data_row_count {data_row_count} is negative"
            )
        _check_live_header(schema, live)
        present = set(live)
        target = schema.header
        existing = [name for name in target if name in present]
        columns_to_add = [(name, i) for i, name in enumerate(target) if name not in present]
        _refuse_required_without_default(schema, columns_to_add)
        moves = _plan_moves(list(live), existing)
        inserts = _group_inserts(columns_to_add)
        rows = data_row_count + 1 if grid_row_count is None else grid_row_count
        _check_grid_limits(schema, grid_column_count + len(columns_to_add), rows, other_tabs or {})
        source = _simulate(len(live), moves, inserts)
        return cls(
            schema=schema,
            sheet_id=sheet_id,
            live_header=live,
            data_row_count=data_row_count,
            grid_column_count=grid_column_count,
            grid_row_count=rows,
            moves=moves,
            inserts=inserts,
            columns_to_add=columns_to_add,
            _source_of_target=source,
        )

    @property
    def is_noop_columns(self) -> bool:
        """True when the live header already is the schema's header."""
        return not self.moves and not self.columns_to_add

    @property
    def columns_with_defaults_to_write(self) -> list[str]:
        """Added columns that have a default: what the init step writes."""
        return [n for n, _ in self.columns_to_add if self.schema.column(n).default is not None]

    # -- requests ---------------------------------------------------------------------------

    def columns_requests(self) -> list[dict[str, Any]]:
        """The batchUpdate ``requests`` of the columns step (empty when there is nothing to do)."""
        requests: list[dict[str, Any]] = [
            {
                "moveDimension": {
                    "source": self._dimension_range(move.source_index, move.source_index + 1),
                    "destinationIndex": move.destination_index,
                }
            }
            for move in self.moves
        ]
        requests += [
            {
                "insertDimension": {
                    "range": self._dimension_range(insert.index, insert.index + len(insert.names)),
                    "inheritFromBefore": insert.index > 0,
                }
            }
            for insert in self.inserts
        ]
        # Only the inserted columns' own header cells: in the same batch as their inserts, so
        # they land on fresh cells even if another writer changed the layout since it was read.
        requests += [
            {
                "updateCells": {
                    "start": {"sheetId": self.sheet_id, "rowIndex": 0, "columnIndex": insert.index},
                    "rows": [{"values": [_cell(name) for name in insert.names]}],
                    "fields": "userEnteredValue",
                }
            }
            for insert in self.inserts
        ]
        return requests

    def init_requests(
        self, columns: Sequence[str] | None = None, at: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """One ``repeatCell`` per column writing its default on every data row (rows 2..n+1).

        ``columns`` defaults to ``columns_with_defaults_to_write``; a rerun that resumes after
        the columns step passes the names its checkpoint or stamp recorded. ``at`` gives the
        0-based index where each column is now (found just before the write), else its index in
        the schema. The payload does not grow with the number of rows.
        """
        names = self.columns_with_defaults_to_write if columns is None else list(columns)
        if self.data_row_count == 0:
            return []
        requests = []
        for index, default in self._defaults(names, at):
            requests.append(
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": self.sheet_id,
                            "startRowIndex": 1,
                            "endRowIndex": self.data_row_count + 1,
                            "startColumnIndex": index,
                            "endColumnIndex": index + 1,
                        },
                        "cell": _cell(default),
                        "fields": "userEnteredValue",
                    }
                }
            )
        return requests

    # -- the same operations in memory --------------------------------------------------------

    def apply_to_header(self) -> list[str]:
        """The header after the columns step: columns moved and inserted, new names written."""
        header = [str(name) for name in self.apply_to_row(self.live_header)]
        for name, index in self.columns_to_add:
            header[index] = name
        return header

    def apply_to_row(self, row: Sequence[CellValue]) -> list[CellValue]:
        """A data row after the columns step; cells right of the header keep their order, and
        each formula is rewritten as Google relocates it (:attr:`formula_relocation`)."""
        width = len(self.live_header)
        padded = list(row[:width])
        padded += [""] * (width + 1 - len(padded))  # index ``width`` is the inserted blank
        result = [padded[width if i is None else i] for i in self._source_of_target]
        result += row[width:]
        relocate = self.formula_relocation
        if relocate is not None and Formula in set(map(type, result)):
            result = [Formula(relocate(v)) if type(v) is Formula else v for v in result]
        return result

    @cached_property
    def formula_relocation(self) -> Callable[[str], str] | None:
        """A formula of the worksheet as Google rewrites it when the columns step's requests
        move and insert columns (formulas/relocation.py); None when no column shifts. A
        formula the tokenizer cannot read is kept as it is: the verification then shows what
        Google made of it."""
        requests = self.columns_requests()
        positions = column_positions(requests, self.grid_column_count)
        if all(old == new for old, new in enumerate(positions)):
            return None  # columns only added after the last one: no reference changes
        title = self.schema.worksheet
        relocator = Relocator(title, requests)

        def relocate(formula: str) -> str:
            try:
                return relocator.relocate(formula, title)
            except UnreadableFormulaError:
                return formula

        return relocate

    def apply_defaults_to_row(
        self, row: Sequence[CellValue], columns: Sequence[str] | None = None
    ) -> list[CellValue]:
        """A data row (in the schema's layout) after the init step."""
        names = self.columns_with_defaults_to_write if columns is None else list(columns)
        result = list(row)
        for index, default in self._defaults(names):
            result += [""] * (index + 1 - len(result))
            result[index] = default
        return result

    def _defaults(
        self, names: Sequence[str], at: Mapping[str, int] | None = None
    ) -> list[tuple[int, CellValue]]:
        """(index, default) of each named column; ValueError if one has no default."""
        found = []
        for name in names:
            default = self.schema.column(name).default
            if default is None:
                raise ValueError(f"column {name!r} has no default in {self.schema.path}")
            index = at[name] if at is not None else self.schema.header.index(name)
            found.append((index, default))
        return found

    def _dimension_range(self, start: int, end: int) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "dimension": "COLUMNS",
            "startIndex": start,
            "endIndex": end,
        }


def formula_relocation_from(schema: Schema, header: Sequence[str]) -> Callable[[str], str] | None:
    """How the columns step relocates the formulas of a worksheet whose header is ``header``
    (a backup's: the step's requests follow from it and the schema alone)."""
    plan = Plan.build(schema, header, sheet_id=0, data_row_count=0, grid_column_count=len(header))
    return plan.formula_relocation


def layout_requests(sheet_id: int, current: list[str], target: list[str]) -> list[dict[str, Any]]:
    """Requests that turn the header ``current`` into ``target`` (a migration taken back):
    deleteDimension for each column ``target`` lacks, then moveDimension into its order."""
    current = list(current)
    requests: list[dict[str, Any]] = []
    for index in sorted((i for i, name in enumerate(current) if name not in target), reverse=True):
        requests.append({"deleteDimension": {"range": _column_range(sheet_id, index)}})
        del current[index]
    for index, name in enumerate(target):
        source = current.index(name)
        if source != index:
            requests.append(
                {
                    "moveDimension": {
                        "source": _column_range(sheet_id, source),
                        "destinationIndex": index,
                    }
                }
            )
            current.insert(index, current.pop(source))
    return requests


def _column_range(sheet_id: int, index: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1}


def _cell(value: CellValue) -> dict[str, Any]:
    """A RAW ``CellData``: text stays text, even ``=IMPORTXML(...)``."""
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": value}}


def _check_live_header(schema: Schema, live: tuple[str, ...]) -> None:
    check_header_cells(live, schema.worksheet)
    unknown = [
        f'"{name}" (column {column_letter(index)})'
        for index, name in enumerate(live)
        if not schema.has_column(name)
    ]
    if unknown:
        raise SheetStateError(
            f'sheet "{schema.worksheet}" has columns the schema does not list: '
            f"{', '.join(unknown)}. Nothing was changed. If a header was renamed by hand, give "
            f"it back its name; if the application uses the column, add it to {schema.path}. "
            "Delete a column from the sheet only when its data is no longer needed."
        )
    if schema.key not in live:
        raise SheetStateError(
            f'sheet "{schema.worksheet}" has no key column "{schema.key}" in its header row. '
            f"The key must be a column the sheet already has: fix key in {schema.path} "
            "or the sheet's header."
        )


def _refuse_required_without_default(schema: Schema, to_add: list[tuple[str, int]]) -> None:
    blank_forever = [name for name, _ in to_add if schema.column(name).required]
    blank_forever = [name for name in blank_forever if schema.column(name).default is None]
    if blank_forever:
        names = ", ".join(f'"{name}"' for name in blank_forever)
        raise SchemaError(
            f"{schema.path}: column {names} is required but has no default, and the sheet "
            f'"{schema.worksheet}" lacks it: the migration would leave it blank on every row. '
            "Give it a default or drop required = true."
        )


def _check_grid_limits(
    schema: Schema, columns: int, rows: int, other_tabs: Mapping[str, int]
) -> None:
    if columns > MAX_COLUMNS:
        raise SheetStateError(
            f'the migrated sheet "{schema.worksheet}" would have {columns:,} columns; Google '
            f"Sheets allows {MAX_COLUMNS:,}. Delete unused columns of the sheet first."
        )
    cells = columns * rows
    others = sum(other_tabs.values())
    if cells + others <= MAX_CELLS:
        return
    size = f"{rows:,} rows x {columns:,} columns = {cells:,} cells"
    if not others:
        raise SheetStateError(
            f'the migrated sheet "{schema.worksheet}" would have {size}; a Google spreadsheet '
            f"holds {MAX_CELLS:,}. Delete unused (empty) rows or columns of the grid first."
        )
    tabs = ", ".join(f'"{title}"' for title in other_tabs)
    raise SheetStateError(
        f"the spreadsheet would have {cells + others:,} cells after the migration: the migrated "
        f'sheet "{schema.worksheet}" {size}, and its other tabs ({tabs}) hold {others:,}; a '
        f"Google spreadsheet holds {MAX_CELLS:,} over all its tabs. Delete unused (empty) rows "
        "or columns, or tabs, of the spreadsheet first."
    )


def _plan_moves(current: list[str], existing: list[str]) -> list[Move]:
    """Moves that put ``current`` (a permutation of ``existing``) into ``existing``'s order."""
    position = {name: index for index, name in enumerate(current)}
    keep = set(_longest_increasing_run(existing, position))
    moves = []
    previous: str | None = None
    for name in existing:
        if name not in keep:
            source = current.index(name)
            destination = 0 if previous is None else current.index(previous) + 1
            if source != destination:
                moves.append(Move(name, source, destination))
                current.insert(_index_after_removal(source, destination), current.pop(source))
        previous = name
    return moves


def _longest_increasing_run(names: list[str], position: dict[str, int]) -> list[str]:
    """The longest subsequence of ``names`` whose positions increase (patience sorting)."""
    tails: list[int] = []  # tails[k]: position ending the best run of length k + 1
    tail_index: list[int] = []
    parent: list[int] = []
    for index, name in enumerate(names):
        k = bisect_left(tails, position[name])
        if k == len(tails):
            tails.append(position[name])
            tail_index.append(index)
        else:
            tails[k] = position[name]
            tail_index[k] = index
        parent.append(tail_index[k - 1] if k else -1)
    run = []
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        run.append(names[index])
        index = parent[index]
    return run[::-1]


def _index_after_removal(source: int, destination: int) -> int:
    return destination - 1 if destination > source else destination


def _group_inserts(to_add: list[tuple[str, int]]) -> list[Insert]:
    inserts: list[Insert] = []
    for name, index in to_add:
        last = inserts[-1] if inserts else None
        if last is not None and last.index + len(last.names) == index:
            inserts[-1] = Insert(last.index, (*last.names, name))
        else:
            inserts.append(Insert(index, (name,)))
    return inserts


def _simulate(width: int, moves: list[Move], inserts: list[Insert]) -> tuple[int | None, ...]:
    """For each result column, the live column it comes from (None: inserted)."""
    columns: list[int | None] = list(range(width))
    for move in moves:
        moved = columns.pop(move.source_index)
        columns.insert(_index_after_removal(move.source_index, move.destination_index), moved)
    for insert in inserts:
        columns[insert.index : insert.index] = [None] * len(insert.names)
    return tuple(columns)
