"""The built-in item of a validation run (``pytest tests/v3.0``): the sheet's schema version."""

from __future__ import annotations

import pytest

from ..migration import Migration


@pytest.mark.dependency(name="schema_version", scope="session")
def test_schema_version(sheetmigrate_migration: Migration) -> None:
    """Validation only: the live sheet is at the schema's version."""
    migration = sheetmigrate_migration
    schema = migration.schema
    at = migration.stamps.schema_version or "unknown (no sheetmigrate stamp)"
    missing = [name for name, _ in migration.plan.columns_to_add]
    if missing or at != schema.name:
        lacking = f"; it lacks {', '.join(missing)}" if missing else ""
        pytest.fail(
            f"the sheet is at schema version {at}, not {schema.name}{lacking}. "
            "Run pytest --migrate to migrate it (pytest --migrate --dry-run shows the plan).",
            pytrace=False,
        )
