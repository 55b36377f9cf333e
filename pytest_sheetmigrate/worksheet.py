"""Reading a worksheet through the gateway: its header, key column and data rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from gspread.utils import absolute_range_name, rowcol_to_a1

from .errors import SheetStateError
from .gateway import CHUNK_BYTES, SheetGateway, SheetInfo
from .schema import Schema, column_letter, is_blank
from .snapshot import Snapshot, SnapshotBuilder, count_data_rows


def refuse_merged_header(sheet: SheetInfo) -> None:
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


def read_key_column(gateway: SheetGateway, sheet: str, index: int) -> list[list[Any]]:
    letter = column_letter(index)
    (values,) = gateway.read([absolute_range_name(sheet, f"{letter}2:{letter}")])
    return values


def first_row(rows: list[list[Any]]) -> list[Any]:
    return rows[0] if rows else []


def first_cells(rows: list[list[Any]]) -> list[Any]:
    return [row[0] if row else "" for row in rows]


def key_digest(values: list[list[Any]]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(orjson.dumps([row[0] if row else "" for row in values]))
    return digest.hexdigest()


def with_columns_read_again(
    gateway: SheetGateway, schema: Schema, title: str, after: Snapshot, names: list[str]
) -> Snapshot | None:
    """``after`` with the columns ``names`` read again; None when the key column or the header
    row changed (a column inserted, moved or renamed: ``after`` no longer says where they are).

    Reads the key column and those columns only (a request per ~2 MB of them), the header row
    with the first of them, and the key column below the data rows, where a row added since
    would show.
    """
    key = schema.key
    columns = [key, *names]
    letters = [column_letter(after.header.index(name)) for name in columns]
    builder = SnapshotBuilder(schema, columns)
    last_row = after.row_count + 1
    step = max(1_000, CHUNK_BYTES // (16 * len(columns)))
    for first in range(2, last_row + 1, step):
        end = min(last_row, first + step - 1)
        ranges = [f"{letter}{first}:{letter}{end}" for letter in letters]
        if end == last_row:  # and below the data rows: a row added there changes them
            ranges.append(f"{letters[0]}{last_row + 1}:{letters[0]}")
        if first == 2:  # and the header row: a column inserted, moved or renamed changes it
            ranges.append("1:1")
        values = gateway.read([absolute_range_name(title, r) for r in ranges])
        if first == 2 and [str(cell) for cell in first_row(values.pop())] != list(after.header):
            return None
        if end == last_row and count_data_rows(first_cells(values.pop())):
            return None
        height = end - first + 1
        cells = [first_cells(column) + [""] * (height - len(column)) for column in values]
        builder.add_rows([list(row) for row in zip(*cells, strict=True)])
    read_again = builder.finish()
    if read_again.column(key).digest != after.column(key).digest:
        return None
    return after.with_columns(read_again)
