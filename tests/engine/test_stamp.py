"""Stamps: parsed from developer metadata, the requests that write and remove them, and what one
worksheet sees (its own, the lease, older versions' spreadsheet-level ones), also read back from
the live sheet's metadata after a migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from live_sheet import DEMO_ROWS, LiveSheet, open_run_on
from live_sheet import SCHEMA as SCHEMA_FILE

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.errors import CheckpointError
from pytest_sheetmigrate.results import StepStatus
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.stamp import (
    Stamps,
    create_metadata_request,
    legacy_stamps_belong_to,
)

LEASE = ("sheetmigrate.lease", 1, "{}")
OLD_VERSION = ("sheetmigrate.schema_version", 2, "3.0")
OLD_INIT = ("sheetmigrate.step.3.0.init", 3, json.dumps({"step": "init"}))
SCHEMA = ["TAG", "version"]


def test_old_stamps_are_the_only_worksheet_s_whatever_its_header():
    shared = Stamps((LEASE, OLD_VERSION, OLD_INIT))

    assert legacy_stamps_belong_to(shared, 1, "3.0", SCHEMA, ["TAG"])


def test_with_several_worksheets_old_stamps_of_the_schema_need_its_columns_in_the_header():
    shared = Stamps((LEASE, OLD_VERSION, OLD_INIT))

    assert legacy_stamps_belong_to(shared, 2, "3.0", SCHEMA, ["TAG", "version"])
    assert not legacy_stamps_belong_to(shared, 2, "3.0", SCHEMA, ["TAG"]), "not migrated yet"
    assert not legacy_stamps_belong_to(shared, 2, "4.0", SCHEMA, SCHEMA), "another schema's"


def test_a_worksheet_sees_the_lease_its_own_stamps_and_the_old_ones_its_own_do_not_supersede():
    shared = Stamps((LEASE, OLD_VERSION, OLD_INIT))
    own = Stamps((("sheetmigrate.step.4.0.backup", 9, "{}"),), sheet_id=7)

    seen = shared.for_worksheet(own, legacy=True)
    not_its = shared.for_worksheet(own, legacy=False)
    newer = shared.for_worksheet(
        Stamps((("sheetmigrate.step.3.0.backup", 10, "{}"),), sheet_id=7), legacy=True
    )

    assert seen.schema_version == "3.0" and seen.step("3.0", "init") is not None
    assert not_its.items == (LEASE, *own.items)
    assert newer.step("3.0", "init") is None, "its own 3.0 stamps hide the old 3.0 ones"
    created = seen.schema_version_requests("4.0")[-1]["createDeveloperMetadata"]
    assert created["developerMetadata"]["location"] == {"sheetId": 7}
    assert len(seen.schema_version_requests("4.0")) == 2, "the old version is deleted"


# -- stamps parsed from developer metadata ------------------------------------------------------


def metadata(key: str, metadata_id: int, value: str, location: dict) -> dict:
    return {
        "metadataKey": key,
        "metadataId": metadata_id,
        "metadataValue": value,
        "location": location,
        "visibility": "DOCUMENT",
    }


ON_THE_TAB = {"sheetId": 7, "locationType": "SHEET"}
COLUMN = {"dimensionRange": {"sheetId": 7, "dimension": "COLUMNS", "startIndex": 3, "endIndex": 4}}
LISTED = [
    metadata("sheetmigrate.lease", 1, "{}", {"spreadsheet": True}),
    metadata("sheetmigrate.schema_version", 2, "3.0", ON_THE_TAB),
    metadata("sheetmigrate.column", 3, "version", COLUMN),
    metadata("another.tool", 4, "x", ON_THE_TAB),
    metadata("sheetmigrate.schema_version", 5, "2.0", {"sheetId": 8}),
]


def test_parse_keeps_the_tool_s_items_at_one_place_and_no_column_marker():
    at_the_spreadsheet = Stamps.parse(LISTED)
    on_the_tab = Stamps.parse(LISTED, sheet_id=7)

    assert at_the_spreadsheet.items == (("sheetmigrate.lease", 1, "{}"),)
    assert on_the_tab.items == (("sheetmigrate.schema_version", 2, "3.0"),)
    assert on_the_tab.sheet_id == 7 and on_the_tab.schema_version == "3.0"
    assert Stamps.parse(LISTED, sheet_id=8).schema_version == "2.0"


def test_a_step_stamp_reads_as_its_record_and_an_unreadable_one_as_raw():
    stamps = Stamps(
        (
            ("sheetmigrate.step.3.0.backup", 1, json.dumps({"step": "backup", "backup": "K"})),
            ("sheetmigrate.step.3.0.columns", 2, "not json"),
            ("sheetmigrate.step.3.0.init", 3, "[1, 2]"),
        )
    )

    assert stamps.step("3.0", "backup") == {"step": "backup", "backup": "K"}
    assert stamps.step("3.0", "columns") == {"step": "columns", "raw": "not json"}
    assert stamps.step("3.0", "init") == {"step": "init", "raw": "[1, 2]"}
    assert stamps.step("3.0", "verify") is None and stamps.step("4.0", "backup") is None


def test_the_last_of_two_stamps_of_one_key_counts():
    stamps = Stamps(
        (("sheetmigrate.schema_version", 1, "2.0"), ("sheetmigrate.schema_version", 2, "3.0"))
    )

    assert stamps.schema_version == "3.0"
    assert stamps.all("sheetmigrate.schema_version") == [(1, "2.0"), (2, "3.0")]
    assert Stamps(()).schema_version is None


def test_a_step_s_requests_replace_every_older_stamp_of_it_on_the_worksheet():
    stamps = Stamps(
        (
            ("sheetmigrate.step.3.0.init", 11, "{}"),
            ("sheetmigrate.step.3.0.init", 12, "{}"),
            ("sheetmigrate.step.3.0.backup", 13, "{}"),
        ),
        sheet_id=7,
    )

    *deleted, created = stamps.step_requests("3.0", "init", {"rows": 40})

    assert [d["deleteDeveloperMetadata"]["dataFilter"] for d in deleted] == [
        {"developerMetadataLookup": {"metadataId": 11}},
        {"developerMetadataLookup": {"metadataId": 12}},
    ]
    made = created["createDeveloperMetadata"]["developerMetadata"]
    assert (made["metadataKey"], made["location"], made["visibility"]) == (
        "sheetmigrate.step.3.0.init",
        {"sheetId": 7},
        "DOCUMENT",
    )
    record = json.loads(made["metadataValue"])
    assert (record["step"], record["schema"], record["rows"]) == ("init", "3.0", 40)
    assert record["at"].endswith("Z")


def test_spreadsheet_level_stamps_write_new_ones_at_the_spreadsheet_level():
    (created,) = Stamps(()).step_requests("3.0", "backup", {})

    assert created["createDeveloperMetadata"]["developerMetadata"]["location"] == {
        "spreadsheet": True
    }


def test_no_schema_version_means_only_deleting_the_one_there_is():
    stamps = Stamps((("sheetmigrate.schema_version", 5, "3.0"),), sheet_id=7)

    assert stamps.schema_version_requests(None) == [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataId": 5}}}}
    ]
    assert Stamps((), sheet_id=7).schema_version_requests(None) == []


def test_a_rollback_removes_every_step_stamp_of_its_schema_and_nothing_else():
    stamps = Stamps(
        (
            LEASE,
            ("sheetmigrate.step.3.0.backup", 11, "{}"),
            ("sheetmigrate.step.3.0.init", 12, "{}"),
            ("sheetmigrate.step.2.0.backup", 13, "{}"),
            ("sheetmigrate.schema_version", 14, "3.0"),
        )
    )

    removed = stamps.removal_requests("3.0")

    ids = [
        r["deleteDeveloperMetadata"]["dataFilter"]["developerMetadataLookup"]["metadataId"]
        for r in removed
    ]
    assert ids == [11, 12]


def test_stamps_after_a_batch_update_drop_the_deleted_and_add_the_created_ones():
    stamps = Stamps((LEASE, ("sheetmigrate.schema_version", 5, "2.0")), sheet_id=7)
    requests = stamps.schema_version_requests("3.0")
    replies = [
        {},
        {
            "createDeveloperMetadata": {
                "developerMetadata": metadata("sheetmigrate.schema_version", 6, "3.0", ON_THE_TAB)
            }
        },
    ]

    after = stamps.after(requests, replies)

    assert after.items == (LEASE, ("sheetmigrate.schema_version", 6, "3.0"))
    assert after.sheet_id == 7


def test_no_old_stamps_belong_to_any_worksheet():
    assert not legacy_stamps_belong_to(Stamps((LEASE,)), 1, "3.0", SCHEMA, SCHEMA)


# -- the stamps a migration leaves on the live sheet, read back from its metadata ----------------


def test_a_migration_s_stamps_come_back_from_the_worksheet_s_metadata(
    live_sheet: LiveSheet, open_run
):
    with open_run(Mode.MIGRATE) as run:
        run.backup()
        run.columns()
        run.init(run.verify())
        sheet_id = run.context.sheet.sheet_id

    listed = live_sheet.metadata()
    stamps = Stamps.parse(listed, sheet_id)

    assert stamps.schema_version == "3.0"
    backup, columns, init = (stamps.step("3.0", step) for step in ("backup", "columns", "init"))
    assert backup is not None and columns is not None and init is not None
    assert (backup["rows"], backup["from_version"]) == (DEMO_ROWS, None)
    assert backup["run"] == columns["run"], "both written by the run that held the lease"
    assert columns["added"] == ["Ocupado_Por", "Fecha_Ocupacion", "version"]
    assert init["rows"] == DEMO_ROWS
    assert Stamps.parse(listed).items == (), "no lease left, no stamp at the spreadsheet level"
    assert sorted(key for key, _, _ in stamps.items) == [
        "sheetmigrate.history.3.0",
        "sheetmigrate.schema_version",
        "sheetmigrate.step.3.0.backup",
        "sheetmigrate.step.3.0.columns",
        "sheetmigrate.step.3.0.init",
    ], "one stamp per step that wrote (init's with the history entry), no verify stamp"


def test_the_engine_sees_a_worksheet_s_own_stamps_and_not_another_tab_s(
    live_sheet: LiveSheet, open_run
):
    # Another tab of the same spreadsheet carries a schema version and a backup stamp of its own.
    other = live_sheet.spreadsheet().add_worksheet("Otra", rows=5, cols=3)
    live_sheet.spreadsheet().batch_update(
        {
            "requests": [
                create_metadata_request("sheetmigrate.schema_version", "3.0", other.id),
                create_metadata_request(
                    "sheetmigrate.step.3.0.backup", json.dumps({"backup": "K"}), other.id
                ),
            ]
        }
    )

    with open_run(Mode.MIGRATE) as run:
        seen = run.writer.stamps
        backup = run.backup()

    assert seen.schema_version is None and seen.step("3.0", "backup") is None
    assert backup.status is StepStatus.RAN, "a backup of its own, not the other tab's"
    assert Stamps.parse(live_sheet.metadata(), other.id).step("3.0", "backup") == {"backup": "K"}


def test_old_spreadsheet_level_stamps_are_read_as_the_only_worksheet_s_and_replaced_on_it(
    live_sheet: LiveSheet, open_run
):
    old = json.dumps({"step": "backup", "schema": "3.0", "backup": "OLD-COPY", "rows": DEMO_ROWS})
    live_sheet.spreadsheet().batch_update(
        {"requests": [create_metadata_request("sheetmigrate.step.3.0.backup", old)]}
    )

    with open_run(Mode.MIGRATE) as run:
        assert run.writer.stamps.step("3.0", "backup") == json.loads(old), "an old run's backup"
        sheet_id = run.context.sheet.sheet_id
        run.columns()

    listed = live_sheet.metadata()
    assert Stamps.parse(listed).items[0][0] == "sheetmigrate.step.3.0.backup", "still there"
    assert Stamps.parse(listed, sheet_id).step("3.0", "columns") is not None, "new: on the tab"


# -- two tabs of one spreadsheet, each with its own stamps ----------------------------------------

OTHER_TAB = "Archivo"


def two_tabs(live_sheet: LiveSheet) -> tuple[LiveSheet, Path]:
    """The demo sheet twice, in tabs Operaciones and Archivo of one spreadsheet, and a copy of
    the 3.0 schema that migrates Archivo."""
    values = [demo.header(), *demo.rows(DEMO_ROWS)]
    tab = {"values": values, "rowCount": len(values) + 10, "columnCount": len(values[0])}
    response = requests.post(
        f"{live_sheet.url}/_emulator/spreadsheets",
        json={
            "title": demo.DEMO_TITLE,
            "sheets": [{"title": demo.WORKSHEET, **tab}, {"title": OTHER_TAB, **tab}],
        },
        timeout=60,
    )
    response.raise_for_status()
    schema = live_sheet.folder / "archivo.toml"
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    schema.write_text(text.replace(f'worksheet = "{demo.WORKSHEET}"', f'worksheet = "{OTHER_TAB}"'))
    sheet = LiveSheet(live_sheet.url, response.json()["spreadsheetId"], live_sheet.folder)
    return sheet, schema


def migrate_tab(sheet: LiveSheet, mode: Mode = Mode.MIGRATE, **settings) -> int:
    """Migrate (or roll back) one tab; its sheet id."""
    with open_run_on(sheet, mode, **settings) as run:
        if mode is Mode.ROLLBACK:
            run.rollback()
        else:
            run.backup()
            run.columns()
            assert run.init(run.verify()).status is StepStatus.RAN
        return run.context.sheet.sheet_id


def test_two_tabs_migrated_with_schemas_of_one_name_each_get_their_own_stamps(
    live_sheet: LiveSheet,
):
    sheet, archivo = two_tabs(live_sheet)

    first = migrate_tab(sheet)
    second = migrate_tab(sheet, schema_path=archivo, checkpoint_dir=sheet.folder / "archivo")

    listed = sheet.metadata()
    for sheet_id in (first, second):
        own = Stamps.parse(listed, sheet_id)
        assert own.schema_version == "3.0"
        assert all(own.step("3.0", step) for step in ("backup", "columns", "init"))
    backups = {Stamps.parse(listed, i).step("3.0", "backup")["backup"] for i in (first, second)}
    assert len(backups) == 2, "a backup of each tab"
    assert Stamps.parse(listed).items == ()


def test_rolling_back_one_tab_leaves_the_other_tab_s_stamps(live_sheet: LiveSheet):
    sheet, archivo = two_tabs(live_sheet)
    other = {"schema_path": archivo, "checkpoint_dir": sheet.folder / "archivo"}
    first = migrate_tab(sheet)
    second = migrate_tab(sheet, **other)
    kept = Stamps.parse(sheet.metadata(), second).items

    migrate_tab(sheet, Mode.ROLLBACK)

    assert Stamps.parse(sheet.metadata(), first).items == ()
    assert Stamps.parse(sheet.metadata(), second).items == kept


def test_a_second_tab_with_the_first_tab_s_checkpoint_directory_is_refused(
    live_sheet: LiveSheet,
):
    sheet, archivo = two_tabs(live_sheet)
    migrate_tab(sheet)
    before = sheet.metadata()

    with pytest.raises(CheckpointError, match=r"3\.0:Operaciones.*3\.0:Archivo.*--checkpoint-dir"):
        migrate_tab(sheet, schema_path=archivo)

    assert sheet.metadata() == before
