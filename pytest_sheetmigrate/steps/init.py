"""Step 4, init: each added column's default on every data row, and the schema version.

Written where each column is right before the write: a marked column by its marker (one
values.batchUpdateByDataFilter), a column found by its header by index in the stamps'
batchUpdate, which also records the version's history entry and releases the lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..chain.history import HistoryEntry
from ..chain.version_file import file_checksum
from ..context import SheetContext
from ..errors import ConcurrentChangeError, VerificationError
from ..reader import ColumnLayout, SheetReader, first_cells
from ..results import StepName, StepResult, StepStatus, Verification
from ..snapshot import Snapshot, count_data_rows
from ..stamp import COLUMN_MARKER_KEY, utc_now
from .base import Step
from .columns import added_by_this_migration
from .locate import column_now

if TYPE_CHECKING:
    from ..writer import Writer


@dataclass(frozen=True)
class InitOutcome:
    """What the init step hands on: the columns it wrote, and the latest sheet read before its
    write: the verification's, or the one it read to find its columns (None: neither)."""

    result: StepResult
    initialised: list[str]
    after: Snapshot | None = None


class InitStep(Step):
    name = StepName.INIT

    def __init__(self, context: SheetContext, writer: Writer) -> None:
        super().__init__(context, writer)
        self.title = context.sheet.title

    def done_on_sheet(self) -> bool:
        """The sheet carries this migration's init stamp."""
        return self.writer.stamps.step(self.context.schema.name, self.name) is not None

    def run(self, verification: Verification, layout: list[str]) -> InitOutcome:
        """Init after a passed ``verification``; ``layout``: the header as far as the run knows."""
        if not verification.passed:
            failed = ", ".join(n for n, r in verification.results.items() if not r.passed)
            raise VerificationError(f"verification failed ({failed}): nothing initialised")
        context, writer = self.context, self.writer
        if self.done_on_sheet():
            writer.save_detected(self.name)
            return InitOutcome(
                StepResult(self.name, StepStatus.DONE, "defaults already written"), []
            )
        names, after = self._columns_to_initialise(verification.after, layout)
        stamps, schema, rows = writer.stamps, context.schema.name, context.data_rows
        if not names and stamps.schema_version == schema:
            writer.save_detected(self.name)
            summary = "no added column is waiting for its default"
            return InitOutcome(StepResult(self.name, StepStatus.DONE, summary), [], after)
        stamp_requests = stamps.step_requests(
            schema, self.name, {"rows": rows}
        ) + stamps.schema_version_requests(schema)
        what = (
            f"{', '.join(names)} on {rows:,} rows"
            if names
            else f"no default, only the schema version {schema}"
        )
        started = utc_now()
        writer.take_lease()
        writer.refuse_rows_changed(context, layout)
        found = self._layout_now(names, layout)  # right before the write: where each is now
        at = {name: column_now(found, name, self.title) for name in names}
        self._write_marked_columns(names, found, at)
        by_header = [name for name in names if (name, at[name]) not in found.marker_ids]
        requests = context.plan.init_requests(by_header, at) + stamp_requests
        requests += self._history_requests()
        writer.write_step(
            requests,
            self.name,
            release=True,
            before_resend=lambda: self._refuse_moved(by_header, {n: at[n] for n in by_header}),
        )
        writer.save(self.name, started, "ran", {"rows": rows, "columns": names})
        summary = writer.summary(would=f"would write {what}", did=f"wrote {what}")
        result = StepResult(self.name, writer.status, summary, requests=requests)
        return InitOutcome(result, names, after)

    def _history_requests(self) -> list[dict[str, Any]]:
        """The version's history entry (chain/history.py), in the init step's batchUpdate: when,
        by whom (the account, else the lease's user@host), the checksum of the schema file."""
        context, lease = self.context, self.writer.lease
        by = context.gateway.account or (lease.holder if lease else "unknown")
        checksum = file_checksum(context.schema.path, [])
        entry = HistoryEntry(context.schema.name, utc_now(), by, checksum)
        return self.writer.stamps.history_requests(entry.version, entry.to_json())

    def _columns_to_initialise(
        self, after: Snapshot | None, layout: list[str]
    ) -> tuple[list[str], Snapshot | None]:
        """Columns added by this migration that have a default, and the sheet read to know.

        Known from the plan and the columns stamp (what earlier runs of this migration added);
        without a stamp, columns added by hand count when they are still blank on every row
        (of the sheet as verified, else as it is now).
        """
        context = self.context
        stamp = self.writer.stamps.step(context.schema.name, StepName.COLUMNS)
        with_default = [c.name for c in context.schema.columns if c.default is not None]
        if context.plan.columns_to_add or (stamp is not None and "added" in stamp):
            added = added_by_this_migration(context, self.writer.stamps)
            return [name for name in added if name in with_default], after
        if after is None:  # verified by an earlier run: look at the sheet as it is now
            after = self.writer.sheet_now(context, layout)
        blank = [
            name
            for name in with_default
            if after.has_column(name) and after.column(name).blank_count == after.row_count
        ]
        return blank, after

    def _refuse_moved(self, names: list[str], at: dict[str, int]) -> None:
        """Before a write waiting out an error is sent again: its columns are still there."""
        if self._columns_now(names) != at:
            raise ConcurrentChangeError(
                f"the columns of {self.title!r} moved while the init step waited to "
                "write: nothing was written in this step. Run pytest --migrate again; it "
                "writes where the columns are then."
            )

    def _columns_now(self, names: list[str]) -> dict[str, int]:
        """The 0-based index of each column ``names`` where it is now, read in one request."""
        if not names:
            return {}
        layout = self.writer.column_layout(self.title)
        return {name: column_now(layout, name, self.title) for name in names}

    def _layout_now(self, names: list[str], layout: list[str]) -> ColumnLayout:
        """The header, the markers, and the data rows of each column ``names`` where it is now.

        Read in one request with the columns where this run last saw them; read again at the
        columns found when one has moved since (the values must be those of the marked column).
        """
        if not names:
            return ColumnLayout((), {})
        title, rows = self.title, self.context.data_rows
        seen = [layout.index(n) for n in names if n in layout]
        found_layout = self.writer.column_layout(title, seen, rows)
        found = {column_now(found_layout, name, title) for name in names}
        if rows and not found <= found_layout.blanks.keys():
            found_layout = self.writer.column_layout(title, sorted(found), rows)
            found = {column_now(found_layout, name, title) for name in names}
            if not found <= found_layout.blanks.keys():
                raise ConcurrentChangeError(
                    f"the columns of {title!r} kept moving while the init step read them: "
                    "nothing was written in this step. Run pytest --migrate again; it writes "
                    "where the columns are then."
                )
        return found_layout

    def _write_marked_columns(
        self, names: list[str], layout: ColumnLayout, at: dict[str, int]
    ) -> None:
        """Write the default of each column the columns step marked, by its marker: one
        values.batchUpdateByDataFilter whose DeveloperMetadataLookup selects the column the
        marker is on when Google applies it (column metadata moves with its column), so a
        column inserted or moved meanwhile cannot receive them.

        The matched range is the whole column from row 1: the header cell is sent as null and
        so is every data row that holds a value already ("Null values will be skipped",
        ValueRange reference), so only blanks get the default and a value another writer (or
        a rerun's predecessor) put there stays. No value at all past the rows sent ("If the
        provided values are less than the matched ranges only the specified values are
        written", DataFilterValueRange reference). A column found by its header only (added by
        hand) is written by index in the stamps' batchUpdate, guarded as before.
        """
        data, wanted = [], []
        for name in names:
            metadata_id = layout.marker_ids.get((name, at[name]))
            if metadata_id is None or not self.context.data_rows:
                continue
            default = self.context.schema.column(name).default
            blanks = layout.blanks[at[name]]
            if not any(blanks):
                continue  # written already (a rerun after a write whose stamp was lost)
            lookup = {
                "metadataId": metadata_id,
                "metadataKey": COLUMN_MARKER_KEY,
                "metadataValue": name,
                "locationType": "COLUMN",
            }
            column = [None] + [default if blank else None for blank in blanks]
            data.append(
                {
                    "dataFilter": {"developerMetadataLookup": lookup},
                    "majorDimension": "COLUMNS",
                    "values": [column],
                }
            )
            wanted.append(name)
        if not data:
            return
        answer = self.writer.write_values(data)
        matched = {
            int(r.get("dataFilter", {}).get("developerMetadataLookup", {}).get("metadataId", 0))
            for r in answer.get("responses", [])
        }
        missing = [name for name in wanted if layout.marker_ids[(name, at[name])] not in matched]
        if missing:
            raise ConcurrentChangeError(
                f"the column {', '.join(map(repr, missing))} of {self.title!r} was deleted "
                "while the migration ran: its default was written nowhere. Put the column back "
                "(or undo the change) and run pytest --migrate again."
            )
        self._clear_defaults_below_the_data(data, layout)

    def _clear_defaults_below_the_data(
        self, data: list[dict[str, Any]], layout: ColumnLayout
    ) -> None:
        """Rows are addressed by number: a row deleted after the last key read moved the data up
        under the write, whose last defaults then landed below the last key. The key column,
        read again once the write is in, says how many rows there are now; each default written
        below them is cleared again, by the same marker (a row deleted after the write took
        its own default with it)."""
        context = self.context
        key_index = list(layout.header).index(context.schema.key)
        rows_now = count_data_rows(
            first_cells(SheetReader(context.gateway).key_column(self.title, key_index))
        )
        if rows_now >= context.data_rows:
            return
        below = [
            {
                **entry,
                "values": [
                    [None] * (rows_now + 1)
                    + [
                        "" if sent is not None else None
                        for sent in entry["values"][0][rows_now + 1 :]
                    ]
                ],
            }
            for entry in data
        ]
        self.writer.write_values(below)
