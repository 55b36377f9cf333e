"""The built-in item of ``pytest --rollback``."""

from __future__ import annotations

import pytest

from ..results import StepResult


@pytest.mark.dependency(name="rollback", scope="session")
def test_rollback(sheetmigrate_rollback: StepResult) -> None:
    """``--rollback`` only: the worksheet is back as it was before the migration."""
    assert sheetmigrate_rollback.status == "ran"
