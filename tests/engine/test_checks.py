"""The seven checks: each passes on a good migration and fails on data built to break it.

The "after" sheets are made the way the dry run makes them: the live rows streamed through the
plan's in-memory columns and init steps, then broken on purpose.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest

import pytest_sheetmigrate
from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.checks import CHECKS, CheckInput, CheckResult, Stage, run_checks
from pytest_sheetmigrate.plan import Plan
from pytest_sheetmigrate.schema import Column, Schema
from pytest_sheetmigrate.snapshot import Snapshot
from pytest_sheetmigrate.snapshot_builder import SnapshotBuilder, SourceAndCopyBuilder

SCHEMA = Schema(
    name="3.0",
    worksheet="Operaciones",
    key="TAG",
    columns=(
        Column("TAG", "string", required=True),
        Column("Precio", "number"),
        Column("Ocupado_Por", "string"),
        Column("Fecha", "date"),
        Column("version", "integer", default=0),
    ),
    path=Path("tests/v3.0/schema.toml"),
)
LIVE_HEADER = ["Fecha", "TAG", "Precio"]  # v2.1: "Fecha" first, two columns missing
ROWS = 2_100

Row = list[Any]


def live_rows() -> list[Row]:
    return [[f"2024-01-{i % 28 + 1:02d}", f"T-{i:05d}", [12.5, 3, ""][i % 3]] for i in range(ROWS)]


def snap(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Snapshot:
    builder = SnapshotBuilder(SCHEMA, list(header))
    for start in range(0, len(rows), 500):
        builder.add_rows([list(row) for row in rows[start : start + 500]])
    return builder.finish()


PLAN = Plan.build(SCHEMA, LIVE_HEADER, sheet_id=0, data_row_count=ROWS, grid_column_count=3)


def migrated_rows(stage: Stage) -> list[Row]:
    rows = [PLAN.apply_to_row(row) for row in live_rows()]
    return [PLAN.apply_defaults_to_row(row) for row in rows] if stage == "init" else rows


def check_input(
    stage: Stage = "init",
    breaking: Callable[[list[Row]], None] | None = None,
    header: Sequence[str] | None = None,
    backup: Snapshot | None = None,
    no_backup: bool = False,
) -> CheckInput:
    """The check input of a migration; ``breaking`` edits the after rows in place."""
    before = snap(LIVE_HEADER, live_rows())
    rows = migrated_rows(stage)
    if breaking:
        breaking(rows)
    after = snap(SCHEMA.header if header is None else header, rows)
    if backup is None and not no_backup:
        backup = before
    return CheckInput(SCHEMA, before, after, backup, stage)


def set_cell(row: int, column: str, value: object) -> Callable[[list[Row]], None]:
    """Set the cell at a sheet row (2 = first data row) of a schema-layout row list."""

    def edit(rows: list[Row]) -> None:
        rows[row - 2][SCHEMA.header.index(column)] = value

    return edit


def failure(name: str, data: CheckInput) -> str:
    result = CHECKS[name](data)
    assert result.name == name
    assert not result.passed, result.message
    return result.message


def test_the_seven_checks_run_in_the_documented_order() -> None:
    assert list(CHECKS) == [
        "backup_matches_source",
        "header_matches_schema",
        "row_count_preserved",
        "existing_data_unchanged",
        "new_columns_blank_or_default",
        "keys_present_and_unique",
        "values_match_types",
    ]


@pytest.mark.parametrize("stage", ["columns", "init"])
def test_a_good_migration_passes_every_check_with_a_summary(stage: Stage) -> None:
    results = run_checks(check_input(stage))
    assert [r.name for r in results] == list(CHECKS)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    messages = {r.name: r.message for r in results}
    assert messages["existing_data_unchanged"] == "2,100 rows, 3 columns compared"
    assert messages["row_count_preserved"] == "2,100 data rows before and after"


def test_backup_matches_source_fails_naming_the_column_and_rows_that_differ() -> None:
    rows = live_rows()
    rows[1_500][2] = 99.5  # sheet row 1,502, column "Precio"
    message = failure("backup_matches_source", check_input(backup=snap(LIVE_HEADER, rows)))
    assert 'column "Precio": rows 1,002-2,001 differ' in message
    assert "Expected a cell-for-cell copy" in message


def test_backup_matches_source_fails_on_a_backup_missing_rows_or_columns() -> None:
    backup = snap(LIVE_HEADER[:2], [row[:2] for row in live_rows()[:-1]])
    message = failure("backup_matches_source", check_input(backup=backup))
    assert "columns only in the source: Precio" in message
    assert "2,099 data rows in the backup, 2,100 in the source" in message
    assert "rows 2-" not in message, "a row-count change reported as changed columns"


def test_backup_matches_source_fails_without_a_backup() -> None:
    assert "no backup snapshot" in failure("backup_matches_source", check_input(no_backup=True))


def source_and_copy(
    source: list[Row], copied: list[Row], copy_chunk: int = 500
) -> tuple[Snapshot, Snapshot]:
    """Both snapshots as the backup step builds them: the two streams read side by side."""
    builder = SourceAndCopyBuilder(SCHEMA, LIVE_HEADER)
    source_chunks = [source[i : i + 500] for i in range(0, len(source), 500)]
    copy_chunks = [copied[i : i + copy_chunk] for i in range(0, len(copied), copy_chunk)]
    for source_rows, copy_rows in zip_longest(source_chunks, copy_chunks, fillvalue=[]):
        builder.add_rows(source_rows, copy_rows)
    return builder.finish()


def backup_check(source: Snapshot, backup: Snapshot) -> CheckResult:
    return CHECKS["backup_matches_source"](CheckInput(SCHEMA, source, source, backup, "columns"))


@pytest.mark.parametrize("copy_chunk", [500, 333])
def test_a_copy_identical_to_the_source_gets_the_sources_snapshot_and_passes(
    copy_chunk: int,
) -> None:
    rows = live_rows()
    source, backup = source_and_copy(rows, copy.deepcopy(rows), copy_chunk)
    assert source == snap(LIVE_HEADER, rows)
    assert backup is source  # not digested a second time
    assert backup_check(source, backup).passed


@pytest.mark.parametrize(
    ("in_source", "in_copy"),
    [(1, True), (0, False), (1, "1"), (12.5, 12.25), ("x", "y"), ("", " "), (3, [])],
)
@pytest.mark.parametrize("index", [0, 1_499, ROWS - 1])
def test_a_copy_read_side_by_side_that_differs_in_one_cell_fails_backup_matches_source(
    in_source: Any, in_copy: Any, index: int
) -> None:
    rows = live_rows()
    rows[index][2] = in_source
    copied = copy.deepcopy(rows)
    if in_copy == []:
        copied[index].pop()  # the cell is blank in the copy
    else:
        copied[index][2] = in_copy
    source, backup = source_and_copy(rows, copied, copy_chunk=333)
    assert source == snap(LIVE_HEADER, rows)
    assert backup == snap(LIVE_HEADER, copied)  # what the copy digested on its own gives
    result = backup_check(source, backup)
    assert not result.passed
    assert 'column "Precio"' in result.message


def test_a_copy_read_side_by_side_missing_its_last_row_fails_backup_matches_source() -> None:
    rows = live_rows()
    source, backup = source_and_copy(rows, copy.deepcopy(rows[:-1]))
    assert backup == snap(LIVE_HEADER, rows[:-1])
    assert (
        "2,099 data rows in the backup, 2,100 in the source" in backup_check(source, backup).message
    )


def test_an_integral_float_in_the_copy_is_the_same_cell_as_the_sources_int() -> None:
    rows = live_rows()
    rows[1][2] = 3
    copied = copy.deepcopy(rows)
    copied[1][2] = 3.0
    source, backup = source_and_copy(rows, copied)
    assert backup == source
    assert backup_check(source, backup).passed


def test_header_matches_schema_fails_naming_missing_columns_and_their_place() -> None:
    header = [name for name in SCHEMA.header if name != "version"]

    def drop_version(rows: list[Row]) -> None:
        for row in rows:
            del row[4]

    message = failure("header_matches_schema", check_input(breaking=drop_version, header=header))
    assert '"version" is missing (expected in column E)' in message
    assert "Expected, in order: TAG, Precio, Ocupado_Por, Fecha, version." in message


def test_header_matches_schema_fails_naming_the_first_column_out_of_order() -> None:
    header = ["Precio", "TAG", *SCHEMA.header[2:]]
    message = failure("header_matches_schema", check_input(header=header))
    assert 'column A is "Precio", expected "TAG"' in message


def test_row_count_preserved_fails_saying_how_many_rows_were_lost() -> None:
    message = failure("row_count_preserved", check_input(breaking=lambda rows: rows.pop()))
    assert "had 2,100 data rows at the backup and has 2,099 now (1 row deleted)" in message
    assert "expected rows 2-2,101 to stay through the init step" in message


def test_existing_data_unchanged_reports_a_row_count_change_as_such() -> None:
    def append_one(rows: list[Row]) -> None:
        rows.append([f"T-{len(rows):05}", 1.0, "", "2024-01-01", 0])

    message = failure("existing_data_unchanged", check_input(breaking=append_one))
    assert "the sheet had 2,100 data rows at the backup and has 2,101 now (1 row added)" in message
    assert "differ" not in message, "every column reported changed"


def test_existing_data_unchanged_passes_when_columns_moved_but_kept_their_values() -> None:
    data = check_input()
    assert data.before.header.index("Fecha") != data.after.header.index("Fecha")
    assert CHECKS["existing_data_unchanged"](data).passed


def test_existing_data_unchanged_fails_naming_the_column_and_first_rows() -> None:
    data = check_input(breaking=set_cell(2_050, "Fecha", "2024-12-31"))
    message = failure("existing_data_unchanged", data)
    assert 'column "Fecha": rows 2,002-2,101 differ' in message
    assert "Expected every column to hold exactly its values from before" in message


def _with_formulas(text: str, header: Sequence[str]) -> Callable[[list[Row]], None]:
    """Put a formula of ``text`` (``{row}``: its row) into column "Precio" of every row."""

    def edit(rows: list[Row]) -> None:
        for row_number, row in enumerate(rows, start=2):
            row[header.index("Precio")] = Formula(text.format(row=row_number))

    return edit


def test_existing_data_unchanged_compares_with_the_formulas_relocated_as_google_rewrites_them() -> (
    None
):
    """Issue 13 item 1: Google rewrites ``=B2*2`` to ``=A2*2`` when the plan moves column B to A
    (the expected snapshot is built by the plan's relocation); the check compares the sheet
    after with that, so the relocated formula passes and the unrelocated one fails."""
    before_rows = live_rows()
    _with_formulas("=B{row}*2", LIVE_HEADER)(before_rows)
    builder = SnapshotBuilder(SCHEMA, LIVE_HEADER, relocate=lambda text: text.replace("B", "A"))
    builder.add_rows(before_rows)
    before, expected = builder.finish(), builder.expected()

    def after(formula: str) -> CheckInput:
        rows = migrated_rows("columns")
        _with_formulas(formula, SCHEMA.header)(rows)
        return CheckInput(
            SCHEMA, before, snap(SCHEMA.header, rows), before, "columns", expected=expected
        )

    assert CHECKS["existing_data_unchanged"](after("=A{row}*2")).passed
    message = failure("existing_data_unchanged", after("=B{row}*2"))
    assert 'column "Precio": rows 2-1,001' in message
    assert "formulas as Google relocates them" in message


def test_existing_data_unchanged_fails_when_a_column_is_gone() -> None:
    header = [name for name in SCHEMA.header if name != "Precio"]

    def drop_precio(rows: list[Row]) -> None:
        for row in rows:
            del row[1]

    data = check_input(breaking=drop_precio, header=header)
    assert 'column "Precio" is gone' in failure("existing_data_unchanged", data)


def test_new_columns_must_be_blank_or_default_after_the_columns_step() -> None:
    def scribble(rows: list[Row]) -> None:
        set_cell(7, "Ocupado_Por", "ana")(rows)
        set_cell(9, "version", 7)(rows)
        set_cell(11, "version", 0)(rows)  # the default is fine before init

    message = failure("new_columns_blank_or_default", check_input("columns", scribble))
    assert 'column "Ocupado_Por": 1 cell with another value (row 7); expected blank;' in message
    expected = (
        'column "version": 1 cell with another value (row 9); expected blank or the default 0'
    )
    assert expected in message
    assert "row 11" not in message


def test_new_columns_must_hold_the_default_on_every_row_after_init() -> None:
    def blank_some(rows: list[Row]) -> None:
        for row in (5, 6, 7, 8, 9, 10):
            set_cell(row, "version", "")(rows)

    message = failure("new_columns_blank_or_default", check_input("init", blank_some))
    assert 'column "version": 6 blank cells (first at rows 5, 6, 7, 8, 9, ...)' in message
    assert "expected the default 0" in message


def test_keys_present_and_unique_fails_naming_blank_and_repeated_keys() -> None:
    def break_keys(rows: list[Row]) -> None:
        set_cell(4, "TAG", "")(rows)
        set_cell(9, "TAG", "T-00003")(rows)

    message = failure("keys_present_and_unique", check_input(breaking=break_keys))
    assert message.startswith('key column "TAG": 1 blank key (row 4); ')
    assert '1 repeated key: "T-00003" at rows 5 and 9' in message


def test_keys_present_and_unique_fails_when_the_key_column_is_gone() -> None:
    header = [name for name in SCHEMA.header if name != "TAG"]

    def drop_tag(rows: list[Row]) -> None:
        for row in rows:
            del row[0]

    data = check_input(breaking=drop_tag, header=header)
    assert 'key column "TAG" is not in the header' in failure("keys_present_and_unique", data)


def test_values_match_types_fails_naming_the_column_rows_values_and_type() -> None:
    def break_types(rows: list[Row]) -> None:
        set_cell(3, "Precio", "n/a")(rows)
        set_cell(8, "Precio", "#DIV/0!")(rows)
        set_cell(12, "Ocupado_Por", "#REF!")(rows)

    message = failure("values_match_types", check_input("columns", break_types))
    precio = 'column "Precio": 2 cells not a number, at rows '
    assert precio + "3 ('n/a'), 8 ('#DIV/0!')" in message
    assert "column \"Ocupado_Por\": 1 cell not a string, at row 12 ('#REF!')" in message
    assert "fix those cells, or the column's type there" in message


def test_a_formula_in_a_typed_column_is_not_judged_by_its_text_and_is_counted_as_such() -> None:
    """Issue 13 item 6: a number column computed by formulas (``=J2*K2``) never fails for being a
    formula. The FORMULA read gives the text, not the computed value, so such cells are reported
    as not judged; a text or an error value beside them still fails."""

    def formulas(rows: list[Row]) -> None:
        for sheet_row in range(2, 12):
            set_cell(sheet_row, "Precio", Formula(f"=B{sheet_row}*2"))(rows)

    result = CHECKS["values_match_types"](check_input("columns", formulas))
    assert result.passed, result.message
    assert 'not judged: 10 formula cells in "Precio"' in result.message

    def formulas_and_text(rows: list[Row]) -> None:
        formulas(rows)
        set_cell(30, "Precio", "n/a")(rows)

    message = failure("values_match_types", check_input("columns", formulas_and_text))
    assert "column \"Precio\": 1 cell not a number, at row 30 ('n/a')" in message


def test_values_match_types_fails_on_blank_cells_of_a_required_column() -> None:
    message = failure("values_match_types", check_input(breaking=set_cell(20, "TAG", "")))
    assert 'column "TAG" is required but has 1 blank cell (row 20)' in message


def test_the_engine_imports_without_pytest_and_gspread_only_in_gateway_and_transport() -> None:
    code = (
        "import sys\n"
        "import pytest_sheetmigrate.checks, pytest_sheetmigrate.plan\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    package = Path(pytest_sheetmigrate.__file__).parent
    importing = set()
    for module in package.rglob("*.py"):  # every subpackage (steps/, plugin/, emulator/ ...)
        lines = [line.lstrip() for line in module.read_text().splitlines()]
        imports = [line.split()[1] for line in lines if line.startswith(("import ", "from "))]
        if any(name.split(".")[0] == "gspread" for name in imports):
            importing.add(module.relative_to(package).as_posix())
    assert importing == {"gateway.py", "transport.py"}
