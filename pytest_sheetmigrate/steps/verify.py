"""Step 3, verify: the seven checks of the sheet after the columns step against the backup.

A verification the sheet confirms is not computed again: the init stamp (init writes only after
one passed), or a passed one checkpointed under the very stamps the sheet has now.
"""

from __future__ import annotations

from typing import Any

from ..checks import CHECKS, CheckInput, CheckResult, run_checks
from ..results import StepName, StepStatus, Verification
from ..stamp import utc_now
from .backup import BackupOutcome
from .base import Step
from .changed_cell import changed_cell_finder


class VerifyStep(Step):
    name = StepName.VERIFY

    def done_on_sheet(self) -> bool:
        """A passed verification is bound to the stamps the sheet has now."""
        return self.trusted(self.basis()) is not None

    def run(self, backup: BackupOutcome | None, layout: list[str]) -> Verification:
        """The checks over every row of the sheet as the writer says it is now (``layout``:
        its header as far as this run knows)."""
        basis = self.basis()
        trusted = self.trusted(basis)
        if trusted is not None:
            return trusted
        assert backup is not None, "the backup step runs first"
        started = utc_now()
        after = self.writer.sheet_now(self.context, layout)
        check_input = CheckInput(
            schema=self.context.schema,
            before=backup.before,
            after=after,
            backup=backup.backup,
            stage="columns",
            expected=backup.expected,
            first_changed_cell=changed_cell_finder(
                self.context, backup.before, after, backup.local_snapshot
            ),
        )
        results = {result.name: result for result in run_checks(check_input)}
        verification = Verification(results, self.writer.status, after=after)
        details = {
            "basis": basis,
            "passed": verification.passed,
            "messages": {name: r.message for name, r in results.items()},
        }
        self.writer.save(self.name, started, "ran", details)
        return verification

    def basis(self) -> dict[str, Any]:
        """What a verification is computed on: the backup and the columns change, as their
        stamps say (each names the run that wrote it; a recorded write's stamps included)."""
        stamps, schema = self.writer.stamps, self.context.schema.name
        return {step: stamps.step(schema, step) for step in ("backup", "columns")}

    def trusted(self, basis: dict[str, Any]) -> Verification | None:
        """A verification the sheet confirms: its init stamp, or a passed one checkpointed
        under the very stamps ``basis`` (another backup or columns change: not trusted)."""
        init = self.writer.stamps.step(self.context.schema.name, StepName.INIT)
        if init is not None:
            said = f"passed before the init step wrote (its stamp on the sheet, {init.get('at')})"
            return Verification(
                {name: CheckResult(name, True, said) for name in CHECKS}, StepStatus.DONE
            )
        checkpoint = self.context.checkpoints.load(self.name)
        if checkpoint is None or not checkpoint.details.get("passed"):
            return None
        if checkpoint.details.get("basis") != basis or basis["backup"] is None:
            return None
        results = {
            name: CheckResult(name, True, f"{message} (verified {checkpoint.finished})")
            for name, message in checkpoint.details["messages"].items()
        }
        return Verification(results, StepStatus.DONE)
