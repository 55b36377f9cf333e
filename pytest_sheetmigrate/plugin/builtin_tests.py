"""The built-in items of ``--migrate``: ``sheetmigrate::test_step_1_backup`` and so on.

pytest-dependency chains them: an item after a failed step is skipped with a reason naming it.
"""

from __future__ import annotations

import pytest

from ..checks import CHECKS
from ..results import StepResult, Verification

VERIFY_NAMES = [f"step_3_verify[{name}]" for name in CHECKS]


@pytest.mark.dependency(name="step_1_backup", scope="session")
def test_step_1_backup(sheetmigrate_backup: StepResult) -> None:
    assert sheetmigrate_backup.status in ("ran", "done", "planned")


@pytest.mark.dependency(name="step_2_columns", depends=["step_1_backup"], scope="session")
def test_step_2_columns(sheetmigrate_columns: StepResult) -> None:
    assert sheetmigrate_columns.status in ("ran", "done", "planned")


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(
            name,
            marks=pytest.mark.dependency(
                name=f"step_3_verify[{name}]", depends=["step_2_columns"], scope="session"
            ),
        )
        for name in CHECKS
    ],
)
def test_step_3_verify(check: str, sheetmigrate_verification: Verification) -> None:
    result = sheetmigrate_verification.results[check]
    if not result.passed:
        pytest.fail(result.message, pytrace=False)


@pytest.mark.dependency(name="step_4_init", depends=VERIFY_NAMES, scope="session")
def test_step_4_init(sheetmigrate_init: StepResult) -> None:
    assert sheetmigrate_init.status in ("ran", "done", "planned")
