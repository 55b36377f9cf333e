"""Which step of a migration did not run, and why: decided from each built-in item's outcomes.

A migration that did not run every step never exits 0. Items after a step that did not pass are
skipped, and a skip is not a failure: ``--lf`` deselecting the steps, or a hook reordering the
items after the plugin put its steps first, would leave a half-done migration with a green exit.
The pytest layer (plugin/completeness.py) collects the outcomes and reports these lines as one
failed item, ``sheetmigrate::migration``. No pytest here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

NODE_ID = "sheetmigrate::migration"

Outcome = tuple[str, str, str]
"""One phase of an item: ``(when, outcome, skip reason)``, as ``("call", "skipped", "...")``."""


def steps_not_run(
    expected: Sequence[str], scheduled: Sequence[str], outcomes: Mapping[str, Sequence[Outcome]]
) -> list[str]:
    """One line per step (``expected``: their node ids, in order) that did not run, with why;
    none when a step failed (its failure already fails the session and says why) or when every
    step passed. ``scheduled`` are the node ids of the session's items, in their order."""
    phases = {nodeid: outcomes.get(nodeid, ()) for nodeid in expected}
    if any(outcome == "failed" for item in phases.values() for _, outcome, _ in item):
        return []
    lines = [
        f"{nodeid} did not run: {_why(nodeid, item, scheduled)}"
        for nodeid, item in phases.items()
        if not any(when == "call" and outcome == "passed" for when, outcome, _ in item)
    ]
    first = list(scheduled[: len(expected)])
    if lines and first != list(expected) and set(expected) <= set(scheduled):
        lines.append(
            "the items were reordered after sheetmigrate put its steps first (a "
            "pytest_collection_modifyitems hook of a conftest.py or plugin ran after it): "
            "the steps must run first and in order; remove or condition that hook"
        )
    return lines


def not_finished(problems: list[str]) -> str:
    """The message of the failed item ``NODE_ID``: the lines of ``steps_not_run``."""
    return "\n".join(["the migration did not run every step, so it did not finish:", *problems])


def _why(nodeid: str, phases: Sequence[Outcome], scheduled: Sequence[str]) -> str:
    reason = next((reason for _, outcome, reason in phases if outcome == "skipped"), None)
    if reason is not None:
        return f"skipped ({reason.removeprefix('Skipped: ')})"
    if nodeid not in scheduled:
        return (
            "it was deselected after sheetmigrate selected it (by --lf/--last-failed, --sw, "
            "--deselect or a plugin's hook); a migration runs every step: run pytest --migrate "
            "without it (the steps already done are recognised as done)"
        )
    return "the session stopped before it"
