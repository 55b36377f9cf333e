"""`pytest --rollback`: the worksheet restored from the step-1 backup, proven by digest."""

from __future__ import annotations

import gzip
import json

from sheet_project import DEMO_ROWS, LocalApi, Project, demo_values, seed_demo
from sheet_state import located_metadata

from pytest_sheetmigrate import demo


def values_and_stamps(project: Project) -> tuple[list[list], list[str]]:
    spreadsheet = project.api.client().open_by_key(project.sheet)
    metadata = spreadsheet.fetch_sheet_metadata(
        {"fields": "developerMetadata,sheets(properties.title,developerMetadata)"}
    )
    stamps = sorted(
        f"{where}: {m['metadataKey']}={m['metadataValue']}"
        for where, m in located_metadata(metadata)
    )
    values = spreadsheet.worksheet(demo.WORKSHEET).get_all_values(value_render_option="FORMULA")
    return values, stamps


def test_rollback_restores_the_sheet_as_it_was_before_the_migration(project: Project):
    before = values_and_stamps(project)
    assert project.run("--migrate").ret == 0

    result = project.run("--rollback")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["rollback ran * equals the pre-migration snapshot"])
    assert values_and_stamps(project) == before
    assert not list((project.path / "logs" / "checkpoints").glob("step_*.json"))


def test_after_a_rollback_the_migration_runs_again(project: Project):
    project.run("--migrate")
    project.run("--rollback")

    result = project.run("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["columns  ran *"])


def test_rollback_refuses_when_the_rows_changed_since_the_migration(project: Project):
    project.run("--migrate")
    project.worksheet().update(range_name="B3", values=[["changed by the app"]])
    after_change = values_and_stamps(project)

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the rows changed since the migration*--force-rollback*"])
    assert values_and_stamps(project) == after_change


def test_a_forced_rollback_restores_the_backup_over_the_changed_rows(project: Project):
    before = values_and_stamps(project)
    project.run("--migrate")
    sheet = project.worksheet()
    sheet.update(range_name="B3", values=[["changed by the app"]])
    sheet.update(range_name=f"I{DEMO_ROWS + 2}", values=[["SP-NEW"]])

    result = project.run("--rollback", "--force-rollback")

    assert result.ret == 0
    assert values_and_stamps(project) == before


def test_rollback_without_a_migration_says_there_is_nothing_to_roll_back(project: Project):
    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*no backup of the migration to schema 3.0 was found*"])


def test_rollback_refuses_when_the_app_wrote_into_an_added_column(project: Project):
    project.run("--migrate")
    header = project.worksheet().row_values(1)
    project.worksheet().update_cell(3, header.index("Ocupado_Por") + 1, "José Pérez")

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the rows changed since the migration*Ocupado_Por*"])
    assert project.worksheet().row_values(1) == header


def test_a_rollback_whose_answer_is_lost_is_not_sent_twice(project: Project, api: LocalApi):
    before = values_and_stamps(project)
    project.run("--migrate")
    other = ("--sheet", seed_demo(api, demo_values()), "--checkpoint-dir", "logs/rehearsal")
    project.run("--migrate", *other)
    api.reset_stats()
    assert project.run("--rollback", *other).ret == 0
    write = api.stats()["requests"] - 1  # the rollback's batchUpdate, before its final read

    api.faults({"kind": "apply_then_reset", "at": write})
    result = project.run("--rollback", "--retry-base-seconds", "0.001")

    assert result.ret == 0
    assert values_and_stamps(project) == before


def test_rollback_after_an_appended_row_reports_the_row_count_change(project: Project):
    project.run("--migrate")
    sheet = project.worksheet()
    row = sheet.get("3:3", value_render_option="UNFORMATTED_VALUE")[0]
    row[sheet.row_values(1).index("TAG_SPOOL")] = "SP-NEW"
    sheet.append_row(row, value_input_option="RAW")
    after_change = values_and_stamps(project)

    result = project.run("--rollback")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            f"*the rows changed since the migration (the sheet had {DEMO_ROWS} data rows at the "
            f"backup and has {DEMO_ROWS + 1} now*"
        ]
    )
    assert " differ" not in result.stdout.str(), "a row-count change reported as changed columns"
    assert values_and_stamps(project) == after_change


