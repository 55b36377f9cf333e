"""Formulas under every kind of columns step, measured (issue 13, "What must be measured"): a
sheet whose columns right of the insertion hold formulas (same tab and cross-tab, relative and
absolute, whole-column ranges) passes all seven checks, in its dry run and its real run, and the
dry run agrees with the real run cell for cell, for inserts at the start, the middle and the
end, and for moves (with and without inserts).

Each schema variant is the demo's 65 live columns rearranged and written to ``tmp_path``; each
formula is written as a user types it (USER_ENTERED), either down ``Total`` (column O, a
number column) of every data row or into a summary tab. The formulas are chosen so that their
meaning survives every variant (no dependent is expected: the dependents check agrees).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from live_sheet import DEMO_ROWS, SCHEMA, LiveSheet, open_run_on

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.formulas.dependents import find_dependents
from pytest_sheetmigrate.formulas.relocation import Relocator
from pytest_sheetmigrate.record import RunRecord
from pytest_sheetmigrate.settings import Mode

ROWS = range(2, DEMO_ROWS + 2)
WORKSHEET = demo.WORKSHEET
SUMMARY = "Resumen"
FORMULA_COLUMN = "Total"  # column O of the live sheet

LIVE = demo.header()
NEW = {"Nuevo_A": {"type": "string"}, "Ocupado_Por": {"type": "string"}}
NEW |= {"Fecha_Ocupacion": {"type": "date"}, "version": {"type": "integer", "default": 0}}


def _moved(header: list[str]) -> list[str]:
    """``header`` with Total (O) moved right after ID and Precio_Unitario (K) before
    Cantidad (J): moves inside A:Z only, so no range over A:Z changes its cells."""
    order = [name for name in header if name != FORMULA_COLUMN]
    order.insert(order.index("ID") + 1, FORMULA_COLUMN)
    order.remove("Precio_Unitario")
    order.insert(order.index("Cantidad"), "Precio_Unitario")
    return order


def _inserted(header: list[str], names: list[str], after: str | None) -> list[str]:
    at = 0 if after is None else header.index(after) + 1
    return header[:at] + names + header[at:]


VARIANTS: dict[str, list[str]] = {
    "insert at A": _inserted(LIVE, ["Nuevo_A"], None),
    "insert in the middle": _inserted(LIVE, ["Ocupado_Por", "Fecha_Ocupacion"], "Estado"),
    "insert after the last": [*LIVE, "version"],
    "moves": _moved(LIVE),
    "moves and inserts": [*_inserted(_moved(LIVE), ["Ocupado_Por"], "Estado"), "version"],
}

SAME_TAB = ["=J{row}*K{row}", "=$J$2*K{row}", "=SUM(J{row}:K{row})", "=SUM(J:J)"]
CROSS_TAB = ["=SUM(Operaciones!K:K)", "=Operaciones!$K$2", "=COUNTA(Operaciones!A2:Z2)"]

EXPECTED_TOTAL = {  # =J2*K2 of row 2 after each variant, worked out by hand
    "insert at A": "=K2*L2",
    "insert in the middle": "=L2*M2",
    "insert after the last": "=J2*K2",
    "moves": "=L2*K2",  # O to B shifts J:K right by one; then Precio_Unitario before Cantidad
    "moves and inserts": "=M2*L2",  # and one column more at F
}


def schema_file(folder: Path, header: list[str]) -> Path:
    """A schema of ``header`` (the demo's column types, the new columns' from ``NEW``),
    written like tests/v3.0/schema.toml."""
    known = {c["name"]: c for c in tomllib.loads(SCHEMA.read_text())["columns"]}
    migration = tomllib.loads(SCHEMA.read_text())["migration"]
    lines = ["[migration]"] + [f'{key} = "{value}"' for key, value in migration.items()]
    for name in header:
        column = {"name": name, **NEW.get(name, {})} if name in NEW else known[name]
        lines += ["", "[[columns]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in column.items()]
    path = folder / "schema.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else f'"{value}"'


def write_formula(live_sheet: LiveSheet, text: str, column: str = "O") -> str:
    """``text`` down ``column`` (Total) of every data row (``{row}``: its row), or into the
    summary tab's A1 when it reads another tab; returns the tab it went to."""
    spreadsheet = live_sheet.spreadsheet()
    if text in CROSS_TAB:
        spreadsheet.add_worksheet(SUMMARY, rows=5, cols=2).update([[text]], "A1", raw=False)
        return SUMMARY
    cells = [[text.format(row=row)] for row in ROWS]
    spreadsheet.worksheet(WORKSHEET).update(cells, f"{column}2:{column}{DEMO_ROWS + 1}", raw=False)
    return WORKSHEET


