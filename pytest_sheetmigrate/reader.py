"""The reader: the one place a worksheet's rows are read.

It decides what is read (the header row, the key column, the data rows, some columns again, the
grid as it is now, the cells as entered), in which ranges and chunks, and fetches the next chunk
in a background thread while one is digested. Each request goes through the gateway, which
counts it, retries what is safe to retry (its retry policy) and says what a refusal means. What
the reader hands out feeds the pure snapshot builders (snapshot_builder.py) and the local
backup.

One chunk-size rule (:func:`rows_per_chunk`): a request asks for about ``CHUNK_BYTES`` of answer.
The first chunk of a read is sized at ``BYTES_PER_CELL``, each next one from the bytes the last
answer took per row.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

import orjson

from .a1 import absolute_range_name, column_letter, quoted_title, rowcol_to_a1
from .cell_types import is_blank
from .errors import SheetStateError
from .formula_kinds import LOOKUP_CELLS, FormulaKinds
from .progress import ReadProgress
from .snapshot import Snapshot, count_data_rows
from .snapshot_builder import SnapshotBuilder
from .stamp import COLUMN_MARKER_KEY

if TYPE_CHECKING:
    from .gateway import SheetGateway
    from .schema import Schema
    from .sheet_info import SheetInfo

T = TypeVar("T")

Relocation = Callable[[Sequence[str]], Callable[[str], str] | None]
"""For the header a snapshot reads, how the columns step relocates the formulas under it."""
_END = object()

CHUNK_BYTES = 4 * 1024 * 1024
"""Answer bytes a read asks for, about: the fewest requests that keep memory flat, measured
(issue 14; compact answers, one read of 100,000 demo rows x 65 columns, 62 MB, in a process of
its own / a whole ``pytest --migrate`` session):

=========  ================  ==================  ====================
chunk      requests (read)   peak RSS (read)     session: requests, peak RSS
=========  ================  ==================  ====================
1 MB       63                85 MB
2 MB       32                107 MB              85, 125 MB
4 MB       16                150 MB              52, 167 MB
8 MB       8                 232 MB              37, 259 MB
16 MB      5                 409 MB
=========  ================  ==================  ====================

