"""A migration of a sheet whose formulas Google relocates (issue 13 item 1), on the local server,
which relocates them as Google does (emulator/relocation.py, its sources in docs/emulator.md).

The demo's schema inserts ``Ocupado_Por`` and ``Fecha_Ocupacion`` at F:G, so ``Campo_01`` (O,
a number column) holding ``=J2*K2`` (Cantidad x Precio_Unitario) holds ``=L2*M2`` after the
columns step, and a summary tab's ``=SUM(Operaciones!K:K)`` becomes ``=SUM(Operaciones!M:M)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from live_sheet import DEMO_ROWS, LiveSheet

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.errors import SheetStateError
from pytest_sheetmigrate.plan import Plan
from pytest_sheetmigrate.report import step_lines, write_reports
from pytest_sheetmigrate.run import Run, RunRecord
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode

ROWS = range(2, DEMO_ROWS + 2)


def with_formulas(live_sheet: LiveSheet, text: str = "=J{row}*K{row}") -> None:
    """Write ``text`` (``{row}``: its row) into Campo_01 (column O) of every data row, as a
    user types it (USER_ENTERED), and a summary tab that reads across tabs."""
    spreadsheet = live_sheet.spreadsheet()
    worksheet = spreadsheet.worksheet("Operaciones")
    worksheet.update([[text.format(row=row)] for row in ROWS], f"O2:O{DEMO_ROWS + 1}", raw=False)
    summary = spreadsheet.add_worksheet("Resumen", rows=5, cols=2)
    summary.update([["=SUM(Operaciones!K:K)"]], "A1", raw=False)


def formulas(live_sheet: LiveSheet, column: str) -> list[Any]:
    worksheet = live_sheet.spreadsheet().worksheet("Operaciones")
    cells = worksheet.get(f"{column}2:{column}{DEMO_ROWS + 1}", value_render_option="FORMULA")
    return [row[0] if row else "" for row in cells]


def messages(record: RunRecord) -> dict[str, str]:
    return {check.name: check.message for check in record.checks}


def test_formulas_google_relocates_pass_every_check_and_the_dry_run_agrees(
    live_sheet: LiveSheet,
) -> None:
    with_formulas(live_sheet)

    planned = commands.dry_run(live_sheet.settings())
    record = commands.migrate(live_sheet.settings())

    assert record.checks_passed == 7, messages(record)
    assert planned.checks_passed == 7, messages(planned)
    assert formulas(live_sheet, "Q") == [f"=L{row}*M{row}" for row in ROWS]  # relocated by Google
    resumen = live_sheet.spreadsheet().worksheet("Resumen")
    assert resumen.acell("A1", value_render_option="FORMULA").value == "=SUM(Operaciones!M:M)"
    assert 'not judged: 40 formula cells in "Campo_01"' in messages(record)["values_match_types"]


def test_a_formula_that_was_not_relocated_as_google_does_fails_existing_data_unchanged(
    live_sheet: LiveSheet,
) -> None:
    """The check compares with the formulas relocated: a formula that kept its old text after
    the columns step (here, made so by hand between the steps) is a change, not a pass."""
    with_formulas(live_sheet)
    settings = live_sheet.settings()
    run = Run(settings, load_schema(settings.schema_path))
    try:
        run.backup()
        run.columns()
        worksheet = live_sheet.spreadsheet().worksheet("Operaciones")
        worksheet.update([["=J2*K2"]], "Q2", raw=False)  # the old text, pointing elsewhere now
        verification = run.verify()
    finally:
        run.close()
    result = verification.results["existing_data_unchanged"]
    assert not result.passed
    assert 'column "Campo_01": rows 2-41' in result.message


def test_a_rollback_gives_the_formulas_back_as_google_relocates_them_back(
    live_sheet: LiveSheet,
) -> None:
    """Issue 13 item 2: a plain rollback is not refused for formulas Google relocated (they are
    what the columns step was expected to leave), and removing the added columns makes Google
    relocate them back: every formula back as it was, as a formula, digest equal."""
    with_formulas(live_sheet)
    before = formulas(live_sheet, "O")
    commands.migrate(live_sheet.settings())

    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK))

    assert "digest" in record.steps[0].result.summary and "equals" in record.steps[0].result.summary
    assert formulas(live_sheet, "O") == before == [f"=J{row}*K{row}" for row in ROWS]


def test_a_forced_rollback_writes_each_formula_back_as_a_formula(live_sheet: LiveSheet) -> None:
    """A cell changed since the migration makes the rollback a restore from the backup copy:
    each cell goes back as its kind, the formulas as formulas (the digest proves the kinds)."""
    with_formulas(live_sheet)
    commands.migrate(live_sheet.settings())
    worksheet = live_sheet.spreadsheet().worksheet("Operaciones")
    worksheet.update([["changed by hand"]], "B2")

    record = commands.rollback(live_sheet.settings(Mode.ROLLBACK), force=True)

    assert "equals the pre-migration snapshot" in record.steps[0].result.summary
    assert formulas(live_sheet, "O") == [f"=J{row}*K{row}" for row in ROWS]


def with_a_lookup_whose_index_shifts(live_sheet: LiveSheet) -> None:
    """A lookup tab whose VLOOKUP reads column 9 (I, Material) of Operaciones!A:Z: after two
    columns go in at F, column 9 of the grown range is G, another column (PerfectXL: "the column
    index (4) in the VLOOKUP hasn't changed")."""
    lookup = live_sheet.spreadsheet().add_worksheet("Buscar", rows=5, cols=2)
    lookup.update(
        [["SP-00001", f"=VLOOKUP(A{row}, Operaciones!A:Z, 9, FALSE)"] for row in (1, 2, 3)],
        "A1:B3",
        raw=False,
    )


def test_a_migration_that_would_shift_a_lookup_s_index_is_refused_before_it_changes_the_sheet(
    live_sheet: LiveSheet,
) -> None:
    """Issue 13 items 3-4: refused with the list and both ways out; the dry run the same."""
    with_a_lookup_whose_index_shifts(live_sheet)
    header, stamps = live_sheet.values()[0], live_sheet.metadata()

    for mode in (Mode.DRY_RUN, Mode.MIGRATE):
        with pytest.raises(SheetStateError) as refused:
            (commands.dry_run if mode is Mode.DRY_RUN else commands.migrate)(
                live_sheet.settings(mode)
            )
        message = str(refused.value)
        assert "Buscar!B1:B3 (3 cells) =VLOOKUP(A1, Operaciones!A:Z, 9, FALSE)" in message
        assert "VLOOKUP argument 3 (9) changes" in message
        assert "after the last column (BM)" in message
        assert "--accept-formula-changes all" in message
        assert "sheetmigrate_accept_formula_changes = all" in message
        assert "F:BM -> H:BO" in message  # the letter map

    assert live_sheet.values()[0] == header  # no column added
    assert live_sheet.metadata() == stamps  # no stamp, no lease left


def test_an_accepted_change_of_meaning_migrates_and_is_recorded(live_sheet: LiveSheet) -> None:
    with_a_lookup_whose_index_shifts(live_sheet)

    record = commands.migrate(live_sheet.settings(accept_formula_changes=True))

    assert record.checks_passed == 7
    accepted = record.steps[0].result.details["formula_changes_accepted"]
    assert len(accepted) == 1 and accepted[0].startswith("Buscar!B1:B3 (3 cells)")


def test_the_report_records_the_accepted_change_and_the_plan_shows_the_letter_map(
    live_sheet: LiveSheet, tmp_path: Path
) -> None:
    with_a_lookup_whose_index_shifts(live_sheet)
    settings = live_sheet.settings(Mode.DRY_RUN, accept_formula_changes=True)

    record = commands.dry_run(settings)

    plan = Plan.build(load_schema(settings.schema_path), demo.header(), 0, DEMO_ROWS, 65)
    lines = step_lines(record, plan)
    assert "columns that change letter: F:BM -> H:BO" in lines
    assert any(line.startswith("accepted change of meaning: Buscar!B1:B3") for line in lines)
    write_reports(tmp_path, record, "1 passed in 0.01s")
    report = json.loads((tmp_path / "verification_report.json").read_text())
    assert report["formula_changes_accepted"] == [
        line.split(": ", 1)[1] for line in lines if line.startswith("accepted")
    ]


def test_named_ranges_rules_and_validation_the_insert_falls_inside_are_listed_in_the_refusal(
    live_sheet: LiveSheet,
) -> None:
    """Issue 13 item 3: the objects whose ranges the insert at F falls inside (read with two
    spreadsheets.get whose answers do not grow with the rows)."""
    spreadsheet = live_sheet.spreadsheet()
    sheet_id = spreadsheet.worksheet("Operaciones").id

    def columns(first: int, last: int, rows: int | None = None) -> dict[str, int]:
        span = {"sheetId": sheet_id, "startColumnIndex": first, "endColumnIndex": last}
        return span | ({"startRowIndex": 1, "endRowIndex": rows} if rows else {})

    spreadsheet.batch_update(
        {
            "requests": [
                {"addNamedRange": {"namedRange": {"name": "Datos", "range": columns(0, 26)}}},
                {
                    "addConditionalFormatRule": {
                        "index": 0,
                        "rule": {
                            "ranges": [columns(3, 10)],
                            "booleanRule": {
                                "condition": {"type": "NOT_BLANK"},
                                "format": {"textFormat": {"bold": True}},
                            },
                        },
                    }
                },
                {
                    "setDataValidation": {
                        "range": columns(4, 5, rows=DEMO_ROWS + 1),
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": "PENDIENTE"}],
                            }
                        },
                    }
                },
            ]
        }
    )
    with pytest.raises(SheetStateError) as refused:
        commands.dry_run(live_sheet.settings(Mode.DRY_RUN))
    message = str(refused.value)
    assert "named range 'Datos' on Operaciones!A:Z changes" in message
    assert "conditional format 'rule 1' on Operaciones!D:J changes" in message
    assert "data validation 'column E' on Operaciones!E may shift" in message
