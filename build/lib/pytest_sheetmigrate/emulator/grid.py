"""One sheet's grid: values stored compactly, rich cell data sparse, dimension changes.

Rows are tuples of the cells' formatted texts (plain ``str``; ``""`` is an empty cell), each
trimmed of trailing empty cells; ``rows`` may be shorter than the sheet (rows past its end are
empty). ``kinds`` runs parallel to ``rows``: ``None`` for a row of text only, else a tuple as
long as the row giving each cell's kind (``None`` for text; see :mod:`cells`). Methods take and
give :data:`cells.CellValue` objects and split / join them at the boundary. Rich cell data
(note, userEnteredFormat, ...) lives in a sparse dict keyed by (row, column) and only where set.

A :class:`Sheet` is copied for a transaction with :meth:`Sheet.clone`: the outer row lists and
the dicts are copied, the row tuples are shared (they are immutable), so copying a 100,000-row
sheet costs two pointers per row and an operation never deep-copies the grid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import cells
from .a1 import Box
from .cells import CellValue, Kind

Row = tuple[str, ...]
KindRow = tuple[Kind, ...] | None
ROWS = "ROWS"
COLUMNS = "COLUMNS"
_TEXT_ONLY = frozenset({str, type(None)})
# The per-cell rich data an inserted row/column takes from its neighbour (see Sheet.inherit).
INHERITED = ("userEnteredFormat", "dataValidation")


def trim(row: Sequence[str]) -> Row:
    """The row without trailing empty cells, as a tuple."""
    n = len(row)
    if n and row[n - 1] != "":
        return tuple(row)
    while n and row[n - 1] == "":
        n -= 1
    return tuple(row[:n])


def _trim_pair(row: Row, kinds: KindRow) -> tuple[Row, KindRow]:
    """A row and its kinds trimmed together; kinds of text only become None."""
    if row and row[-1] == "":
        row = trim(row)
        if kinds is not None:
            kinds = kinds[: len(row)]
    if kinds is not None and kinds.count(None) == len(kinds):
        kinds = None
    return row, kinds


def _kinds_of(row: Row, kinds: KindRow) -> tuple[Kind, ...]:
    return kinds if kinds is not None else (None,) * len(row)


@dataclass
class Sheet:
    """A sheet of a spreadsheet: its properties, grid and the objects anchored to it."""

    properties: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    kinds: list[KindRow] = field(default_factory=list)  # parallel to rows
    extras: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
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
    # ConditionalFormatRule dicts in priority order (index 0 first), ranges stored with sheetId.
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    # False only while no formula was ever written (or a scan found none): lets a dimension
    # change skip the formula scan of a large sheet without formulas.
    may_have_formulas: bool = False

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; a sheet from a format-1 snapshot (typed cell objects in the rows, no
        ``kinds``) is converted to the current layout."""
        state = dict(state)
        if "kinds" not in state:
            state.pop("typed", None)
            rows, kinds = [], []
            for row in state["rows"]:
                pairs = [cells.split(v) for v in row]
                text, kind = _trim_pair(tuple(t for t, _ in pairs), tuple(k for _, k in pairs))
                rows.append(text)
                kinds.append(kind)
            state["rows"], state["kinds"] = rows, kinds
        state.setdefault("may_have_formulas", True)  # a snapshot from before the flag
        self.__dict__.update(state)
        # Fields added after a snapshot was written (its format unchanged): their defaults.
        self.__dict__.setdefault("conditional_formats", [])

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
            kinds=list(self.kinds),
            extras=dict(self.extras),
            merges=copy.deepcopy(self.merges),
            protected_ranges=copy.deepcopy(self.protected_ranges),
            basic_filter=copy.deepcopy(self.basic_filter),
            dimension_groups=copy.deepcopy(self.dimension_groups),
            dimension_properties=copy.deepcopy(self.dimension_properties),
            borders=copy.deepcopy(self.borders),
            conditional_formats=copy.deepcopy(self.conditional_formats),
            may_have_formulas=self.may_have_formulas,
        )

    def move_rules_to(self, sheet_id: int) -> None:
        """Point the conditional format rules' ranges at ``sheet_id`` (a copied sheet)."""
        for rule in self.conditional_formats:
            for grid_range in rule.get("ranges", []):
                grid_range["sheetId"] = sheet_id

    # --- reading ------------------------------------------------------------------------------

    def cell(self, row: int, col: int) -> CellValue:
        if row < len(self.rows):
            stored = self.rows[row]
            if col < len(stored):
                kinds = self.kinds[row]
                return cells.join(stored[col], kinds[col] if kinds is not None else None)
        return ""

    def read(self, box: Box) -> list[Row]:
        """The formatted texts in a box, rows trimmed of trailing empty cells, trailing empty
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

    def read_values(self, box: Box, convert: Callable[[str, Kind], Any]) -> list[list[Any]]:
        """As :meth:`read`, as lists, each typed cell given as ``convert(text, kind)``."""
        out: list[list[Any]] = []
        c0 = box.start_col
        texts = self.read(box)
        for r, part in enumerate(texts, start=box.start_row):
            kinds = self.kinds[r]
            if kinds is None:
                out.append(list(part))
                continue
            out.append(
                [
                    text if kind is None else convert(text, kind)
                    for text, kind in zip(part, kinds[c0 : c0 + len(part)], strict=True)
                ]
            )
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
            missing = end_row - len(self.rows)
            self.rows.extend([()] * missing)
            self.kinds.extend([None] * missing)

    def write(
        self, start_row: int, start_col: int, data: Sequence[Sequence[CellValue | None]]
    ) -> None:
        """Write rows of values from a corner; None leaves a cell unchanged."""
        self._ensure_rows(start_row + len(data))
        rows, kinds = self.rows, self.kinds
        for i, values in enumerate(data):
            if not values:
                continue
            r = start_row + i
            rows[r], kinds[r] = _splice(rows[r], kinds[r], start_col, values)
            if (
                kinds[r] is not None  # a row of text only holds no formula
                and not self.may_have_formulas
                and cells.Formula in set(map(type, values))
            ):
                self.may_have_formulas = True

    def fill(self, box: Box, value: CellValue) -> None:
        """Set every cell of a box to one value (repeatCell): O(rows) tuple rebuilds."""
        text, kind = cells.split(value)
        if text == "" and box.start_row >= len(self.rows):
            return
        if isinstance(kind, tuple):
            self.may_have_formulas = True
        self._ensure_rows(box.end_row)
        block = (text,) * box.cols
        kind_block = (kind,) * box.cols
        c0, c1 = box.start_col, box.end_col
        rows, all_kinds = self.rows, self.kinds
        for r in range(box.start_row, box.end_row):
            row, kinds = rows[r], all_kinds[r]
            if len(row) < c0:
                kinds = kinds + (None,) * (c0 - len(row)) if kinds is not None else None
                row = row + ("",) * (c0 - len(row))
            new = row[:c0] + block + row[c1:]
            if kinds is None and kind is None:
                rows[r] = trim(new) if text == "" or new[-1] == "" else new
                continue
            base = _kinds_of(row, kinds)
            new_kinds = base[:c0] + kind_block + base[c1:]
            if kind is None:
                rows[r], all_kinds[r] = _trim_pair(new, new_kinds)
            else:  # a typed value: nothing to trim, a kind in the row
                rows[r], all_kinds[r] = new, new_kinds

    def clear(self, box: Box) -> None:
        """Empty the values of a box (rich cell data stays, as values.clear does)."""
        c0, c1 = box.start_col, box.end_col
        rows, all_kinds = self.rows, self.kinds
        for r in range(box.start_row, min(box.end_row, len(rows))):
            row = rows[r]
            if len(row) > c0:
                blank = max(0, min(c1, len(row)) - c0)
                kinds = all_kinds[r]
                rows[r], all_kinds[r] = _trim_pair(
                    row[:c0] + ("",) * blank + row[c1:],
                    None if kinds is None else kinds[:c0] + (None,) * blank + kinds[c1:],
                )
        self._drop_trailing_rows()

    def rewrite_formulas(self, rewrite: Callable[[str], str]) -> int:
        """Give every formula cell the text ``rewrite(text)``; the count of cells changed.

        Copy-on-write: only the row tuples holding a changed formula are replaced. A changed
        formula is stored as newly entered (:func:`cells.formula`), so its value and display
        agree with its new text. Rows without typed cells cost one test each."""
        if not self.may_have_formulas:
            return 0
        changed = 0
        found = False
        rows, all_kinds = self.rows, self.kinds
        for r, kinds in enumerate(all_kinds):
            if kinds is None or tuple not in set(map(type, kinds)):
                continue
            found = True
            new_row: list[str] | None = None
            new_kinds: list[Kind] | None = None
            for c, kind in enumerate(kinds):
                if not isinstance(kind, tuple):
                    continue
                text = rewrite(kind[0])
                if text == kind[0]:
                    continue
                if new_row is None or new_kinds is None:
                    new_row, new_kinds = list(rows[r]), list(kinds)
                new_row[c], new_kinds[c] = cells.split(cells.formula(text))
                changed += 1
            if new_row is not None and new_kinds is not None:
                rows[r], all_kinds[r] = tuple(new_row), tuple(new_kinds)
        self.may_have_formulas = found
        return changed

    def _drop_trailing_rows(self) -> None:
        rows = self.rows
        while rows and not rows[-1]:
            rows.pop()
            self.kinds.pop()

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
                self.kinds[start:start] = [None] * count
            grid["rowCount"] = self.row_count + count
        else:
            pad, kind_pad = ("",) * count, (None,) * count
            self.rows = [r[:start] + pad + r[start:] if len(r) > start else r for r in self.rows]
            self.kinds = [
                k[:start] + kind_pad + k[start:] if k is not None and len(k) > start else k
                for k in self.kinds
            ]
            grid["columnCount"] = self.col_count + count
        self._remap(dimension, lambda i: i + count if i >= start else i)
        self.adjust_ranges(dimension, Change("insert", start, start + count))

    def inherit(self, dimension: str, start: int, end: int, source: int) -> None:
        """Give the rows/columns [start, end) what row/column ``source`` has that an insert
        inherits (InsertDimensionRequest.inheritFromBefore): each cell's ``INHERITED`` rich data
        and the dimension's pixelSize. Values, notes and developer metadata are not inherited."""
        axis = 0 if dimension == ROWS else 1
        copied: dict[tuple[int, int], dict[str, Any]] = {}
        for key, extra in self.extras.items():
            if key[axis] != source:
                continue
            kept = {k: v for k, v in extra.items() if k in INHERITED}
            if not kept:
                continue
            for i in range(start, end):
                copied[(i, key[1]) if axis == 0 else (key[0], i)] = kept
        for key, kept in copied.items():
            self.set_extra(key[0], key[1], kept, cleared=INHERITED)
        size = self.dimension_properties[dimension].get(source, {}).get("pixelSize")
        if size is not None:
            for i in range(start, end):
                props = dict(self.dimension_properties[dimension].get(i, {}))
                props["pixelSize"] = size
                self.dimension_properties[dimension][i] = props

    def delete(self, dimension: str, start: int, end: int) -> None:
        """Delete rows/columns [start, end); everything after moves back."""
        grid = self.properties["gridProperties"]
        count = end - start
        if dimension == ROWS:
            del self.rows[start:end]
            del self.kinds[start:end]
            grid["rowCount"] = self.row_count - count
        else:
            self._map_rows(lambda row, blank: row[:start] + row[end:], lambda row: len(row) > start)
            grid["columnCount"] = self.col_count - count
        self._drop_trailing_rows()
        self._remap(
            dimension, lambda i: None if start <= i < end else (i - count if i >= end else i)
        )
        self.adjust_ranges(dimension, Change("delete", start, end))

    def move(self, dimension: str, start: int, end: int, destination: int) -> None:
        """Move rows/columns [start, end) to before `destination` (indexes before the move)."""
        if _is_noop_move(start, end, destination):
            return
        order = _moved_order(start, end, destination)
        size = max(end, destination)
        if dimension == ROWS:
            self._ensure_rows(size)
            self.rows[: len(order)] = [self.rows[i] for i in order]
            self.kinds[: len(order)] = [self.kinds[i] for i in order]
            self._drop_trailing_rows()
        else:

            def reorder(row: tuple[Any, ...], blank: Any) -> tuple[Any, ...]:
                padded = row + (blank,) * (size - len(row))
                return tuple(padded[i] for i in order) + padded[size:]

            self._map_rows(reorder, lambda row: len(row) > min(start, destination))
        new_index = {old: new for new, old in enumerate(order)}
        self._remap(dimension, lambda i: new_index.get(i, i))
        self.adjust_ranges(dimension, Change("move", start, end, destination))

    def _map_rows(
        self,
        change: Callable[[tuple[Any, ...], Any], tuple[Any, ...]],
        touches: Callable[[Row], bool],
    ) -> None:
        """Apply a column change to every row it ``touches``: ``change(texts, "")`` and, for a
        row with typed cells, ``change(kinds, None)`` (the blank to pad with); rows trimmed."""
        rows, kinds = [], []
        for row, row_kinds in zip(self.rows, self.kinds, strict=True):
            if touches(row):
                if row_kinds is None:
                    row = trim(change(row, ""))
                else:
                    row, row_kinds = _trim_pair(change(row, ""), change(row_kinds, None))
            rows.append(row)
            kinds.append(row_kinds)
        self.rows, self.kinds = rows, kinds

    def adjust_ranges(self, dimension: str, change: Change) -> None:
        """Keep merges, protected ranges, the filter, groups, borders and conditional formats on
        their cells. A conditional format range whose cells are all deleted is dropped, and a
        rule left without ranges disappears (unverified: no public source shows it)."""
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
            group["range"]["startIndex"], group["range"]["endIndex"] = span
        self.merges = [m for m in self.merges if not _empty_range(m)]
        rules = []
        for rule in self.conditional_formats:
            for grid_range in rule.get("ranges", []):
                adjust_grid_range(grid_range, dimension, change)
            rule["ranges"] = [r for r in rule.get("ranges", []) if not _collapsed(r)]
            if rule["ranges"]:
                rules.append(rule)
        self.conditional_formats = rules

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


