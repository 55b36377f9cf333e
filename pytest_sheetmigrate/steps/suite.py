"""Step 5, test: the validation suite's outcome on the migrated sheet, kept in its checkpoint
(``logs/checkpoints/step_5_test.json``).

The suite itself runs as pytest items (the plugin's part); this step records what it found. It
is read-only, so it runs on every run, a rerun too: what it proves is the sheet as it is now, not
as an earlier run saw it. Its checkpoint names the init stamp the suite ran after, so a later
reader can tell which migration the outcome belongs to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..results import StepName, StepResult
from ..stamp import utc_now
from .base import Step

FAILING = frozenset({"failed", "error"})


class TestStep(Step):
    __test__ = False  # a step of the engine, not a test class for pytest to collect

    name = StepName.TEST

    def done_on_sheet(self) -> bool:
        """Never: the sheet holds no record of a suite's run, and the suite is read-only."""
        return False

    def run(self, outcomes: Mapping[str, str]) -> StepResult:
        """Record ``outcomes`` (each test's, by name) in the step's checkpoint."""
        started = utc_now()
        counts = Counter(outcomes.values())
        said = ", ".join(f"{counts[outcome]} {outcome}" for outcome in sorted(counts))
        passed = bool(outcomes) and not FAILING & counts.keys()
        init = self.writer.stamps.step(self.context.schema.name, StepName.INIT) or {}
        details = {"tests": dict(counts), "passed": passed, "after_init": init.get("at")}
        self.writer.save(self.name, started, "ran", details)
        summary = self.writer.summary(
            would=f"{said or 'no test'} on the planned result", did=said or "no test ran"
        )
        return StepResult(self.name, self.writer.status, summary, details=details)