Memory grows with the chunk (a chunk parsed, one prefetched), not with the rows; 8 MB comes
within 41 MB of the 300 MB goal, 4 MB keeps a whole 100,000-row session under 60 requests (one
minute of Google's per-user read quota). What Google states: "To speed up requests, we
recommend a 2 MB maximum payload" (Sheets API "Usage limits"), advice about speed, not a limit;
a request processed for more than 180 seconds fails (the same page). No documented limit on the
size of a values.batchGet answer was found (unverified); 4 MB answers are well inside both."""
BYTES_PER_CELL: Final = 12
"""The first guess of a values answer's bytes per cell, before an answer measures it. Compact
answers (prettyPrint=false) of the demo take about 9.5 (62 MB for 100,000 rows x 65 columns),
so a first chunk of whole rows asks for a little less than ``CHUNK_BYTES``; each next chunk is
sized from the answer before it."""
MIN_CHUNK_ROWS = 100
MAX_CHUNK_ROWS: Final = 100_000
ENTERED_CELLS = LOOKUP_CELLS
"""Cells per request of a userEnteredValue read (the restore of a forced rollback): the same
GridData answer, as large a cell, as formula_kinds.py's lookups."""
ENTERED_FIELDS: Final = "sheets.data.rowData.values.userEnteredValue"
LAYOUT_FIELDS: Final = (
    "sheets(properties.sheetId,data(startColumn,rowData.values(userEnteredValue,formattedValue),"
    "columnMetadata.developerMetadata(metadataId,metadataKey,metadataValue)))"
)


def rows_per_chunk(width: int, bytes_per_row: float | None = None) -> int:
    """Rows of ``width`` columns a request reads for about ``CHUNK_BYTES`` of answer: at
    ``BYTES_PER_CELL`` before any answer, else at the ``bytes_per_row`` the last one took."""
    per_row = BYTES_PER_CELL * max(width, 1) if bytes_per_row is None else bytes_per_row
    return max(MIN_CHUNK_ROWS, min(MAX_CHUNK_ROWS, int(CHUNK_BYTES / max(per_row, 1.0))))


@dataclass(frozen=True)
class ColumnLayout:
    """A worksheet's columns as they are now: the header row and where each marker is."""

    header: tuple[str, ...]
    markers: dict[str, tuple[int, ...]]
    """Schema name -> 0-based indexes of the columns carrying its marker (one, normally)."""
    marker_ids: dict[tuple[str, int], int] = field(default_factory=dict)
    """(schema name, 0-based index) -> the metadataId of that column's marker."""
    blanks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    """0-based index of each column read down -> whether each of its data rows is blank."""

    def name_at(self, index: int) -> str:
        return self.header[index] if index < len(self.header) else ""


class SheetReader:
    """Reads the rows of one spreadsheet (the gateway's), in chunks of about ``CHUNK_BYTES``."""

    def __init__(self, gateway: SheetGateway) -> None:
        self.gateway = gateway

    def header(self, title: str) -> list[str]:
        """Row 1 of ``title`` as text."""
        (rows,) = self.gateway.read([absolute_range_name(title, "1:1")])
        return [str(cell) for cell in first_row(rows)]

    def key_column(self, title: str, index: int) -> list[list[Any]]:
        """The column at 0-based ``index`` from row 2 down, one request (rows as the API
        answers them: ``[value]``, ``[]`` for a blank, trailing blanks left out)."""
        letter = column_letter(index)
        (values,) = self.gateway.read([absolute_range_name(title, f"{letter}2:{letter}")])
        return values

    def rows(
        self, title: str, first_row: int, last_row: int, width: int
    ) -> Iterator[list[list[Any]]]:
        """Rows ``first_row..last_row`` (1-based, inclusive, every column) in ~4 MB chunks
        (:func:`rows_per_chunk`, ``width`` the columns expected), formulas as ``Formula``.
        Each chunk is padded to the rows it covers, so the caller can count rows by position."""
        lookup = functools.partial(self.gateway.lookup_entered_texts, quoted_title(title))
        kinds = FormulaKinds(lookup, last_row)
        per_chunk = rows_per_chunk(width)
        row = first_row
        progress = ReadProgress(
            self.gateway.notify, title, last_row - first_row + 1, lambda: self.gateway.log.total
        )
        while row <= last_row:
            end = min(last_row, row + per_chunk - 1)
            ranges, size, equals_strings = self.gateway.batch_get(
                [absolute_range_name(title, f"{row}:{end}")]
            )
            values = ranges[0].get("values", [])
            if equals_strings:
                kinds.mark(values, row, at_most=equals_strings)
            values.extend([] for _ in range(end - row + 1 - len(values)))
            progress.add(end - row + 1)
            yield values
            per_chunk = rows_per_chunk(width, size / (end - row + 1))
            row = end + 1

    def columns_down(
        self, title: str, indexes: Sequence[int], first_row: int, last_row: int
    ) -> Iterator[list[list[Any]]]:
        """Rows ``first_row..last_row`` of the columns at 0-based ``indexes`` only, each row's
        cells in that order, formulas as ``Formula``: one values.batchGet of a range per column
        for each chunk of :func:`rows_per_chunk` of them, padded to the rows it covers."""
        letters = [column_letter(index) for index in indexes]
        step = rows_per_chunk(len(letters))
        for first in range(first_row, last_row + 1, step):
            end = min(last_row, first + step - 1)
            ranges = [absolute_range_name(title, f"{c}{first}:{c}{end}") for c in letters]
            height = end - first + 1
            cells = [
                first_cells(values) + [""] * (height - len(values))
                for values in self.gateway.read(ranges)
            ]
            yield [list(row) for row in zip(*cells, strict=True)]

    def data_rows(self, title: str, count: int, width: int) -> Iterator[list[list[Any]]]:
        """The first ``count`` data rows (sheet rows 2..``count``+1), in chunks."""
        return self.rows(title, 2, count + 1, width)

    def entered_rows(
        self, title: str, first_row: int, last_row: int, width: int
    ) -> Iterator[list[list[dict[str, Any]]]]:
        """Each cell's ``userEnteredValue`` (an ExtendedValue: ``formulaValue``, ``stringValue``,
        ``numberValue``, ``boolValue``; ``{}`` when blank) over rows ``first_row..last_row`` and
        columns ``1..width``, in chunks of about ``ENTERED_CELLS`` cells, each padded to the
        rows it covers. The kind of every cell as Google states it, for a restore."""
        step = max(1, ENTERED_CELLS // max(width, 1))
        last_column = column_letter(max(width, 1) - 1)
        for row in range(first_row, last_row + 1, step):
            end = min(last_row, row + step - 1)
            cells = absolute_range_name(title, f"A{row}:{last_column}{end}")
            (grid,) = self.gateway.grid_data([cells], ENTERED_FIELDS) or [{}]
            rows = [
                [cell.get("userEnteredValue", {}) for cell in item.get("values", [])]
                for item in grid.get("rowData", [])
            ]
            rows.extend([] for _ in range(end - row + 1 - len(rows)))
            yield rows

    def column_layout(self, title: str, down: Sequence[int] = (), rows: int = 0) -> ColumnLayout:
        """The header row of ``title`` and its column markers, read together in one request;
        with the data rows 2..``rows``+1 of the columns ``down`` (0-based), read in the same
        request, so what they hold belongs to the markers found with them."""
        ranges = [absolute_range_name(title, "1:1")]
        if rows:
            for index in down:
                letter = column_letter(index)
                ranges.append(absolute_range_name(title, f"{letter}2:{letter}{rows + 1}"))
        first, *columns = self.gateway.grid_data(ranges, LAYOUT_FIELDS) or [{}]
        row = (first.get("rowData") or [{}])[0].get("values", [])
        header = tuple(_header_text(cell) for cell in row)
        markers: dict[str, list[int]] = {}
        ids: dict[tuple[str, int], int] = {}
        for index, column in enumerate(first.get("columnMetadata", [])):
            for item in column.get("developerMetadata", []):
                if item.get("metadataKey") == COLUMN_MARKER_KEY:
                    name = item.get("metadataValue", "")
                    markers.setdefault(name, []).append(index)
                    ids[(name, index)] = item.get("metadataId", 0)
        blanks = {}
        for data in columns:
            cells = [(r.get("values") or [{}])[0] for r in data.get("rowData", [])]
            empty = [not c.get("userEnteredValue") for c in cells]
            blanks[data.get("startColumn", 0)] = tuple(empty + [True] * (rows - len(empty)))
        found = {name: tuple(at) for name, at in markers.items()}
        return ColumnLayout(header, found, ids, blanks)

    def snapshot(self, schema: Schema, title: str, width: int) -> Snapshot:
        """The worksheet ``title`` as it is now, streamed into a snapshot (:meth:`snapshots`)."""
        return self.snapshots(schema, title, width)[0]

    def snapshots(
        self, schema: Schema, title: str, width: int, relocation: Relocation | None = None
    ) -> tuple[Snapshot, Snapshot]:
        """The worksheet ``title`` as it is now, header row included, streamed into a snapshot;
        and the same with its formulas relocated by ``relocation(header)`` (the source's own
        snapshot without one).

        The rows read are those of the grid as it is now (one metadata request): a row deleted
        since the start would otherwise put the range past the grid (a 400). Data rows end at
        the last row whose key is non-empty, so rows the application appended in the meantime
        are seen. Trailing empty rows cost nothing: the API trims them from each chunk.
        ``width``: the columns expected, to size the first chunk.
        """
        grid_rows = self.gateway.metadata().sheet(schema.worksheet).row_count
        chunks = prefetched(self.rows(title, 1, grid_rows, width))
        first: list[list[Any]] = next(chunks, [[]])
        header = [str(cell) for cell in first_row(first)]
        builder = SnapshotBuilder(schema, header, relocation(header) if relocation else None)
        if schema.key in header:
            key_index = header.index(schema.key)
            for rows in data_rows_only(itertools.chain([first[1:]], chunks), key_index):
                builder.add_rows(rows)
        return builder.finish(), builder.expected()

    def with_columns_read_again(
        self, schema: Schema, title: str, after: Snapshot, names: list[str]
    ) -> Snapshot | None:
        """``after`` with the columns ``names`` read again; None when the key column or the
        header row changed (a column inserted, moved or renamed: ``after`` no longer says where
        they are).

        Reads the key column and those columns only (:func:`rows_per_chunk` of them a
        request), the header row with the first of them, and the key column below the data
        rows, where a row added since would show.
        """
        columns = [schema.key, *names]
        letters = [column_letter(after.header.index(name)) for name in columns]
        builder = SnapshotBuilder(schema, columns)
        last_row = after.row_count + 1
        step = rows_per_chunk(len(columns))
        for first in range(2, last_row + 1, step):
            end = min(last_row, first + step - 1)
            ranges = [f"{letter}{first}:{letter}{end}" for letter in letters]
            if end == last_row:  # and below the data rows: a row added there changes them
                ranges.append(f"{letters[0]}{last_row + 1}:{letters[0]}")
            if first == 2:  # and the header row: a column inserted, moved or renamed changes it
                ranges.append("1:1")
            values = self.gateway.read([absolute_range_name(title, r) for r in ranges])
            if first == 2 and [str(cell) for cell in first_row(values.pop())] != list(after.header):
                return None
            if end == last_row and count_data_rows(first_cells(values.pop())):
                return None
            height = end - first + 1
            cells = [first_cells(column) + [""] * (height - len(column)) for column in values]
            builder.add_rows([list(row) for row in zip(*cells, strict=True)])
        read_again = builder.finish()
        if read_again.column(schema.key).digest != after.column(schema.key).digest:
            return None
        return after.with_columns(read_again)

    def beside(
        self, copy: SheetGateway | None, title: str, count: int, width: int
    ) -> Iterator[tuple[list[list[Any]], list[list[Any]]]]:
        """The first ``count`` data rows of this spreadsheet and of ``copy`` (a backup: its
        chunks ``[]`` when None), side by side, the next pair fetched while one is digested.
        The two chunks of a pair may cover different rows."""
        theirs = SheetReader(copy).data_rows(title, count, width) if copy else iter(())
        both: Iterator[tuple[list[list[Any]], list[list[Any]]]] = itertools.zip_longest(
            self.data_rows(title, count, width), theirs, fillvalue=[]
        )
        return prefetched(both)


# -- rows as read, digested -------------------------------------------------------------------


def refuse_merged_header(sheet: SheetInfo) -> None:
    """Refuse a worksheet whose header cells are merged: a column must have its own name."""
    for merge in sheet.merges:
        if merge.get("startRowIndex", 0) == 0:
            first = rowcol_to_a1(1, merge.get("startColumnIndex", 0) + 1)
            last = rowcol_to_a1(1, merge.get("endColumnIndex", 1))
            raise SheetStateError(
                f"header cells {first}:{last} of {sheet.title!r} are merged: unmerge them "
                "(Format > Merge cells > Unmerge) so that every column has its own name"
            )


def data_rows_only(chunks: Iterable[list[list[Any]]], key_index: int) -> Iterator[list[list[Any]]]:
    """Drop the trailing rows: those after the last row whose key cell is non-empty."""
    pending: list[list[Any]] = []
    for chunk in chunks:
        rows = []
        for row in chunk:
            if key_index < len(row) and not is_blank(row[key_index]):
                rows.extend(pending)
                pending.clear()
                rows.append(row)
            else:
                pending.append(row)
        if rows:
            yield rows


def first_row(rows: list[list[Any]]) -> list[Any]:
    return rows[0] if rows else []


def first_cells(rows: list[list[Any]]) -> list[Any]:
    return [row[0] if row else "" for row in rows]


def key_digest(values: list[list[Any]]) -> str:
    """A digest of a key column as read (:meth:`SheetReader.key_column`)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(orjson.dumps([row[0] if row else "" for row in values]))
    return digest.hexdigest()


def prefetched(items: Iterator[T]) -> Generator[T, None, None]:
    """``items``, each next one fetched in a background thread while the caller works on this one.

    So the server prepares the next chunk while this one is digested. One item ahead at most
    (memory: one chunk more), taken from ``items`` in order by a single thread, so the requests
    sent and their order do not change. An error fetching an item is raised here, when that item
    is asked for. A caller that stops early leaves the item being fetched to finish and be
    dropped (one request more than it used).
    """
    asks: queue.SimpleQueue[bool] = queue.SimpleQueue()
    answers: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def fetch() -> None:
        while asks.get():
            try:
                answers.put((True, next(items, _END)))
            except BaseException as error:  # handed to the caller's thread
                answers.put((False, error))
                return

    threading.Thread(target=fetch, name="sheetmigrate-prefetch", daemon=True).start()
    asks.put(True)
    try:
        while True:
            fetched, item = answers.get()
            if not fetched:
                raise item
            if item is _END:
                return
            asks.put(True)
            yield item
    finally:
        asks.put(False)


def _header_text(cell: dict[str, Any]) -> str:
    """A header cell's text as a FORMULA read gives it: its string or formula, else as shown."""
    entered = cell.get("userEnteredValue", {})
    for kind in ("stringValue", "formulaValue"):
        if kind in entered:
            return str(entered[kind])
    return str(cell.get("formattedValue", ""))