def _splice(
    row: Row, kinds: KindRow, start: int, values: Sequence[CellValue | None]
) -> tuple[Row, KindRow]:
    """The row (and its kinds) with `values` written from column `start` (None keeps the old
    value)."""
    end = start + len(values)
    if len(row) < start:
        kinds = kinds + (None,) * (start - len(row)) if kinds is not None else None
        row = row + ("",) * (start - len(row))
    written: tuple[str, ...]
    written_kinds: tuple[Kind, ...] | None = None
    if set(map(type, values)) <= _TEXT_ONLY and (kinds is None or None not in values):
        if None in values:  # kinds is None here: only texts to keep
            written = tuple(
                (row[start + i] if start + i < len(row) else "") if v is None else v
                for i, v in enumerate(values)
            )
        else:
            written = tuple(values)  # type: ignore[arg-type]  # no None in values
    else:
        old_kinds = _kinds_of(row, kinds)
        pairs = [
            ((row[start + i], old_kinds[start + i]) if start + i < len(row) else ("", None))
            if v is None
            else cells.split(v)
            for i, v in enumerate(values)
        ]
        written = tuple(text for text, _ in pairs)
        written_kinds = tuple(kind for _, kind in pairs)
    new = row[:start] + written + row[end:]
    if kinds is None and written_kinds is None:
        return (trim(new) if new and new[-1] == "" else new), None
    base = _kinds_of(row, kinds)
    new_kinds = base[:start] + _kinds_of(written, written_kinds) + base[end:]
    return _trim_pair(new, new_kinds)


