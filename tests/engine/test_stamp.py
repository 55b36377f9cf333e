"""Stamps seen by one worksheet: its own, the lease, and older versions' spreadsheet-level ones."""

from __future__ import annotations

import json

from pytest_sheetmigrate.stamp import Stamps, legacy_stamps_belong_to

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
