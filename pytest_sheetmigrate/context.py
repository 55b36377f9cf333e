"""What every step of one migration shares, read-only: the sheet as the run opened it.

:class:`SheetContext` holds the settings, the gateway, the schema, the checkpoint store and what
``open`` read (metadata, header row, key column: three requests) with the plan built on it. A
step's own results are not kept here: each step returns them to the next (steps/).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .checkpoints import CheckpointStore
from .errors import SheetStateError
from .gateway import SheetGateway
from .plan import Plan, formula_relocation_from
from .reader import SheetReader, first_cells, key_digest, prefetched, refuse_merged_header
from .schema import Schema
from .settings import Settings
from .sheet_info import SheetInfo, SpreadsheetInfo
from .snapshot import Snapshot, count_data_rows
from .stamp import legacy_stamps_belong_to

Progress = Callable[[str], None]


class RowSink(Protocol):
    """Where the source's rows go as the backup step streams them (the writer gives it): the
    local snapshot file, or the dry run's in-memory result."""

    def write(self, rows: list[list[Any]]) -> None: ...

    def close(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SheetContext:
    """One worksheet, one schema: the sheet as opened, and the plan for it."""

    settings: Settings
    gateway: SheetGateway
    schema: Schema
    checkpoints: CheckpointStore
    info: SpreadsheetInfo  # as opened; the writer keeps the stamps as they are after its writes
    sheet: SheetInfo
    header: tuple[str, ...]
    data_rows: int
    key_digest: str
    legacy_stamps: bool  # an older version's spreadsheet-level stamps are this worksheet's
    plan: Plan
    progress: Progress
    objects: dict[str, Any] | None = None
    """The named ranges and each tab's rules and filters, read with the metadata at opening
    (gateway.py ``opening``; None: not read)."""

    @classmethod
    def open(
        cls,
        settings: Settings,
        gateway: SheetGateway,
        schema: Schema,
        progress: Progress = lambda line: None,
        checkpoints: CheckpointStore | None = None,
    ) -> SheetContext:
        """Read what the plan needs: metadata (with the objects a columns step may change),
        header row and key column (three requests)."""
        info, objects = gateway.opening()
        sheet = info.sheet(schema.worksheet)
        refuse_merged_header(sheet)
        reader = SheetReader(gateway)
        header = reader.header(sheet.title)
        if schema.key not in header:
            raise SheetStateError(
                f"worksheet {sheet.title!r} has no key column {schema.key!r} in its header row: "
                f"fix `key` in {schema.path} or the header"
            )
        key_values = reader.key_column(sheet.title, header.index(schema.key))
        data_rows = count_data_rows(first_cells(key_values))
        plan = Plan.build(
            schema,
            header,
            sheet.sheet_id,
            data_rows,
            sheet.column_count,
            sheet.row_count,
            other_tabs={
                title: tab.row_count * tab.column_count
                for title, tab in info.sheets.items()
                if tab.sheet_id != sheet.sheet_id
            },
        )
        return cls(
            settings=settings,
            gateway=gateway,
            schema=schema,
            checkpoints=checkpoints
            or CheckpointStore(
                settings.checkpoint_dir, gateway.key, f"{schema.name}:{schema.worksheet}"
            ),
            info=info,
            sheet=sheet,
            header=tuple(header),
            data_rows=data_rows,
            key_digest=key_digest(key_values[:data_rows]),
            legacy_stamps=legacy_stamps_belong_to(
                info.stamps, len(info.sheets), schema.name, schema.header, header
            ),
            plan=plan,
            progress=progress,
            objects=objects,
        )

    def reopened(self) -> SheetContext:
        """What ``open`` read and planned, again (the sheet changed under this run)."""
        fresh = SheetContext.open(
            self.settings, self.gateway, self.schema, self.progress, self.checkpoints
        )
        # the worksheet's old stamps stay read as before: the flag is the run's, not the read's
        return replace(fresh, legacy_stamps=self.legacy_stamps)

    # reading ---------------------------------------------------------------------------------

    def source_and_copy(
        self, copy: SheetGateway | None
    ) -> Iterator[tuple[list[list[Any]], list[list[Any]]]]:
        """The data rows as opened (rows 2..n+1, the header's width), and those of ``copy`` (a
        backup; ``[]`` chunks when None) beside them, in chunks (reader.py)."""
        reader = SheetReader(self.gateway)
        return reader.beside(copy, self.sheet.title, self.data_rows, len(self.header))

    def rows_of(self, gateway: SheetGateway) -> Iterator[list[list[Any]]]:
        """The data rows as opened (rows 2..n+1, the header's width) of this worksheet in
        ``gateway``'s spreadsheet (a copy's tabs have the same titles), in chunks, the next one
        fetched while one is digested (reader.py)."""
        rows = SheetReader(gateway).data_rows(self.sheet.title, self.data_rows, len(self.header))
        return prefetched(rows)

    def snapshot_of(self, gateway: SheetGateway, width: int) -> Snapshot:
        """The worksheet of this spreadsheet (or of a copy) as it is now, over every row
        (reader.py; ``width``: the columns expected)."""
        return SheetReader(gateway).snapshot(self.schema, self.sheet.title, width)

    def backup_snapshots(self, copy: SheetGateway, width: int) -> tuple[Snapshot, Snapshot]:
        """A backup copy's worksheet, and the same with its formulas relocated as the columns
        step makes Google rewrite them (the step's requests follow from the copy's header)."""
        schema = self.schema
        relocation = functools.partial(formula_relocation_from, schema)
        return SheetReader(copy).snapshots(schema, self.sheet.title, width, relocation)
