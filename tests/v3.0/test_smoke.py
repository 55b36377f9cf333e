"""The quickest sign the demo migration happened: the sheet has the schema's 68 columns.

`pytest tests/v3.0/test_smoke.py::test_sheet_has_68_columns -v` passes on the migrated demo sheet;
before the migration the session fails with the reason (the sheet is at schema version 2.1 and
lacks the new columns) and this test is not run.
"""

from pathlib import Path

from pytest_sheetmigrate.schema import load_schema

SCHEMA = load_schema(Path(__file__).with_name("schema.toml"))


def test_sheet_has_68_columns(migrated_sheet):
    columns = len(migrated_sheet.header)
    assert columns == len(SCHEMA.header) == 68, f"the sheet has {columns} columns, not 68"
