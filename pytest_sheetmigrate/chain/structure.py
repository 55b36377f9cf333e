"""A version's structural change of one worksheet, as the requests of one batchUpdate.

In order, so each request's indexes are those the requests before it leave: the renamed
columns' header cells (at their columns in the live header), the dropped columns deleted (right
to left), then the plan's moves and inserts (plan.py, on the header the renames and drops
leave). Google applies a batchUpdate all-or-nothing, so the worksheet is at the version before
or at this one, never between. Dropped columns' data is the backup's to keep (the version's
backup step runs first); formulas that refer to a dropped column become ``#REF!`` in Google,
which the dependents scan must report before any write (not done here).

Every request is addressed by index, the renamed header cells included: a rename overwrites an
existing cell, so the caller reads the header right before the write and refuses when it is not
``live_header`` (as the columns step guards its moves), and a lost answer is judged by the
version's stamp, not by sending again blindly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..plan import Plan
from ..schema import Schema
from .version_file import WorksheetVersion


@dataclass(frozen=True)
class Structure:
    header_after: tuple[str, ...]
    """The header once renamed and dropped, before the plan's moves and inserts."""
    plan: Plan
    requests: list[dict[str, Any]]


def structure(
    change: WorksheetVersion,
    live_header: Sequence[str],
    sheet_id: int,
    data_rows: int,
    grid_columns: int,
    grid_rows: int,
    other_tabs: Mapping[str, int] | None = None,
) -> Structure:
    """The requests that take the worksheet from the live header (the version before's columns)
    to ``change``'s target; the plan refuses a live header it cannot reach (plan.py)."""
    renames = dict(change.renames)
    requests: list[dict[str, Any]] = [
        _header_cell(sheet_id, index, renames[name])
        for index, name in enumerate(live_header)
        if name in renames
    ]
    renamed = [renames.get(name, name) for name in live_header]
    dropped = sorted(
        (i for i, name in enumerate(live_header) if name in change.drops), reverse=True
    )
    requests += [_delete_column(sheet_id, index) for index in dropped]
    after = [name for i, name in enumerate(renamed) if i not in dropped]
    target: Schema = change.schema
    plan = Plan.build(
        target, after, sheet_id, data_rows, grid_columns - len(dropped), grid_rows, other_tabs
    )
    return Structure(tuple(after), plan, requests + plan.columns_requests())


def _header_cell(sheet_id: int, index: int, text: str) -> dict[str, Any]:
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": index},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": text}}]}],
            "fields": "userEnteredValue",
        }
    }


def _delete_column(sheet_id: int, index: int) -> dict[str, Any]:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1}
    return {"deleteDimension": {"range": span}}
