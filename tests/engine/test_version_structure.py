"""A version's structural change applied to a live worksheet (chain/structure.py), through real
gspread on the local server: a rename keeps the column's cells under the new name, a drop removes
the column, added columns land where the target says, all in one batchUpdate."""

from __future__ import annotations

from pathlib import Path

from live_sheet import LiveSheet

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.chain.structure import structure
from pytest_sheetmigrate.chain.version_file import WorksheetVersion
from pytest_sheetmigrate.checks import CheckInput, check_existing_data_unchanged
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader
from pytest_sheetmigrate.schema import Column, Schema
from pytest_sheetmigrate.transport import sheets_client


def target(header: list[str]) -> Schema:
    return Schema(
        name="3.1",
        worksheet=demo.WORKSHEET,
        key="TAG_SPOOL",
        columns=tuple(Column(name, "string") for name in header),
        path=Path("3.1.toml"),
    )


def test_a_rename_a_drop_and_an_insert_in_one_batchupdate(live_sheet: LiveSheet) -> None:
    worksheet = live_sheet.spreadsheet().worksheet(demo.WORKSHEET)
    before = live_sheet.values()
    header = before[0]
    estado = header.index("Estado")
    wanted = [("Status" if n == "Estado" else n) for n in header if n != "Campo_02"]
    wanted.insert(wanted.index("Linea"), "Ocupado_Por")
    change = WorksheetVersion(target(wanted), renames=(("Estado", "Status"),), drops=("Campo_02",))
    planned = structure(
        change, header, worksheet.id, len(before) - 1, worksheet.col_count, worksheet.row_count
    )
    assert planned.header_after.count("Status") == 1 and "Campo_02" not in planned.header_after
    mutating = live_sheet.stats()["mutating_requests"]
    live_sheet.spreadsheet().batch_update({"requests": planned.requests})
    assert live_sheet.stats()["mutating_requests"] == mutating + 1
    after = live_sheet.values()
    assert after[0] == wanted
    status = after[0].index("Status")
    assert [row[status] for row in after[1:]] == [row[estado] for row in before[1:]]


def test_the_checks_prove_a_rename_and_a_drop_lost_nothing(live_sheet: LiveSheet) -> None:
    """``before.after_version(renames, drops)`` is what the sheet must hold after the version's
    structure: check 4 (existing data unchanged) passes on the sheet as the batchUpdate left it,
    and fails, naming the column, when a renamed column's cell was changed."""
    worksheet = live_sheet.spreadsheet().worksheet(demo.WORKSHEET)
    values = live_sheet.values()
    header = values[0]
    wanted = [("Status" if n == "Estado" else n) for n in header if n != "Campo_02"]
    schema = target(wanted)
    change = WorksheetVersion(schema, renames=(("Estado", "Status"),), drops=("Campo_02",))
    width = len(header)
    gateway = SheetGateway(sheets_client(live_sheet.url), live_sheet.key)
    before = SheetReader(gateway).snapshot(schema, demo.WORKSHEET, width)
    planned = structure(
        change, header, worksheet.id, len(values) - 1, worksheet.col_count, worksheet.row_count
    )
    live_sheet.spreadsheet().batch_update({"requests": planned.requests})
    expected = before.after_version(dict(change.renames), change.drops)
    after = SheetReader(gateway).snapshot(schema, demo.WORKSHEET, len(wanted))
    assert expected.header == after.header and expected.digest == after.digest
    data = CheckInput(schema, expected, after, expected, "columns")
    assert check_existing_data_unchanged(data).passed
    worksheet.update_cell(5, wanted.index("Status") + 1, "changed by hand")
    changed = SheetReader(gateway).snapshot(schema, demo.WORKSHEET, len(wanted))
    result = check_existing_data_unchanged(CheckInput(schema, expected, changed, None, "columns"))
    assert not result.passed and "Status" in result.message
