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


def test_a_refused_then_forced_rollback_gives_every_cell_back_its_kind_and_can_migrate_again(
    project: Project,
):
    """Formulas come back as formulas, text that starts with "=" as text, numbers as numbers;
    and what a refused rollback, a forced one and the migration run again after it print and
    exit with (each refusal's message and each restore's proof are also tested directly, in
    tests/engine/test_migration_facade.py)."""
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
    after_change = values_and_stamps(project)

    refused = project.run("--rollback")  # a plain rollback is refused: a row changed

    assert refused.ret == 1
    refused.stdout.fnmatch_lines(["*the rows changed since the migration*--force-rollback*"])
    assert values_and_stamps(project) == after_change

    result = project.run("--rollback", "--force-rollback")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["rollback ran * equals the pre-migration snapshot"])
    assert values_and_stamps(project) == before
    assert not list((project.path / "logs" / "checkpoints").glob("step_*.json"))
    restored = entered_values(project, f"A2:N{last}")
    assert restored == entered_before, "a cell came back as another kind"
    assert restored[0][0] == {"numberValue": 1}
    assert restored[3][5] == {"stringValue": "007"}
    assert restored[4][2] == {"boolValue": True}

    again = project.run("--migrate")

    assert again.ret == 0
    again.stdout.fnmatch_lines(["columns  ran *"])


def test_a_restore_that_turned_formulas_into_text_would_fail_the_digest_proof(
    project: Project, pytester
):
    """The proof compares kinds: a restore writing each formula as its text is caught (the
    restore from the local snapshot, the Drive copy taken for unusable, made to do so)."""
    give_every_kind(project)
    pytester.makepyfile(
        text_restore="""
        from pytest_sheetmigrate import restore
        from pytest_sheetmigrate.cell_types import Formula

        original, usable = restore._cell, restore._copy_unusable

        def as_text(value):
            return original(str(value) if isinstance(value, Formula) else value)

        def pytest_configure(config):
            restore._cell = as_text
            restore._copy_unusable = lambda *args: "taken for unusable by the test"

        def pytest_unconfigure(config):  # the run is in-process: leave the module as it was
            restore._cell, restore._copy_unusable = original, usable
        """
    )
    pytester.syspathinsert()
    assert project.run("--migrate").ret == 0
    project.worksheet().update(range_name="B3", values=[["changed by the app"]])

    result = project.run("--rollback", "--force-rollback", "-p", "text_restore")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*after the rollback the worksheet's digest is *, not the pre-*"])
    assert "equals the pre-migration snapshot" not in result.stdout.str()