def _moved_order(start: int, end: int, destination: int) -> list[int]:
    """Old indexes in their new order after moving [start, end) before `destination`."""
    size = max(end, destination)
    rest = [i for i in range(size) if not start <= i < end]
    block = list(range(start, end))
    at = destination if destination < start else destination - (end - start)
    return rest[:at] + block + rest[at:]


def _is_noop_move(start: int, end: int, destination: int) -> bool:
    return start <= destination <= end


def moved_index(i: int, change: Change) -> int:
    """Where row/column ``i`` ends up after the move ``change``."""
    start, end, destination = change.start, change.end, change.destination
    count = end - start
    if _is_noop_move(start, end, destination):
        return i
    if start <= i < end:
        return (destination if destination < start else destination - count) + (i - start)
    if destination <= i < start:
        return i + count
    if end <= i < destination:
        return i - count
    return i


def _moved_span(start: int | None, end: int | None, change: Change) -> tuple[Any, Any]:
    """A [start, end) span after a move: the smallest span holding all of its moved cells."""
    if _is_noop_move(change.start, change.end, change.destination):
        return start, end
    first = 0 if start is None else start
    last = max(change.end, change.destination, first + 1) if end is None else end
    if last <= first:
        return start, end
    # The move is piecewise linear with breaks at start/end/destination: the extremes of the
    # image are at the span's ends or next to a break inside it.
    breaks = (change.start, change.end, change.destination)
    candidates = {first, last - 1}
    candidates.update(p for b in breaks for p in (b - 1, b) if first <= p < last)
    moved = [moved_index(i, change) for i in candidates]
    return (
        None if start is None else min(moved),
        None if end is None else max(moved) + 1,
    )


@dataclass(frozen=True)
class Change:
    """A dimension change: insert [start, end), delete [start, end) or move [start, end)."""

    kind: str
    start: int
    end: int
    destination: int = 0


def adjust_span(start: int | None, end: int | None, change: Change) -> tuple[Any, Any]:
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
        return _moved_span(start, end, change)
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
    for key, value in zip((first, last), span, strict=True):
        if value is not None:
            grid_range[key] = value


def _collapsed(grid_range: dict[str, Any]) -> bool:
    """True when a GridRange (open sides allowed) holds no cell."""
    for first, last in (("startRowIndex", "endRowIndex"), ("startColumnIndex", "endColumnIndex")):
        if last in grid_range and grid_range[last] <= grid_range.get(first, 0):
            return True
    return False


def _empty_range(grid_range: dict[str, Any]) -> bool:
    rows = grid_range.get("endRowIndex", 1) - grid_range.get("startRowIndex", 0)
    cols = grid_range.get("endColumnIndex", 1) - grid_range.get("startColumnIndex", 0)
    return rows <= 0 or cols <= 0
