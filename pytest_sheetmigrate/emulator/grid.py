"""One sheet's grid: values stored compactly, rich cell data sparse, dimension changes.

Rows are tuples of stored cell values (see :mod:`cells`), each trimmed of trailing empty cells;
``rows`` may be shorter than the sheet (rows past its end are empty). Rich cell data (note,
userEnteredFormat, ...) lives in a sparse dict keyed by (row, column) and only where set.

A :class:`Sheet` is copied for a transaction with :meth:`Sheet.clone`: the outer row list and the
dicts are copied, the row tuples are shared (they are immutable), so copying a 100,000-row sheet
costs one pointer per row and an operation never deep-copies the grid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .a1 import Box
from .cells import CellValue, is_typed

Row = tuple[CellValue, ...]
ROWS = "ROWS"
COLUMNS = "COLUMNS"


def trim(row: Sequence[CellValue]) -> Row:
    """The row without trailing empty cells, as a tuple."""
    n = len(row)
    if n and row[n - 1] != "":
        return tuple(row)
    while n and row[n - 1] == "":
        n -= 1
    return tuple(row[:n])


@dataclass
class Sheet:
    """A sheet of a spreadsheet: its properties, grid and the objects anchored to it."""

    properties: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    extras: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    typed: bool = False  # a typed value (number, boolean, date, formula) may be stored
    merges: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    dimension_groups: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {ROWS: [], COLUMNS: []}
    )
    dimension_properties: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {ROWS: {}, COLUMNS: {}}
    )
    borders: list[dict[str, Any]] = field(default_factory=list)

    # --- identity and size --------------------------------------------------------------------

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        return int(self.properties["gridProperties"].get("rowCount", 0))

    @property
    def col_count(self) -> int:
        return int(self.properties["gridProperties"].get("columnCount", 0))

    @property
    def cell_count(self) -> int:
        return self.row_count * self.col_count

    def set_size(self, rows: int, cols: int) -> None:
        """Resize the grid; cells cut off are dropped."""
        grid = self.properties["gridProperties"]
        if rows < self.row_count:
            self.delete(ROWS, rows, self.row_count)
        if cols < self.col_count:
            self.delete(COLUMNS, cols, self.col_count)
        grid["rowCount"], grid["columnCount"] = rows, cols

    def clone(self) -> Sheet:
        """A copy that can be changed without changing this one (row tuples are shared)."""
        return Sheet(
            properties=copy.deepcopy(self.properties),
            rows=list(self.rows),
            extras=dict(self.extras),
            typed=self.typed,
            merges=copy.deepcopy(self.merges),
            protected_ranges=copy.deepcopy(self.protected_ranges),
            basic_filter=copy.deepcopy(self.basic_filter),
            dimension_groups=copy.deepcopy(self.dimension_groups),
            dimension_properties=copy.deepcopy(self.dimension_properties),
            borders=copy.deepcopy(self.borders),
        )

    # --- reading ------------------------------------------------------------------------------

    def cell(self, row: int, col: int) -> CellValue:
        if row < len(self.rows):
            stored = self.rows[row]
            if col < len(stored):
                return stored[col]
        return ""

    def read(self, box: Box) -> list[Row]:
        """The stored values in a box, rows trimmed of trailing empty cells, trailing empty
        rows dropped. A tight loop: no per-cell work when the box spans whole stored rows."""
        out: list[Row] = []
        c0, c1 = box.start_col, box.end_col
        for row in self.rows[box.start_row : box.end_row]:
            if c0 == 0 and len(row) <= c1:
                out.append(row)
                continue
            part = row[c0:c1]
            if part and part[-1] == "":
                part = trim(part)
            out.append(part)
        while out and not out[-1]:
            out.pop()
        return out

    def used_box(self) -> Box:
        """The smallest box from A1 holding every non-empty value."""
        rows = len(self.rows)
        while rows and not self.rows[rows - 1]:
            rows -= 1
        cols = max((len(r) for r in self.rows[:rows]), default=0)
        return Box(0, rows, 0, cols)

    # --- writing ------------------------------------------------------------------------------

    def _ensure_rows(self, end_row: int) -> None:
        if len(self.rows) < end_row:
            self.rows.extend([()] * (end_row - len(self.rows)))

    def write(
        self, start_row: int, start_col: int, data: Sequence[Sequence[CellValue | None]]
    ) -> None:
        """Write rows of values from a corner; None leaves a cell unchanged."""
        self._ensure_rows(start_row + len(data))
        rows = self.rows
        for i, values in enumerate(data):
            if not values:
                continue
            r = start_row + i
            rows[r] = _splice(rows[r], start_col, values)
            if not self.typed and any(is_typed(v) for v in values if v is not None):
                self.typed = True

    def fill(self, box: Box, value: CellValue) -> None:
        """Set every cell of a box to one value (repeatCell): O(rows) tuple rebuilds."""
        if value == "" and box.start_row >= len(self.rows):
            return
        self._ensure_rows(box.end_row)
        block = (value,) * box.cols
        c0, c1 = box.start_col, box.end_col
        rows = self.rows
        for r in range(box.start_row, box.end_row):
            row = rows[r]
            if len(row) < c0:
                row = row + ("",) * (c0 - len(row))
            new = row[:c0] + block + row[c1:]
            rows[r] = trim(new) if value == "" or new[-1] == "" else new
        if is_typed(value):
            self.typed = True

    def clear(self, box: Box) -> None:
        """Empty the values of a box (rich cell data stays, as values.clear does)."""
        c0 = box.start_col
        rows = self.rows
        for r in range(box.start_row, min(box.end_row, len(rows))):
            row = rows[r]
            if len(row) > c0:
                rows[r] = trim(
                    row[:c0] + ("",) * max(0, min(box.end_col, len(row)) - c0) + row[box.end_col :]
                )
        self._drop_trailing_rows()

    def _drop_trailing_rows(self) -> None:
        rows = self.rows
        while rows and not rows[-1]:
            rows.pop()
        if not rows:
            self.typed = False

    def set_extra(
        self, row: int, col: int, updates: dict[str, Any], cleared: Iterable[str]
    ) -> None:
        """Set and clear rich-data fields of one cell (the stored dict is replaced, not changed)."""
        current = dict(self.extras.get((row, col), {}))
        for key in cleared:
            current.pop(key, None)
        current.update(updates)
        if current:
            self.extras[(row, col)] = current
        else:
            self.extras.pop((row, col), None)

    # --- dimensions ---------------------------------------------------------------------------

    def insert(self, dimension: str, start: int, count: int) -> None:
        """Insert empty rows/columns before `start`; everything after moves along."""
        grid = self.properties["gridProperties"]
        if dimension == ROWS:
            if start < len(self.rows):
                self.rows[start:start] = [()] * count
            grid["rowCount"] = self.row_count + count
        else:
            pad = ("",) * count
            self.rows = [r[:start] + pad + r[start:] if len(r) > start else r for r in self.rows]
            grid["columnCount"] = self.col_count + count
        self._remap(dimension, lambda i: i + count if i >= start else i)
        self.adjust_ranges(dimension, Change("insert", start, start + count))

    def delete(self, dimension: str, start: int, end: int) -> None:
        """Delete rows/columns [start, end); everything after moves back."""
        grid = self.properties["gridProperties"]
        count = end - start
        if dimension == ROWS:
            del self.rows[start:end]
            grid["rowCount"] = self.row_count - count
        else:
            self.rows = [trim(r[:start] + r[end:]) if len(r) > start else r for r in self.rows]
            grid["columnCount"] = self.col_count - count
        self._drop_trailing_rows()
        self._remap(
            dimension, lambda i: None if start <= i < end else (i - count if i >= end else i)
        )
        self.adjust_ranges(dimension, Change("delete", start, end))

    def move(self, dimension: str, start: int, end: int, destination: int) -> None:
        """Move rows/columns [start, end) to before `destination` (indexes before the move)."""
        if start <= destination <= end:
            return
        order = _moved_order(start, end, destination)
        size = max(end, destination)
        if dimension == ROWS:
            self._ensure_rows(size)
            self.rows[: len(order)] = [self.rows[i] for i in order]
            self._drop_trailing_rows()
        else:
            moved = []
            for row in self.rows:
                if len(row) <= min(start, destination):
                    moved.append(row)
                    continue
                padded = row + ("",) * (size - len(row))
                moved.append(trim(tuple(padded[i] for i in order) + padded[size:]))
            self.rows = moved
        new_index = {old: new for new, old in enumerate(order)}
        self._remap(dimension, lambda i: new_index.get(i, i))
        self.adjust_ranges(dimension, Change("move", start, end, destination))

    def adjust_ranges(self, dimension: str, change: Change) -> None:
        """Keep merges, protected ranges, the filter, groups and borders on their cells."""
        ranges = [m for m in self.merges]
        ranges += [p["range"] for p in self.protected_ranges if "range" in p]
        ranges += [b["range"] for b in self.borders if "range" in b]
        if self.basic_filter and "range" in self.basic_filter:
            ranges.append(self.basic_filter["range"])
        for grid_range in ranges:
            adjust_grid_range(grid_range, dimension, change)
        for group in self.dimension_groups[dimension]:
            span = adjust_span(
                group["range"].get("startIndex"), group["range"].get("endIndex"), change
            )
            if span:
                group["range"]["startIndex"], group["range"]["endIndex"] = span
        self.merges = [m for m in self.merges if not _empty_range(m)]

    def _remap(self, dimension: str, index_map: Callable[[int], int | None]) -> None:
        """Move the sparse per-cell and per-index data after a dimension change."""
        axis = 0 if dimension == ROWS else 1
        remapped: dict[tuple[int, int], dict[str, Any]] = {}
        for key, extra in self.extras.items():
            new = index_map(key[axis])
            if new is not None:
                remapped[(new, key[1]) if axis == 0 else (key[0], new)] = extra
        self.extras = remapped
        props = self.dimension_properties[dimension]
        self.dimension_properties[dimension] = {
            n: p for i, p in props.items() if (n := index_map(i)) is not None
        }


def _splice(row: Row, start: int, values: Sequence[CellValue | None]) -> Row:
    """The row with `values` written from column `start` (None keeps the old value)."""
    end = start + len(values)
    if None in values:
        values = [
            row[start + i] if v is None and start + i < len(row) else (v or "")
            for i, v in enumerate(values)
        ]
    if len(row) < start:
        row = row + ("",) * (start - len(row))
    written = cast(Row, tuple(values))  # no None left (replaced above)
    new = row[:start] + written + row[end:]
    return trim(new) if new and new[-1] == "" else new


def _moved_order(start: int, end: int, destination: int) -> list[int]:
    """Old indexes in their new order after moving [start, end) before `destination`."""
    size = max(end, destination)
    rest = [i for i in range(size) if not start <= i < end]
    block = list(range(start, end))
    at = destination if destination < start else destination - (end - start)
    return rest[:at] + block + rest[at:]


@dataclass(frozen=True)
class Change:
    """A dimension change: insert [start, end), delete [start, end) or move [start, end)."""

    kind: str
    start: int
    end: int
    destination: int = 0


def adjust_span(start: int | None, end: int | None, change: Change) -> tuple[Any, Any] | None:
    """A [start, end) span after a change along its dimension; None bounds stay open."""

    def point(i: int | None) -> int | None:
        if i is None:
            return None
        if change.kind == "insert":
            return i + (change.end - change.start) if i >= change.start else i
        if change.kind == "delete":
            if i <= change.start:
                return i
            return change.start if i <= change.end else i - (change.end - change.start)
        return i

    if change.kind == "move":
        if start is not None and end is not None and change.start <= start and end <= change.end:
            order = _moved_order(change.start, change.end, change.destination)
            new_start = order.index(start)
            return new_start, new_start + (end - start)
        return start, end
    if change.kind == "insert" and end is not None and end == change.start:
        return start, end  # inserting right after a span does not grow it
    return point(start), point(end)


def adjust_grid_range(grid_range: dict[str, Any], dimension: str, change: Change) -> None:
    """Adjust a GridRange dict in place."""
    first, last = (
        ("startRowIndex", "endRowIndex")
        if dimension == ROWS
        else ("startColumnIndex", "endColumnIndex")
    )
    span = adjust_span(grid_range.get(first), grid_range.get(last), change)
    if span is None:
        return
    for key, value in zip((first, last), span, strict=True):
        if value is not None:
            grid_range[key] = value


def _empty_range(grid_range: dict[str, Any]) -> bool:
    rows = grid_range.get("endRowIndex", 1) - grid_range.get("startRowIndex", 0)
    cols = grid_range.get("endColumnIndex", 1) - grid_range.get("startColumnIndex", 0)
    return rows <= 0 or cols <= 0