def dry_run_then_migrate(
    live_sheet: LiveSheet, schema: Path
) -> tuple[RunRecord, list[list[Any]], list[dict[str, Any]], RunRecord]:
    """The dry run (its record, planned rows and columns requests), then the real run's record."""
    with open_run_on(live_sheet, Mode.DRY_RUN, schema_path=schema) as dry:
        dry.backup()
        dry.columns()
        dry.init(dry.verify())
        assert dry.plan.apply_to_header() == schema_header(schema)
        planned = [list(row.values()) for row in dry.result_rows()]
        requests = dry.plan.columns_requests()
        planned_record = dry.record
    record = commands.migrate(live_sheet.settings(schema_path=schema))
    return planned_record, planned, requests, record


def schema_header(schema: Path) -> list[str]:
    return [column["name"] for column in tomllib.loads(schema.read_text())["columns"]]


def messages(record: RunRecord) -> dict[str, str]:
    return {check.name: check.message for check in record.checks}


def live_rows(live_sheet: LiveSheet, width: int) -> list[list[Any]]:
    """The worksheet read back as stored (valueRenderOption=FORMULA), each row ``width`` wide."""
    return [row + [""] * (width - len(row)) for row in live_sheet.values("FORMULA")]


@pytest.mark.parametrize("formula", SAME_TAB + CROSS_TAB)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_formulas_pass_every_check_and_the_dry_run_agrees_with_the_real_run(
    live_sheet: LiveSheet, tmp_path: Path, variant: str, formula: str
) -> None:
    tab = write_formula(live_sheet, formula)
    target = VARIANTS[variant]
    schema = schema_file(tmp_path, target)

    planned_record, planned, requests, record = dry_run_then_migrate(live_sheet, schema)

    assert planned_record.checks_passed == 7, messages(planned_record)
    assert record.checks_passed == 7, messages(record)
    assert bool(requests) and any("moveDimension" in r for r in requests) == ("moves" in variant)
    after = live_rows(live_sheet, len(target))
    assert after[0] == target
    assert after[1:] == planned, "the dry run's planned rows are the rows the real run left"

    cell = "A1" if tab == SUMMARY else "O2"
    original = formula.format(row=2)
    assert find_dependents(original, tab, cell, WORKSHEET, requests) == []  # meaning survives
    predicted = Relocator(WORKSHEET, requests).relocate(original, tab)
    if tab == SUMMARY:
        summary = live_sheet.spreadsheet().worksheet(SUMMARY)
        assert summary.acell("A1", value_render_option="FORMULA").value == predicted
    else:
        held = [row[target.index(FORMULA_COLUMN)] for row in after[1:]]
        relocator = Relocator(WORKSHEET, requests)
        assert held == [relocator.relocate(formula.format(row=row), tab) for row in ROWS]
        assert held[0] == predicted
        if formula == "=J{row}*K{row}":
            assert held[0] == EXPECTED_TOTAL[variant]


ALL_AT_ONCE = dict(zip(["O", "R", "U", "X"], SAME_TAB, strict=True))  # Total, Campo_04, _07, _10


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_formula_at_once_passes_and_a_rollback_gives_each_back_as_written(
    live_sheet: LiveSheet, tmp_path: Path, variant: str
) -> None:
    """A sheet as a user has it: four formula columns and a summary tab reading three ways
    across; the same agreement, and a plain rollback after it gives every formula back."""
    for column, text in ALL_AT_ONCE.items():
        write_formula(live_sheet, text, column)
    summary = live_sheet.spreadsheet().add_worksheet(SUMMARY, rows=5, cols=2)
    summary.update([[text] for text in CROSS_TAB], "A1:A3", raw=False)
    before = live_sheet.values("FORMULA")
    target = VARIANTS[variant]
    schema = schema_file(tmp_path, target)

    planned_record, planned, requests, record = dry_run_then_migrate(live_sheet, schema)

    assert (planned_record.checks_passed, record.checks_passed) == (7, 7), messages(record)
    after = live_rows(live_sheet, len(target))
    assert after[1:] == planned
    relocator = Relocator(WORKSHEET, requests)
    summary_after = summary.get("A1:A3", value_render_option="FORMULA")
    assert [row[0] for row in summary_after] == [relocator.relocate(t, SUMMARY) for t in CROSS_TAB]

    rollback = commands.rollback(live_sheet.settings(Mode.ROLLBACK, schema_path=schema))

    assert "equals" in rollback.steps[0].result.summary, rollback.steps[0].result.summary
    assert live_sheet.values("FORMULA") == before
    summary_back = summary.get("A1:A3", value_render_option="FORMULA")
    assert [row[0] for row in summary_back] == CROSS_TAB
