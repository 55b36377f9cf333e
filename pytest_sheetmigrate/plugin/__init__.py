"""The pytest layer: options, hooks and fixtures that wire pytest to the engine.

Registered through the ``pytest11`` entry point ``sheetmigrate``.
"""

from .failures import pytest_runtest_makereport, pytest_sessionfinish
from .fixtures import (
    live_rows,
    migrated_sheet,
    migration_plan,
    sheet_schema,
    sheetmigrate_backup,
    sheetmigrate_columns,
    sheetmigrate_gateway,
    sheetmigrate_init,
    sheetmigrate_migration,
    sheetmigrate_rollback,
    sheetmigrate_state,
    sheetmigrate_verification,
    sheets_client,
    snapshot_before,
)
from .hooks import (
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_report_header,
    pytest_sessionstart,
    pytest_terminal_summary,
)

__all__ = [
    "live_rows",
    "migrated_sheet",
    "migration_plan",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "sheet_schema",
    "sheetmigrate_backup",
    "sheetmigrate_columns",
    "sheetmigrate_gateway",
    "sheetmigrate_init",
    "sheetmigrate_migration",
    "sheetmigrate_rollback",
    "sheetmigrate_state",
    "sheetmigrate_verification",
    "sheets_client",
    "snapshot_before",
]
