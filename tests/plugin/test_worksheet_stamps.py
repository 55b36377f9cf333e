"""Stamps belong to one worksheet (issue 11 #6): two tabs of one spreadsheet, each migrated with
its own schema (here of the same version name), keep apart their backups, init stamps, schema
versions and rollbacks; and a sheet stamped by an older version of the tool, whose stamps are
spreadsheet-level, still validates and rolls back.
"""

from __future__ import annotations

from typing import Any

import pytest
from sheet_project import SUITE, TRAILING_ROWS, LocalApi, Project, demo_values, make_project

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.schema import load_schema

OTHER_TAB = "Archivo"
OTHER_SCHEMA = "tests/v3.0/archivo.toml"
OTHER_CHECKPOINTS = "logs/checkpoints-archivo"  # one checkpoint directory per worksheet
SCHEMA = load_schema(SUITE / "schema.toml")
STAMP_KEYS = ("sheetmigrate.schema_version", "sheetmigrate.step.")


def two_tab_project(pytester: pytest.Pytester, api: LocalApi, other_name: str = "3.0") -> Project:
    """The demo sheet twice, in tabs Operaciones and Archivo of one spreadsheet; the project's
    schema migrates Operaciones, ``archivo.toml`` (version ``other_name``) migrates Archivo."""
    values = demo_values()
    tab = {"values": values, "rowCount": len(values) + TRAILING_ROWS}
    key = api.seed(demo.DEMO_TITLE, [{"title": demo.WORKSHEET, **tab}, {"title": OTHER_TAB, **tab}])
    project = make_project(pytester, api, key)
    text = (SUITE / "schema.toml").read_text(encoding="utf-8")
    text = text.replace(f'worksheet = "{demo.WORKSHEET}"', f'worksheet = "{OTHER_TAB}"')
    text = text.replace('name = "3.0"', f'name = "{other_name}"')
    (project.path / OTHER_SCHEMA).write_text(text, encoding="utf-8")
    return project


def on_other_tab(project: Project, *args: str) -> pytest.RunResult:
    return project.run(
        "--schema", OTHER_SCHEMA, "--checkpoint-dir", OTHER_CHECKPOINTS, *args, "tests/v3.0"
    )


def column(project: Project, tab: str, name: str) -> list[str]:
    values = project.api.client().open_by_key(project.sheet).worksheet(tab).get_all_values()
    index = values[0].index(name)
    return [row[index] for row in values[1:] if row[0]]


def tab_values(project: Project, tab: str) -> list[list[Any]]:
    worksheet = project.api.client().open_by_key(project.sheet).worksheet(tab)
    return worksheet.get_all_values(value_render_option="FORMULA")


def stamps(project: Project) -> list[tuple[str, str, Any]]:
    """Every stamp of the spreadsheet: (where, key, value), where is the tab or "spreadsheet"."""
    found = (
        project.api.client()
        .open_by_key(project.sheet)
        .fetch_sheet_metadata(
            {"fields": "developerMetadata,sheets(properties.title,developerMetadata)"}
        )
    )
    located = [("spreadsheet", m) for m in found.get("developerMetadata", [])] + [
        (sheet["properties"]["title"], m)
        for sheet in found["sheets"]
        for m in sheet.get("developerMetadata", [])
    ]
    return sorted(
        (where, m["metadataKey"], m.get("metadataValue", ""))
        for where, m in located
        if m["metadataKey"].startswith(STAMP_KEYS)
    )