def entered_values(project: Project, cells: str) -> list[list[dict]]:
    """Each cell's userEnteredValue over ``cells`` (formulaValue, stringValue, numberValue ...)."""
    spreadsheet = project.api.client().open_by_key(project.sheet)
    found = spreadsheet.fetch_sheet_metadata(
        {
            "ranges": f"{demo.WORKSHEET}!{cells}",
            "fields": "sheets.data.rowData.values.userEnteredValue",
        }
    )
    rows = found["sheets"][0]["data"][0].get("rowData", [])
    return [[cell.get("userEnteredValue", {}) for cell in row.get("values", [])] for row in rows]


def give_every_kind(project: Project) -> int:
    """Observaciones (column N, a string column) gets a formula on every row (`=A2*10`: it refers
    to a column left of where the migration inserts, so the formula's text does not move) and,
    on row 4, the text `=not a formula` entered as `'=not a formula` (a leading apostrophe keeps
    it text, and userEnteredValue.stringValue leaves the apostrophe out: ExtendedValue reference).
    Linea (F) row 5 holds the text "007", Cliente (C) row 6 the boolean TRUE. Returns the last
    data row."""
    sheet = project.worksheet()
    last = DEMO_ROWS + 1
    sheet.update(
        range_name=f"N2:N{last}",
        values=[[f"=A{row}*10"] for row in range(2, last + 1)],
        value_input_option="USER_ENTERED",
    )
    sheet.update(range_name="N4", values=[["'=not a formula"]], value_input_option="USER_ENTERED")
    sheet.update(range_name="F5", values=[["007"]], value_input_option="RAW")
    sheet.update(range_name="C6", values=[[True]], value_input_option="RAW")
    return last


def test_a_forced_rollback_gives_every_cell_back_its_kind(project: Project):
    """Formulas come back as formulas, text that starts with "=" as text, numbers as numbers."""
    last = give_every_kind(project)
    before = values_and_stamps(project)
    entered_before = entered_values(project, f"A2:N{last}")
    assert entered_before[0][13] == {"formulaValue": "=A2*10"}
    assert entered_before[2][13] == {"stringValue": "=not a formula"}
    assert project.run("--migrate").ret == 0
    (local,) = (project.path / "logs" / "migration").glob("backup_*.jsonl.gz")
    lines = [json.loads(line) for line in gzip.decompress(local.read_bytes()).splitlines()]
    assert [lines[1][13], lines[3][13], lines[4][5]] == [
        {"formula": "=A2*10"},
        "=not a formula",
        "007",
    ], "the local backup must tell a formula from text"
    project.worksheet().update(range_name="B3", values=[["changed by the app"]])
    assert project.run("--rollback").ret == 1  # a plain rollback is refused: a row changed

    result = project.run("--rollback", "--force-rollback")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["rollback ran * equals the pre-migration snapshot"])
    assert values_and_stamps(project) == before
    restored = entered_values(project, f"A2:N{last}")
    assert restored == entered_before, "a cell came back as another kind"
    assert restored[0][0] == {"numberValue": 1}
    assert restored[3][5] == {"stringValue": "007"}
    assert restored[4][2] == {"boolValue": True}


def test_a_restore_that_turned_formulas_into_text_would_fail_the_digest_proof(
    project: Project, pytester
):
    """The proof compares kinds: a restore writing each formula as its text is caught."""
    give_every_kind(project)
    pytester.makepyfile(
        text_restore="""
        from pytest_sheetmigrate import rollback

        original = rollback._cell_data

        def as_text(entered, *where):
            if isinstance(entered, dict) and "formulaValue" in entered:
                entered = {"stringValue": entered["formulaValue"]}
            return original(entered, *where)

        def pytest_configure(config):
            rollback._cell_data = as_text

        def pytest_unconfigure(config):  # the run is in-process: leave the module as it was
            rollback._cell_data = original
        """
    )
    pytester.syspathinsert()
    assert project.run("--migrate").ret == 0
    project.worksheet().update(range_name="B3", values=[["changed by the app"]])

    result = project.run("--rollback", "--force-rollback", "-p", "text_restore")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*after the rollback the worksheet's digest is *, not the pre-*"])
    assert "equals the pre-migration snapshot" not in result.stdout.str()
