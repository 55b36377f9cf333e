"""Building snapshots: the builders that digest the rows the reader streams, chunk by chunk, in
bounded memory (snapshot.py says what a snapshot holds and how cells are encoded).

``SnapshotBuilder`` digests one worksheet; ``SourceAndCopyBuilder`` digests the source and its
backup copy side by side, digesting the copy only where its rows differ (``identical_rows``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from hashlib import blake2b
from itertools import chain, compress, count, islice, repeat, zip_longest
from operator import eq, ne
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.cell_types import (
    CELL_KINDS,
    COLUMN_TYPES,
    ERROR_VALUES,
    MATCHING_KINDS,
    CellValue,
    Formula,
    is_blank,
    normalised,
    value_matches_type,
)
from pytest_sheetmigrate.errors import SheetStateError
from pytest_sheetmigrate.schema import Column, Schema, check_header_cells
from pytest_sheetmigrate.snapshot import (
    BLOCK_ROWS,
    FIRST_DATA_ROW,
    FIRST_FEW,
    ColumnSummary,
    KeySummary,
    Snapshot,
    canonical_json,
    sheet_digest,
)

TEXT_VERDICTS: Final = 10_000
"""Most distinct texts whose type verdict a snapshot remembers, per column type."""


class SnapshotBuilder:
    """Builds a ``Snapshot`` from consecutive chunks of data rows, in bounded memory.

    Given ``relocate`` (a formula's text as Google rewrites it under a structure change), it also
    builds :meth:`expected`: the same rows with every formula relocated, the sheet a structure
    change must leave. That twin is forked at the first chunk where a formula changes, so a sheet
    whose formulas stay as they are is digested once.
    """

    def __init__(
        self,
        schema: Schema,
        header: Sequence[str],
        relocate: Callable[[str], str] | None = None,
    ) -> None:
        check_header_cells(header, schema.worksheet)
        self._relocate = relocate
        self._expected: SnapshotBuilder | None = None
        self._worksheet = schema.worksheet
        self._header = tuple(header)
        verdicts = {kind: _TextVerdicts(kind) for kind in COLUMN_TYPES}
        self._trackers = [
            _ColumnTracker(name, schema.column(name) if schema.has_column(name) else None, verdicts)
            for name in self._header
        ]
        self._key_index = self._header.index(schema.key) if schema.key in self._header else None
        self._key_column = schema.key
        self._keys = _KeyTracker()
        self._row_count = 0
        self._finished = False
        self._snapshot: Snapshot | None = None

    def add_rows(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Digest the next chunk of data rows; ragged rows are padded with blanks."""
        if self._finished:
            raise RuntimeError("add_rows() after finish()")
        if not rows:
            return
        if self._relocate is not None:
            self._add_relocated(rows, self._relocate)
        width = len(self._header)
        columns = list(zip_longest(*rows, fillvalue=""))
        if len(columns) > width:
            self._refuse_cells_without_header(columns[width:], width)
        n = len(rows)
        blank_column = ("",) * n
        columns += [blank_column] * (width - len(columns))
        start = self._row_count
        segments = _block_segments(start, n)
        for index, tracker in enumerate(self._trackers):
            cells = tracker.add(columns[index], start, segments)
            if index == self._key_index:
                self._keys.add(cells, start)
        self._row_count += n

    def finish(self) -> Snapshot:
        if self._finished and self._snapshot is not None:
            return self._snapshot
        self._finished = True
        summaries = tuple(tracker.finish() for tracker in self._trackers)
        keys = None if self._key_index is None else self._keys.finish(self._key_column)
        self._snapshot = Snapshot(
            header=self._header,
            row_count=self._row_count,
            columns=summaries,
            keys=keys,
            digest=sheet_digest(self._header, self._row_count, summaries),
        )
        return self._snapshot

    def expected(self) -> Snapshot:
        """After :meth:`finish`: the snapshot of the rows with their formulas relocated (the
        same snapshot when no formula changed, or without ``relocate``)."""
        if not self._finished:
            raise RuntimeError("expected() before finish()")
        if self._expected is None:
            return self.finish()
        return self._expected.finish()

    def _add_relocated(
        self, rows: Sequence[Sequence[CellValue]], relocate: Callable[[str], str]
    ) -> None:
        """Feed the twin ``rows`` with their formulas relocated (forked on the first change)."""
        if self._expected is None and Formula not in set(map(type, chain.from_iterable(rows))):
            return
        moved, changed = [], False
        for row in rows:
            new_row = [Formula(relocate(cell)) if type(cell) is Formula else cell for cell in row]
            changed = changed or new_row != list(row)  # a Formula equals its text
            moved.append(new_row)
        if self._expected is None:
            if not changed:
                return
            self._expected = self.fork()
        self._expected.add_rows(moved)

    def fork(self) -> SnapshotBuilder:
        """An independent builder that has taken the same rows as this one so far (without
        the relocated twin)."""
        if self._finished:
            raise RuntimeError("fork() after finish()")
        twin = copy.copy(self)
        twin._relocate = twin._expected = None
        twin._trackers = [tracker.fork() for tracker in self._trackers]
        twin._keys = self._keys.fork()
        return twin

    def _refuse_cells_without_header(self, extra: list[tuple[Any, ...]], width: int) -> None:
        for offset, cells in enumerate(extra):
            for index, value in enumerate(cells):
                if not is_blank(value):
                    row = self._row_count + index + FIRST_DATA_ROW
                    letter = column_letter(width + offset)
                    raise SheetStateError(
                        f'sheet "{self._worksheet}" has a value in {letter}{row}, but column '
                        f"{letter} has no header. Give it a header (and list it in the schema) "
                        "or clear the cells of that column."
                    )


class SourceAndCopyBuilder:
    """Snapshots of a worksheet and of its copy, read side by side (the backup step).

    Rows are paired by position, whatever the chunk sizes of either stream. While the copy's
    rows are identical to the source's (``identical_rows``: equal values of the same types, cell
    for cell), the copy is not digested again: its snapshot is the source's. At the first chunk
    that differs, the source's builder is forked and the copy digested on its own from there, so
    a copy that differs in any cell has the snapshot a separate ``SnapshotBuilder`` gives it.
    """

    def __init__(self, schema: Schema, header: Sequence[str]) -> None:
        self.source = SnapshotBuilder(schema, header)
        self.copy_builder: SnapshotBuilder | None = None
        """None while every copy row so far is identical to its source row."""
        self._source_rows: list[Sequence[CellValue]] = []  # rows not yet paired
        self._copy_rows: list[Sequence[CellValue]] = []

    def add_rows(
        self, source_rows: Sequence[Sequence[CellValue]], copy_rows: Sequence[Sequence[CellValue]]
    ) -> None:
        """Digest the next rows of each stream (as many as each gave, not necessarily alike)."""
        source = self._source_rows + list(source_rows)
        copied = self._copy_rows + list(copy_rows)
        paired = min(len(source), len(copied))
        self._source_rows, self._copy_rows = source[paired:], copied[paired:]
        self._add(source[:paired], copied[:paired])

    def finish(self) -> tuple[Snapshot, Snapshot]:
        """The source's snapshot and the copy's."""
        self._add(self._source_rows, self._copy_rows)  # rows one stream had and not the other
        source = self.source.finish()
        return source, source if self.copy_builder is None else self.copy_builder.finish()

    def _add(
        self, source_rows: list[Sequence[CellValue]], copy_rows: list[Sequence[CellValue]]
    ) -> None:
        if self.copy_builder is None and not identical_rows(source_rows, copy_rows):
            self.copy_builder = self.source.fork()
        self.source.add_rows(source_rows)
        if self.copy_builder is not None:
            self.copy_builder.add_rows(copy_rows)


def identical_rows(
    rows: Sequence[Sequence[CellValue]], other: Sequence[Sequence[CellValue]]
) -> bool:
    """Same rows of the same length, with equal cells of the same type (TRUE is not 1).

    Both comparisons run in C: list equality, then the cells' types in row order.
    """
    return rows == other and list(map(type, chain.from_iterable(rows))) == list(
        map(type, chain.from_iterable(other))
    )


def _block_segments(start: int, n: int) -> list[tuple[int, int, bool]]:
    """Split chunk rows [0, n) at block boundaries: (lo, hi, block_ends_here)."""
    segments = []
    lo = 0
    while lo < n:
        block_end = (start + lo) // BLOCK_ROWS * BLOCK_ROWS + BLOCK_ROWS
        hi = min(n, block_end - start)
        segments.append((lo, hi, start + hi == block_end))
        lo = hi
    return segments


def _with_kinds(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    """The cells as they are digested: each formula as a one-element list of its text."""
    return tuple([[str(v)] if type(v) is Formula else v for v in cells])


def _first_rows(flags: Iterable[object], start: int, limit: int) -> list[int]:
    """Sheet rows of the first ``limit`` truthy flags; flag 0 is data row ``start``."""
    return list(islice(compress(count(start + FIRST_DATA_ROW), flags), limit))


class _ColumnTracker:
    """Digests and findings of one column, chunk by chunk."""

    def __init__(
        self, name: str, column: Column | None, verdicts: dict[str, _TextVerdicts]
    ) -> None:
        self.name = name
        self.type = column.type if column else "string"
        self.texts = verdicts[self.type]
        default = None if column is None else column.default
        self.default = None if default is None else normalised(default)
        self.digest = blake2b(digest_size=32)
        self.block = blake2b(digest_size=8)
        self.block_open = False
        self.block_digests: list[str] = []
        self.blank_count = 0
        self.unexpected_count = 0
        self.unexpected_rows: list[int] = []
        self.mismatch_count = 0
        self.mismatches: list[tuple[int, CellValue]] = []
        self.blank_rows: list[int] = []
        self.formula_count = 0

    def add(
        self, cells: tuple[Any, ...], start: int, segments: list[tuple[int, int, bool]]
    ) -> tuple[Any, ...]:
        """Take one chunk of this column; return its cells normalised (for the key tracker)."""
        kinds = set(map(type, cells))
        if kinds - CELL_KINDS:  # None, a Formula, or a type no cell should have
            cells = tuple(map(normalised, cells))
            kinds = set(map(type, cells))
        elif float in kinds:  # integral floats become ints: Sheets has only doubles
            cells = tuple([int(v) if type(v) is float and v.is_integer() else v for v in cells])
            kinds = set(map(type, cells))
        encodable = cells
        if Formula in kinds:
            encodable = _with_kinds(cells)
            self.formula_count += sum(1 for v in cells if type(v) is Formula)
        for lo, hi, block_ends in segments:
            encoded = canonical_json(encodable[lo:hi])[1:-1].encode("ascii") + b","
            self.digest.update(encoded)
            self.block.update(encoded)
            self.block_open = True
            if block_ends:
                self._close_block()
        blank = cells.count("")
        self.blank_count += blank
        self._track_unexpected(cells, kinds, blank, start)
        self._track_mismatches(cells, kinds, start)
        if blank and len(self.blank_rows) < FIRST_FEW:
            need = FIRST_FEW - len(self.blank_rows)
            self.blank_rows += _first_rows(map(eq, cells, repeat("")), start, need)
        return cells

    def fork(self) -> _ColumnTracker:
        twin = copy.copy(self)
        twin.digest, twin.block = self.digest.copy(), self.block.copy()
        twin.block_digests = list(self.block_digests)
        twin.unexpected_rows = list(self.unexpected_rows)
        twin.mismatches = list(self.mismatches)
        twin.blank_rows = list(self.blank_rows)
        return twin

    def finish(self) -> ColumnSummary:
        if self.block_open:
            self._close_block()  # the last, partial block
        return ColumnSummary(
            name=self.name,
            digest=self.digest.hexdigest(),
            block_digests=tuple(self.block_digests),
            blank_count=self.blank_count,
            unexpected_count=self.unexpected_count,
            unexpected_rows=tuple(self.unexpected_rows),
            type_mismatch_count=self.mismatch_count,
            type_mismatches=tuple(self.mismatches),
            blank_rows=tuple(self.blank_rows),
            formula_count=self.formula_count,
        )

    def _close_block(self) -> None:
        self.block_digests.append(self.block.hexdigest())
        self.block = blake2b(digest_size=8)
        self.block_open = False

    def _track_unexpected(
        self, cells: tuple[Any, ...], kinds: set[type], blank: int, start: int
    ) -> None:
        default = self.default
        if default is None:
            unexpected = len(cells) - blank
            flags: Iterable[bool] = map(ne, cells, repeat(""))
        else:
            kind = type(default)
            confusable = (kind is int and bool in kinds) or (kind is bool and int in kinds)
            if confusable:
                exact = sum(1 for v in cells if type(v) is kind and v == default)
            else:
                exact = cells.count(default)
            unexpected = len(cells) - blank - exact
            flags = (v != "" and not (type(v) is kind and v == default) for v in cells)
        self.unexpected_count += unexpected
        if unexpected and len(self.unexpected_rows) < FIRST_FEW:
            need = FIRST_FEW - len(self.unexpected_rows)
            self.unexpected_rows += _first_rows(flags, start, need)

    def _track_mismatches(self, cells: tuple[Any, ...], kinds: set[type], start: int) -> None:
        if self.type == "string":
            if ERROR_VALUES.isdisjoint(cells):
                return
            flags = list(map(ERROR_VALUES.__contains__, cells))
        else:
            # Normalised, a non-text cell matches iff its kind can match the column's type. A
            # formula is not judged: the FORMULA read gives its text, not its computed value.
            wrong_kinds = kinds - MATCHING_KINDS[self.type] - {Formula}
            bad_texts = self.texts.bad_among(cells) if str in kinds else set()
            if not wrong_kinds and not bad_texts:
                return
            flags = [type(v) in wrong_kinds or (type(v) is str and v in bad_texts) for v in cells]
        self.mismatch_count += sum(flags)
        if len(self.mismatches) < FIRST_FEW:
            rows = _first_rows(flags, start, FIRST_FEW - len(self.mismatches))
            self.mismatches += [(row, cells[row - start - FIRST_DATA_ROW]) for row in rows]


class _TextVerdicts:
    """Which texts parse as one column type: a bounded cache of ``value_matches_type``.

    A column's texts repeat (a date column of 100,000 rows holds a few thousand dates), so each
    distinct text is parsed once, not once per chunk. Shared by the columns of one type; it
    forgets everything when it holds ``TEXT_VERDICTS`` texts, so its memory stays bounded.
    """

    def __init__(self, column_type: str) -> None:
        self.type = column_type
        self.good: set[str] = {""}  # blanks match every type
        self.bad: set[str] = set()

    def bad_among(self, cells: Iterable[Any]) -> set[str]:
        """The distinct texts among ``cells`` that do not parse as the type."""
        unknown = set(cells) - self.good
        if not unknown or str not in set(map(type, unknown)):
            return set()  # every text already known good (what is left is numbers or bools)
        bad = self.bad & unknown
        for value in unknown - bad:
            if type(value) is str:
                if len(self.good) + len(self.bad) >= TEXT_VERDICTS:
                    self.good, self.bad = {""}, set()
                if value_matches_type(self.type, value):
                    self.good.add(value)
                else:
                    self.bad.add(value)
                    bad.add(value)
        return bad


class _KeyTracker:
    """Blank and duplicate keys, remembering an 8-byte hash and first row per distinct key."""

    def __init__(self) -> None:
        self.first_row_by_hash: dict[int, int] = {}
        self.blank_count = 0
        self.blank_rows: list[int] = []
        self.duplicate_count = 0
        self.duplicates: list[tuple[CellValue, int, int]] = []

    def add(self, cells: tuple[Any, ...], start: int) -> None:
        seen = self.first_row_by_hash
        for row, value in zip(count(start + FIRST_DATA_ROW), cells, strict=False):
            if value == "":
                self.blank_count += 1
                if len(self.blank_rows) < FIRST_FEW:
                    self.blank_rows.append(row)
                continue
            first = seen.setdefault(_key_hash(value), row)
            if first != row:
                self.duplicate_count += 1
                if len(self.duplicates) < FIRST_FEW:
                    self.duplicates.append((value, first, row))

    def fork(self) -> _KeyTracker:
        twin = copy.copy(self)
        twin.first_row_by_hash = dict(self.first_row_by_hash)
        twin.blank_rows = list(self.blank_rows)
        twin.duplicates = list(self.duplicates)
        return twin

    def finish(self, column: str) -> KeySummary:
        return KeySummary(
            column=column,
            blank_count=self.blank_count,
            blank_rows=tuple(self.blank_rows),
            duplicate_count=self.duplicate_count,
            duplicates=tuple(self.duplicates),
        )


def _key_hash(value: CellValue) -> int:
    if type(value) is Formula:
        data = b"f" + value.encode("utf-8", "surrogatepass")
    elif type(value) is str:
        data = b"s" + value.encode("utf-8", "surrogatepass")
    elif type(value) is bool:
        data = b"b1" if value else b"b0"
    else:
        data = b"n" + repr(value).encode()
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "big")
