"""commands.status on the local server: a worksheet's version, pending versions, drift from the
version it is at (a header renamed by hand recognised by its column marker, a column added by
hand, one deleted), and a lease held; two read requests, no write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from live_sheet import SCHEMA, LiveSheet

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.errors import SheetStateError
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.stamp import (
    SCHEMA_VERSION_KEY,
    create_metadata_request,
    delete_metadata_request,
    history_key,
)


def status_lines(sheet: LiveSheet) -> list[str]:
    return commands.status(sheet.settings(Mode.VALIDATE)).lines


def test_a_sheet_not_migrated_has_its_version_pending_and_no_write(live_sheet: LiveSheet) -> None:
    before = live_sheet.stats()
    report = commands.status(live_sheet.settings(Mode.VALIDATE))
    assert report.lines[:2] == ["Operaciones: not migrated yet, head 3.0", "  pending: 3.0"]
    assert report.exit_code(check=True) == 1 and report.exit_code(check=False) == 0
    after = live_sheet.stats()
    assert after["mutating_requests"] == before["mutating_requests"]
    assert after["requests"] - before["requests"] == 2


def test_after_the_migration_the_sheet_is_at_the_head_without_drift(live_sheet: LiveSheet) -> None:
    commands.migrate(live_sheet.settings())
    report = commands.status(live_sheet.settings(Mode.VALIDATE))
    assert report.lines[0] == "Operaciones: at 3.0, head 3.0"
    assert re.fullmatch(r"  applied 3\.0: 20\d\d-\d\d-\d\dT[\d:]+Z by \S+@\S+", report.lines[1])
    assert report.lines[2:] == [
        "  pending: none",
        "  drift: none (the header is version 3.0's)",
        "lease: none held",
    ]
    assert report.exit_code(check=True) == 0


def test_a_schema_file_changed_after_it_was_applied_is_said(
    live_sheet: LiveSheet, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.toml"
    schema.write_text(SCHEMA.read_text())
    commands.migrate(live_sheet.settings(schema_path=schema))
    schema.write_text(SCHEMA.read_text() + "# edited after the migration\n")
    with pytest.raises(SheetStateError, match="was changed after version 3.0 was applied"):
        commands.status(live_sheet.settings(Mode.VALIDATE, schema_path=schema))


def test_drift_by_hand_is_reported_each_with_its_fix(live_sheet: LiveSheet) -> None:
    commands.migrate(live_sheet.settings())
    worksheet = live_sheet.spreadsheet().worksheet(demo.WORKSHEET)
    header = worksheet.row_values(1)
    worksheet.update_cell(1, header.index("version") + 1, "Version")  # marked by the tool
    worksheet.delete_columns(header.index("Campo_05") + 1)
    worksheet.add_cols(1)
    worksheet.update_cell(1, len(header), "Nueva")
    report = commands.status(live_sheet.settings(Mode.VALIDATE))
    drift = [line for line in report.lines if line.startswith("  drift:")]
    assert any("'version' in 3.0, is now 'Version' at" in line for line in drift), drift
    assert any("'Campo_05' of version 3.0 is missing" in line for line in drift), drift
    assert any("'Nueva' at BP of 'Operaciones' is not in version 3.0" in line for line in drift)
    assert len(drift) == 3
    assert report.exit_code(check=True) == 1


def test_a_lease_held_is_shown(live_sheet: LiveSheet, open_run) -> None:
    with open_run(Mode.MIGRATE) as run:
        run.take_lease()
        lines = status_lines(live_sheet)
    assert lines[-1].startswith("lease: held by ")
    assert status_lines(live_sheet)[-1] == "lease: none held"


def test_an_older_versions_spreadsheet_level_stamp_gives_the_version(
    live_sheet: LiveSheet,
) -> None:
    commands.migrate(live_sheet.settings())
    own = next(m for m in live_sheet.metadata() if m["metadataKey"] == SCHEMA_VERSION_KEY)
    entry = next(m for m in live_sheet.metadata() if m["metadataKey"] == history_key("3.0"))
    live_sheet.spreadsheet().batch_update(
        {
            "requests": [
                delete_metadata_request(own["metadataId"]),
                delete_metadata_request(entry["metadataId"]),  # versions before it wrote none
                create_metadata_request(SCHEMA_VERSION_KEY, "3.0"),  # as versions before 11 did
            ]
        }
    )
    assert status_lines(live_sheet)[:2] == [
        "Operaciones: at 3.0, head 3.0",
        "  applied 3.0: (from its schema-version stamp)",
    ]


def test_a_version_before_the_chain_is_not_said_to_have_no_drift(live_sheet: LiveSheet) -> None:
    sheet_id = live_sheet.spreadsheet().worksheet(demo.WORKSHEET).id
    live_sheet.spreadsheet().batch_update(
        {"requests": [create_metadata_request(SCHEMA_VERSION_KEY, "2.1", sheet_id)]}
    )
    assert status_lines(live_sheet)[:4] == [
        "Operaciones: at 2.1, head 3.0",
        "  applied 2.1: (from its schema-version stamp)",
        "  pending: 3.0",
        "  drift: not checked (version 2.1 is before the versions given, so its columns are not "
        "known)",
    ]


def test_a_schema_version_that_is_not_numbers_is_still_shown(
    live_sheet: LiveSheet, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.toml"
    schema.write_text(SCHEMA.read_text().replace('name = "3.0"', 'name = "v3-beta"', 1))
    report = commands.status(live_sheet.settings(Mode.VALIDATE, schema_path=schema))
    assert report.lines[:2] == ["Operaciones: not migrated yet, head v3-beta", "  pending: v3-beta"]


def test_a_rollback_takes_the_versions_history_entry_with_its_stamps(
    live_sheet: LiveSheet,
) -> None:
    commands.migrate(live_sheet.settings())
    assert any(m["metadataKey"] == history_key("3.0") for m in live_sheet.metadata())
    commands.rollback(live_sheet.settings())
    assert not any(m["metadataKey"].startswith("sheetmigrate.") for m in live_sheet.metadata())
    assert status_lines(live_sheet)[:2] == [
        "Operaciones: not migrated yet, head 3.0",
        "  pending: 3.0",
    ]
