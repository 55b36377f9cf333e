"""Which step of a migration did not run, and why, from the built-in items' outcomes alone: the
decision behind the failed item ``sheetmigrate::migration``."""

from __future__ import annotations

from pytest_sheetmigrate.steps_not_run import not_finished, steps_not_run

STEPS = ["sheetmigrate::test_step_1_backup", "sheetmigrate::test_step_2_columns"]
SUITE = ["v3.0/test_rows.py::test_one"]
PASSED = [("setup", "passed", ""), ("call", "passed", ""), ("teardown", "passed", "")]
SKIPPED = [("setup", "skipped", "Skipped: step_1_backup did not pass"), ("teardown", "passed", "")]
DESELECTED = (
    "it was deselected after sheetmigrate selected it (by --lf/--last-failed, --sw, --deselect or "
    "a plugin's hook); a migration runs every step: run pytest --migrate without it (the steps "
    "already done are recognised as done)"
)
REORDERED = (
    "the items were reordered after sheetmigrate put its steps first (a "
    "pytest_collection_modifyitems hook of a conftest.py or plugin ran after it): the steps must "
    "run first and in order; remove or condition that hook"
)


def test_every_step_passed_says_nothing():
    assert steps_not_run(STEPS, STEPS + SUITE, dict.fromkeys(STEPS, PASSED)) == []


def test_a_failed_step_says_nothing_its_failure_already_says_why():
    outcomes = {STEPS[0]: [("setup", "failed", "")], STEPS[1]: SKIPPED}
    assert steps_not_run(STEPS, STEPS + SUITE, outcomes) == []


def test_a_skipped_step_says_its_skip_reason():
    outcomes = {STEPS[0]: PASSED, STEPS[1]: SKIPPED}
    assert steps_not_run(STEPS, STEPS + SUITE, outcomes) == [
        "sheetmigrate::test_step_2_columns did not run: skipped (step_1_backup did not pass)"
    ]


def test_a_deselected_step_and_one_the_session_stopped_before_say_so():
    assert steps_not_run(STEPS, [STEPS[1], *SUITE], {}) == [
        f"sheetmigrate::test_step_1_backup did not run: {DESELECTED}",
        "sheetmigrate::test_step_2_columns did not run: the session stopped before it",
    ]


def test_steps_reordered_after_the_plugin_say_so_last():
    outcomes = {STEPS[1]: SKIPPED}
    assert steps_not_run(STEPS, [*SUITE, *STEPS], outcomes) == [
        "sheetmigrate::test_step_1_backup did not run: the session stopped before it",
        "sheetmigrate::test_step_2_columns did not run: skipped (step_1_backup did not pass)",
        REORDERED,
    ]


def test_the_failed_items_message_heads_the_lines():
    assert not_finished(["a", "b"]) == (
        "the migration did not run every step, so it did not finish:\na\nb"
    )
