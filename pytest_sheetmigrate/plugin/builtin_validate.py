"""The built-in item of a validation run (``pytest tests/v3.0``): the sheet's schema version."""

from __future__ import annotations

import pytest

from ..run import Run


@pytest.mark.dependency(name="schema_version", scope="session")
def test_schema_version(sheetmigrate_migration: Run) -> None:
    """Validation only: the live sheet is at the schema's version."""
    problem = sheetmigrate_migration.version_problem()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
