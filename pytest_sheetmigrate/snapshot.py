"""Streamed, bounded-memory digests of a worksheet's data rows: pure, fed the rows the reader
read (reader.py), judged by the cell type rules (cell_types.py).

Feed consecutive chunks of data rows (sheet row 2 first, as read with valueRenderOption=FORMULA)
to a ``SnapshotBuilder`` (snapshot_builder.py) and ``finish()`` it into a ``Snapshot`` (this
module): per column (by name) a digest of its cells in row order, one short digest per block of
1,000 rows, blank counts and the first few rows that break the schema; the key column's blanks
and duplicates; a whole-sheet digest.

Memory does not grow with rows, apart from one 8-byte key hash (with its first row, about 100
bytes as Python ints in a dict) per distinct key and one 16-character block digest per column
per 1,000 rows; the type verdicts of texts already seen are a cache of bounded size. Row
numbers are sheet row numbers: data row 0 is sheet row 2.

Canonical cell encoding: a column chunk is encoded as the comma-terminated elements of its JSON
array (ensure_ascii), after integral floats become ints and each formula (a ``Formula``, as the
reader reads it) becomes a one-element list of its text. So int 1 and float 1.0 encode alike
(Sheets stores only doubles), the string "1" does not, nor TRUE and 1, nor the formula
``=J2*K2`` and the text ``=J2*K2`` (``["=J2*K2"]`` against ``"=J2*K2"``): each cell's kind
(formula, number, boolean, text) is in the digests. Chunk boundaries do not matter.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from hashlib import blake2b
from typing import Any, Final

from pytest_sheetmigrate.cell_types import CellValue, is_blank
from pytest_sheetmigrate.errors import CheckpointError

BLOCK_ROWS: Final = 1_000
"""Rows per block digest."""

FIRST_FEW: Final = 5
"""How many offending rows a summary keeps."""

FIRST_DATA_ROW: Final = 2
"""Sheet row number of data row 0 (row 1 is the header)."""

SNAPSHOT_FORMAT: Final = 1

canonical_json = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), allow_nan=False, check_circular=False
).encode


@dataclass(frozen=True)
class ColumnSummary:
    """What a snapshot knows about one column.

    ``unexpected_*``: non-blank cells that are not the column's schema default (any non-blank
    cell when the column has no default). ``type_mismatches``: (sheet row, value) of cells that do
    not parse as the column's schema type, error values included. ``blank_rows``: the first
    few blank cells' sheet rows. ``formula_count``: cells holding a formula (None in a snapshot
    stored before kinds were digested).
    """

    name: str
    digest: str
    block_digests: tuple[str, ...]
    blank_count: int
    unexpected_count: int
    unexpected_rows: tuple[int, ...]
    type_mismatch_count: int
    type_mismatches: tuple[tuple[int, CellValue], ...]
    blank_rows: tuple[int, ...]
    formula_count: int | None = None


@dataclass(frozen=True)
class KeySummary:
    """Blank and duplicate keys; ``duplicates`` holds (key, first sheet row, repeated sheet row)."""

    column: str
    blank_count: int
    blank_rows: tuple[int, ...]
    duplicate_count: int
    duplicates: tuple[tuple[CellValue, int, int], ...]


@dataclass(frozen=True)
class Snapshot:
    """The digests and findings of one pass over a worksheet's data rows."""

    header: tuple[str, ...]
    row_count: int
    columns: tuple[ColumnSummary, ...]
    keys: KeySummary | None
    """None when the header has no key column."""
    digest: str
    """Whole-sheet digest: header, row count and every column digest in header order."""
    block_rows: int = BLOCK_ROWS

    def column(self, name: str) -> ColumnSummary:
        for summary in self.columns:
            if summary.name == name:
                return summary
        raise KeyError(f"the snapshot has no column {name!r}")

    def has_column(self, name: str) -> bool:
        return name in self.header

    def with_columns(self, read_again: Snapshot) -> Snapshot:
        """This snapshot with the columns of ``read_again`` (same rows, read later) replacing
        its own, and the whole-sheet digest recomputed; the key summary is kept."""
        if read_again.row_count != self.row_count:
            raise ValueError(f"{read_again.row_count} rows read again, expected {self.row_count}")
        fresh = {summary.name: summary for summary in read_again.columns}
        unknown = fresh.keys() - set(self.header)
        if unknown:
            raise KeyError(f"the snapshot has no column {sorted(unknown)[0]!r}")
        columns = tuple(fresh.get(summary.name, summary) for summary in self.columns)
        digest = sheet_digest(self.header, self.row_count, columns)
        return replace(self, columns=columns, digest=digest)

    def after_version(self, renames: Mapping[str, str], drops: Collection[str]) -> Snapshot:
        """This snapshot as a version's renames and drops leave the sheet: each renamed column
        under its new name, the dropped ones gone, the whole-sheet digest recomputed (a column's
        digest holds its cells, not its name), so it compares with a read of the sheet after."""
        kept = [c for c in self.columns if c.name not in drops]
        columns = tuple(replace(c, name=renames.get(c.name, c.name)) for c in kept)
        header = tuple(renames.get(name, name) for name in self.header if name not in drops)
        keys = self.keys
        if keys is not None:
            keys = replace(keys, column=renames.get(keys.column, keys.column))
        digest = sheet_digest(header, self.row_count, columns)
        return replace(self, header=header, columns=columns, keys=keys, digest=digest)

    def block_rows_range(self, block: int) -> tuple[int, int]:
        """First and last sheet row of block number ``block``."""
        first = block * self.block_rows + FIRST_DATA_ROW
        last = min((block + 1) * self.block_rows, self.row_count) + FIRST_DATA_ROW - 1
        return first, last

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Snapshot.from_dict`` gives back an equal snapshot."""
        return {
            "format": SNAPSHOT_FORMAT,
            "header": list(self.header),
            "row_count": self.row_count,
            "block_rows": self.block_rows,
            "digest": self.digest,
            "keys": None
            if self.keys is None
            else {
                "column": self.keys.column,
                "blank_count": self.keys.blank_count,
                "blank_rows": list(self.keys.blank_rows),
                "duplicate_count": self.keys.duplicate_count,
                "duplicates": [list(item) for item in self.keys.duplicates],
            },
            "columns": [
                {
                    "name": c.name,
                    "digest": c.digest,
                    "block_digests": list(c.block_digests),
                    "blank_count": c.blank_count,
                    "unexpected_count": c.unexpected_count,
                    "unexpected_rows": list(c.unexpected_rows),
                    "type_mismatch_count": c.type_mismatch_count,
                    "type_mismatches": [list(item) for item in c.type_mismatches],
                    "blank_rows": list(c.blank_rows),
                    "formula_count": c.formula_count,
                }
                for c in self.columns
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Rebuild a snapshot stored by ``to_dict``; CheckpointError if it is malformed."""
        try:
            if data["format"] != SNAPSHOT_FORMAT:
                raise ValueError(f"format {data['format']!r}, expected {SNAPSHOT_FORMAT}")
            keys = data["keys"]
            return cls(
                header=tuple(data["header"]),
                row_count=int(data["row_count"]),
                block_rows=int(data["block_rows"]),
                digest=str(data["digest"]),
                keys=None
                if keys is None
                else KeySummary(
                    column=keys["column"],
                    blank_count=keys["blank_count"],
                    blank_rows=tuple(keys["blank_rows"]),
                    duplicate_count=keys["duplicate_count"],
                    duplicates=tuple((v, a, b) for v, a, b in keys["duplicates"]),
                ),
                columns=tuple(
                    ColumnSummary(
                        name=c["name"],
                        digest=c["digest"],
                        block_digests=tuple(c["block_digests"]),
                        blank_count=c["blank_count"],
                        unexpected_count=c["unexpected_count"],
                        unexpected_rows=tuple(c["unexpected_rows"]),
                        type_mismatch_count=c["type_mismatch_count"],
                        type_mismatches=tuple((row, value) for row, value in c["type_mismatches"]),
                        blank_rows=tuple(c["blank_rows"]),
                        formula_count=c.get("formula_count"),
                    )
                    for c in data["columns"]
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(
                f"stored snapshot is malformed ({exc!r}); delete the checkpoint file and rerun "
                "so the snapshot is taken again from the sheet."
            ) from None


def count_data_rows(key_values: Sequence[object]) -> int:
    """Data rows: sheet row 2 down to the last non-blank key cell (``key_values[0]`` is row 2)."""
    for index in range(len(key_values) - 1, -1, -1):
        if not is_blank(key_values[index]):
            return index + 1
    return 0


def sheet_digest(header: Sequence[str], row_count: int, columns: Sequence[ColumnSummary]) -> str:
    sheet = blake2b(digest_size=32)
    sheet.update(canonical_json([list(header), row_count, [c.digest for c in columns]]).encode())
    return sheet.hexdigest()
