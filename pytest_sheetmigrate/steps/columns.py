"""Step 2, columns: the schema's missing columns inserted and the others moved into its order,
each added column marked, in one batchUpdate with the step's stamp."""

from __future__ import annotations

from dataclasses import dataclass

from ..a1 import column_letter
from ..context import SheetContext
from ..results import StepName, StepResult, StepStatus
from ..stamp import Stamps, column_marker_request, utc_now
from .base import Step


@dataclass(frozen=True)
class ColumnsOutcome:
    """What the columns step hands on: the header the live sheet has after it."""

    result: StepResult
    layout: list[str]


class ColumnsStep(Step):
    name = StepName.COLUMNS

    def done_on_sheet(self) -> bool:
        """Every schema column is in place, in the schema's order."""
        return self.context.plan.is_noop_columns

    def run(self) -> ColumnsOutcome:
        context, writer, plan = self.context, self.writer, self.context.plan
        if self.done_on_sheet():
            writer.save_detected(self.name)
            summary = "every schema column is already in place"
            return ColumnsOutcome(
                StepResult(self.name, StepStatus.DONE, summary), list(context.header)
            )
        added_names = added_by_this_migration(context, writer.stamps)
        markers = [
            column_marker_request(context.sheet.sheet_id, index, name)
            for name, index in plan.columns_to_add
        ]
        added = ", ".join(f"{name} at {column_letter(i)}" for name, i in plan.columns_to_add)
        moved = ", ".join(move.name for move in plan.moves)
        what = " and ".join(
            part for part in (added and f"add {added}", moved and f"move {moved}") if part
        )
        started = utc_now()
        writer.take_lease()
        writer.refuse_rows_changed(context, list(context.header))
        stamp = writer.stamps.step_requests(
            context.schema.name, self.name, {"added": added_names, **writer.run_id()}
        )
        requests = plan.columns_requests() + markers + stamp
        writer.write_step(requests, self.name)
        layout = writer.layout_after_columns(context)
        writer.save(self.name, started, "ran", {"added": added_names})
        done = what.replace("add ", "added ", 1).replace("move ", "moved ", 1)
        summary = writer.summary(would=f"would {what}", did=done)
        return ColumnsOutcome(
            StepResult(self.name, writer.status, summary, requests=requests), layout
        )


def added_by_this_migration(context: SheetContext, stamps: Stamps) -> list[str]:
    """The columns this migration adds: those an earlier run of it added (its columns stamp),
    then those the plan adds now. A rerun that only moves columns (one moved by hand since)
    keeps the earlier ones, so init still writes their defaults."""
    stamp = stamps.step(context.schema.name, StepName.COLUMNS) or {}
    earlier = [name for name in stamp.get("added", []) if context.schema.has_column(name)]
    now = [name for name, _ in context.plan.columns_to_add]
    return list(dict.fromkeys(earlier + now))