def as_left_by_an_older_version(project: Project) -> None:
    """Turn the worksheet-located stamps into the spreadsheet-level ones an older version of
    the tool wrote (same keys, same values) and forget the local checkpoints, so that only the
    old stamps tell what ran."""
    spreadsheet = project.api.client().open_by_key(project.sheet)
    found = spreadsheet.fetch_sheet_metadata({"fields": "sheets(developerMetadata)"})
    items = [
        m
        for sheet in found["sheets"]
        for m in sheet.get("developerMetadata", [])
        if m["metadataKey"].startswith(STAMP_KEYS)
    ]
    assert items, "the migration stamped its worksheet"
    spreadsheet.batch_update(
        {
            "requests": [
                {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": by_id}}}
                for by_id in ({"metadataId": m["metadataId"]} for m in items)
            ]
            + [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": m["metadataKey"],
                            "metadataValue": m["metadataValue"],
                            "location": {"spreadsheet": True},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
                for m in items
            ]
        }
    )
    for checkpoint in (project.path / "logs" / "checkpoints").glob("step_*.json"):
        checkpoint.unlink()


def test_two_tabs_with_schemas_of_one_name_keep_their_checkpoints_defaults_and_rollbacks_apart(
    pytester: pytest.Pytester, api: LocalApi
):
    """One spreadsheet, two tabs, each migrated with its own schema (of the same version name):
    the second tab with the first tab's checkpoint directory is refused with the fix; with its
    own, both get their defaults and stamps; rolling back one tab leaves the other at its
    version. (The stamps' side: tests/engine/test_stamp.py.)"""
    project = two_tab_project(pytester, api)
    original = tab_values(project, demo.WORKSHEET)
    assert project.run("--migrate").ret == 0
    before = (tab_values(project, OTHER_TAB), stamps(project))

    refused = project.run("--schema", OTHER_SCHEMA, "--migrate")

    assert refused.ret != 0
    refused.stdout.fnmatch_lines(
        [
            "*step_1_backup.json belongs to another migration*3.0:Operaciones*3.0:Archivo*"
            "Use another --checkpoint-dir*"
        ]
    )
    assert (tab_values(project, OTHER_TAB), stamps(project)) == before

    result = on_other_tab(project, "--migrate")

    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["backup * ran *", "init * ran * wrote version on *"])
    assert set(column(project, OTHER_TAB, "version")) == {"0"}
    assert set(column(project, demo.WORKSHEET, "version")) == {"0"}
    where = {(place, key) for place, key, _ in stamps(project)}
    assert ("Archivo", "sheetmigrate.step.3.0.init") in where
    assert ("Operaciones", "sheetmigrate.step.3.0.init") in where
    other_migrated = tab_values(project, OTHER_TAB)

    rolled_back = project.run("--rollback")

    assert rolled_back.ret == 0, rolled_back.stdout.str()
    assert tab_values(project, demo.WORKSHEET) == original
    assert tab_values(project, OTHER_TAB) == other_migrated
    assert ("Archivo", "sheetmigrate.schema_version", "3.0") in stamps(project)
    assert not [s for s in stamps(project) if s[0] != "Archivo"], "Operaciones has no stamp left"
    validated = on_other_tab(project)
    assert validated.ret == 0, validated.stdout.str()


def test_a_tab_still_validates_after_another_tab_is_migrated_to_another_version(
    pytester: pytest.Pytester, api: LocalApi
):
    project = two_tab_project(pytester, api, other_name="3.1")
    assert project.run("--migrate").ret == 0
    assert on_other_tab(project, "--migrate").ret == 0

    result = project.run("tests/v3.0")

    assert result.ret == 0, result.stdout.str()
    assert on_other_tab(project).ret == 0, "Archivo is at 3.1"


def test_a_sheet_stamped_by_an_older_version_still_validates_and_rolls_back(project: Project):
    original = tab_values(project, demo.WORKSHEET)
    assert project.run("--migrate").ret == 0
    as_left_by_an_older_version(project)

    validated = project.run("tests/v3.0")
    rolled_back = project.run("--rollback")

    assert validated.ret == 0, validated.stdout.str()
    assert rolled_back.ret == 0, rolled_back.stdout.str()
    assert tab_values(project, demo.WORKSHEET) == original
    assert stamps(project) == [], "the old stamps went with the rollback"
    assert project.run("--migrate").ret == 0, "and the migration runs again"


def test_old_stamps_of_one_tab_are_not_taken_for_another_tab_s(
    pytester: pytest.Pytester, api: LocalApi
):
    project = two_tab_project(pytester, api)
    assert project.run("--migrate").ret == 0
    as_left_by_an_older_version(project)

    result = on_other_tab(project, "--migrate")

    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["backup * ran *", "init * ran * wrote version on *"])
    assert set(column(project, OTHER_TAB, "version")) == {"0"}
    validated = project.run("tests/v3.0")
    assert validated.ret == 0, "Operaciones is still at 3.0 by its old stamps"
