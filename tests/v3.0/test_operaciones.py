"""Validation suite of schema 3.0: run it on the live sheet with `pytest tests/v3.0`.

With `pytest --migrate` it runs on the migrated sheet in the same session (on the planned result in
a dry run). `migrated_sheet` is a snapshot read over every row: header, row count, and per column
its blanks, values off their type and values other than the column's default. `live_rows` streams
the rows as stored (formulas as their text).
"""

from pathlib import Path

import pytest

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.schema import load_schema

SCHEMA = load_schema(Path(__file__).with_name("schema.toml"))
NEW_COLUMNS = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
REQUIRED = [column.name for column in SCHEMA.columns if column.required]
TYPED = [column.name for column in SCHEMA.columns if column.type != "string"]


def test_the_header_is_the_schema_header(migrated_sheet, sheet_schema):
    assert list(migrated_sheet.header) == sheet_schema.header


def test_the_sheet_has_data_rows(migrated_sheet):
    assert migrated_sheet.row_count > 0


@pytest.mark.parametrize("name", NEW_COLUMNS)
def test_each_new_column_stands_at_its_schema_position(migrated_sheet, name):
    assert migrated_sheet.header.index(name) == SCHEMA.header.index(name)


def test_version_is_zero_on_every_data_row(migrated_sheet):
    version = migrated_sheet.column("version")
    assert (version.blank_count, version.unexpected_count) == (0, 0), version.unexpected_rows


def test_occupation_columns_start_blank(migrated_sheet):
    for name in ("Ocupado_Por", "Fecha_Ocupacion"):
        column = migrated_sheet.column(name)
        assert column.blank_count == migrated_sheet.row_count, column.unexpected_rows


def test_every_spool_has_a_tag(migrated_sheet):
    assert migrated_sheet.keys.blank_count == 0, migrated_sheet.keys.blank_rows


def test_no_two_spools_share_a_tag(migrated_sheet):
    assert migrated_sheet.keys.duplicate_count == 0, migrated_sheet.keys.duplicates


@pytest.mark.parametrize("name", REQUIRED)
def test_required_column_has_no_blank(migrated_sheet, name):
    column = migrated_sheet.column(name)
    assert column.blank_count == 0, column.blank_rows


@pytest.mark.parametrize("name", TYPED)
def test_typed_column_holds_values_of_its_type(migrated_sheet, name):
    column = migrated_sheet.column(name)
    assert column.type_mismatch_count == 0, column.type_mismatches


def test_every_total_formula_multiplies_its_own_rows_quantity_by_its_unit_price(
    migrated_sheet, live_rows
):
    """Total is Cantidad x Precio_Unitario: where it is a formula, it reads its own row's two
    cells by the letters they stand at now (Google relocates them as columns go in)."""
    quantity, price = (
        column_letter(migrated_sheet.header.index(name)) for name in ("Cantidad", "Precio_Unitario")
    )
    totals = enumerate((row["Total"] for row in live_rows("Total")), start=2)
    wrong = [
        (number, total)
        for number, total in totals
        if str(total).startswith("=") and total != f"={quantity}{number}*{price}{number}"
    ]
    assert not wrong, f"Total should read ={quantity}{{row}}*{price}{{row}}: {wrong[:5]}"
