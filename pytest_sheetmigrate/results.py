"""What a step answers: its name, its status, a one-line summary and the requests it sent or
would send. Shared by the engine's steps, the run record and the plugin.

Names and statuses are ``StrEnum`` members, so they read and compare as the strings that the
checkpoints, reports and terminal lines show (``StepName.BACKUP == "backup"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .checks import CheckResult
from .snapshot import Snapshot


class StepName(StrEnum):
    BACKUP = "backup"
    COLUMNS = "columns"
    VERIFY = "verify"
    INIT = "init"
    TEST = "test"
    ROLLBACK = "rollback"


class StepStatus(StrEnum):
    RAN = "ran"  # it wrote (or, for verify, computed) in this run
    DONE = "done"  # found done: on the sheet, or by an earlier run
    PLANNED = "planned"  # a dry run: what it would write


@dataclass
class StepResult:
    step: StepName
    status: StepStatus
    summary: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verification:
    results: dict[str, CheckResult]
    status: StepStatus
    after: Snapshot | None = field(default=None, repr=False, compare=False)
    """The sheet the checks were computed on (None: trusted, not computed in this run); the
    init step and the validation suite reuse it instead of reading the sheet again."""

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results.values())
