"""Steps already done by hand, before the tool ran, are found on the sheet and skipped as done."""

from __future__ import annotations

import pytest
from sheet_project import DEMO_ROWS, SUITE, LocalApi, make_project, seed_demo

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.schema import load_schema

SCHEMA = load_schema(SUITE / "schema.toml")


def v3_values(version: object) -> list[list[object]]:
    """The demo rows laid out as schema 3.0, as if someone had added the columns by hand."""
    rows = []
    for old in demo.rows(DEMO_ROWS):
        by_name = dict(zip(demo.header(), old, strict=True))
        rows.append(
            [by_name.get(name, version if name == "version" else "") for name in SCHEMA.header]
        )
    return [SCHEMA.header, *rows]


def test_columns_added_by_hand_are_done_and_their_default_is_still_written(
    pytester: pytest.Pytester, api: LocalApi
):
    project = make_project(pytester, api, seed_demo(api, v3_values("")))

    result = project.run("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["columns  done     every schema column is already in place", "init     ran *"]
    )
    values = project.worksheet().get_all_values()
    assert {row[-1] for row in values[1:]} == {"0"}


def test_a_sheet_migrated_by_hand_only_gets_its_backup_and_version_recorded(
    pytester: pytest.Pytester, api: LocalApi
):
    project = make_project(pytester, api, seed_demo(api, v3_values(0)))
    project.api.reset_stats()

    result = project.run("--migrate", "--backup", seed_demo(api, v3_values(0)))

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "columns * done * every schema column is already in place",
            "init * ran * wrote no default, only the schema version 3.0",
        ]
    )
    assert project.api.stats()["mutating_requests"] == 3, "lease, backup stamp, init stamp"
    assert project.run("tests/v3.0").ret == 0, "the sheet now says it is at schema 3.0"
    unformatted = project.worksheet().get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert unformatted == v3_values(0)


def test_columns_added_by_hand_get_their_default_when_init_resumes_after_verify(
    pytester: pytest.Pytester, api: LocalApi
):
    project = make_project(pytester, api, seed_demo(api, v3_values("")))
    assert project.run("--migrate").ret == 0
    # Put the sheet and the cache back to where a run stopped after verify, before init:
    (project.path / "logs" / "checkpoints" / "step_4_init.json").unlink()
    sheet = project.worksheet()
    spreadsheet = project.api.client().open_by_key(project.sheet)
    metadata = spreadsheet.fetch_sheet_metadata({"fields": "sheets(developerMetadata)"})
    doomed = [
        m["metadataId"]
        for m in metadata["sheets"][0].get("developerMetadata", [])  # the worksheet's stamps
        if m["metadataKey"] in ("sheetmigrate.step.3.0.init", "sheetmigrate.schema_version")
    ]
    assert len(doomed) == 2
    spreadsheet.batch_update(
        {
            "requests": [
                {
                    "deleteDeveloperMetadata": {
                        "dataFilter": {"developerMetadataLookup": {"metadataId": metadata_id}}
                    }
                }
                for metadata_id in doomed
            ]
        }
    )
    sheet.batch_clear([f"BP2:BP{DEMO_ROWS + 1}"])

    result = project.run("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["verify * done *", "init * ran * wrote version on *"])
    assert {row[-1] for row in project.worksheet().get_all_values()[1:]} == {"0"}
