"""A migration of a sheet whose formulas Google relocates (issue 13 item 1), on the local server,
which relocates them as Google does (emulator/relocation.py, its sources in docs/emulator.md).

The demo's schema inserts ``Ocupado_Por`` and ``Fecha_Ocupacion`` at F:G, so ``Campo_01`` (O,
a number column) holding ``=J2*K2`` (Cantidad x Precio_Unitario) holds ``=L2*M2`` after the
columns step, and a summary tab's ``=SUM(Operaciones!K:K)`` becomes ``=SUM(Operaciones!M:M)``.
"""

from __future__ import annotations

from typing import Any

from live_sheet import DEMO_ROWS, LiveSheet

from pytest_sheetmigrate import commands
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
