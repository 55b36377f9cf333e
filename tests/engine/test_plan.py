"""The plan: header validation, the columns and init requests, and the same steps in memory.

The request lists are checked by replaying them on an in-memory grid with the Sheets API's own
semantics (written here independently of plan.py), and the result is compared with the plan's
in-memory transformation and the schema's header.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.errors import SchemaError, SheetStateError
from pytest_sheetmigrate.plan import MAX_CELLS, MAX_COLUMNS, Plan
from pytest_sheetmigrate.schema import Column, Schema

SHEET_ID = 7


def make_schema(*columns: Column, key: str | None = None) -> Schema:
    return Schema("3.0", "Operaciones", key or columns[0].name, columns, Path("tests/v3.0/s.toml"))


DEMO = make_schema(
    Column("TAG_SPOOL", "string", required=True),
    Column("Precio", "number"),
    Column("Ocupado_Por", "string"),
    Column("Fecha_Ocupacion", "date"),
    Column("version", "integer", default=0),
)


def replay(requests: list[dict[str, Any]], grid: list[list[Any]]) -> list[list[Any]]:
    """Apply batchUpdate requests to a grid (list of rows), the way the Sheets API does."""
    grid = [list(row) for row in grid]
    for request in requests:
        (kind, body), *_ = request.items()
        if kind == "moveDimension":
            source, destination = body["source"], body["destinationIndex"]
            assert source["sheetId"] == SHEET_ID and source["dimension"] == "COLUMNS"
            start, end = source["startIndex"], source["endIndex"]
            assert not start < destination < end, "destination inside the moved range"
            # destinationIndex is in the coordinates before the source is removed
            after_removal = destination - (end - start) if destination >= end else destination
            for row in grid:
                moved = row[start:end]
                del row[start:end]
                row[after_removal:after_removal] = moved
        elif kind == "insertDimension":
            span = body["range"]
            assert span["sheetId"] == SHEET_ID and span["dimension"] == "COLUMNS"
            start, end = span["startIndex"], span["endIndex"]
            assert 0 <= start <= len(grid[0]) and end > start
            assert not (body["inheritFromBefore"] and start == 0)
            for row in grid:
                row[start:start] = [""] * (end - start)
        elif kind == "updateCells":
            assert body["fields"] == "userEnteredValue"
            start = body["start"]
            assert start["sheetId"] == SHEET_ID
            for r, row in enumerate(body["rows"]):
                for c, cell in enumerate(row["values"]):
                    (value,) = cell["userEnteredValue"].values()
                    grid[start["rowIndex"] + r][start["columnIndex"] + c] = value
        elif kind == "repeatCell":
            span = body["range"]
            (value,) = body["cell"]["userEnteredValue"].values()
            for r in range(span["startRowIndex"], span["endRowIndex"]):
                for c in range(span["startColumnIndex"], span["endColumnIndex"]):
                    grid[r][c] = value
        else:
            raise AssertionError(f"unexpected request {kind}")
    return grid


def fewest_moves(live: list[str], target: list[str]) -> int:
    """Columns minus the longest run already in target order (O(n^2), independent of plan.py)."""
    order = [live.index(name) for name in target if name in live]
    best = [1] * len(order)
    for i in range(len(order)):
        for j in range(i):
            if order[j] < order[i]:
                best[i] = max(best[i], best[j] + 1)
    return len(order) - max(best, default=0)


def test_a_sheet_already_at_the_schema_needs_no_columns_step() -> None:
    plan = Plan.build(DEMO, DEMO.header, SHEET_ID, data_row_count=3, grid_column_count=26)
    assert plan.is_noop_columns
    assert plan.columns_requests() == []
    assert plan.apply_to_header() == DEMO.header


def test_missing_columns_at_the_end_are_one_insert_and_one_header_write() -> None:
    live = ["TAG_SPOOL", "Precio"]
    plan = Plan.build(DEMO, live, SHEET_ID, data_row_count=2_556, grid_column_count=2)
    assert plan.columns_to_add == [("Ocupado_Por", 2), ("Fecha_Ocupacion", 3), ("version", 4)]
    assert plan.moves == []
    dimension = {"sheetId": SHEET_ID, "dimension": "COLUMNS"}
    assert plan.columns_requests() == [
        {
            "insertDimension": {
                "range": {**dimension, "startIndex": 2, "endIndex": 5},
                "inheritFromBefore": True,
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": SHEET_ID, "rowIndex": 0, "columnIndex": 2},
                "rows": [
                    {
                        "values": [
                            {"userEnteredValue": {"stringValue": name}}
                            for name in ("Ocupado_Por", "Fecha_Ocupacion", "version")
                        ]
                    }
                ],
                "fields": "userEnteredValue",
            }
        },
    ]


def test_the_header_write_touches_only_the_inserted_columns_cells() -> None:
    # Issue 11: the columns step used to rewrite every header cell between the first and the
    # last added column; a column another writer moved or inserted after the header was read
    # then lost its header. Each insert's header cells are fresh cells of the same batch.
    schema = make_schema(
        Column("TAG_SPOOL", "string", required=True),
        Column("Ocupado_Por", "string"),
        Column("Precio", "number"),
        Column("Cliente", "string"),
        Column("version", "integer", default=0),
    )
    plan = Plan.build(schema, ["TAG_SPOOL", "Precio", "Cliente"], SHEET_ID, 3, 3)
    writes = [r["updateCells"] for r in plan.columns_requests() if "updateCells" in r]
    written = {
        w["start"]["columnIndex"] + n: cell["userEnteredValue"]["stringValue"]
        for w in writes
        for n, cell in enumerate(w["rows"][0]["values"])
    }
    assert written == {1: "Ocupado_Por", 4: "version"}


def test_a_column_missing_at_the_front_is_inserted_without_inheriting_from_before() -> None:
    schema = make_schema(Column("id", "string"), Column("TAG", "string"), key="TAG")
    plan = Plan.build(schema, ["TAG"], SHEET_ID, data_row_count=1, grid_column_count=1)
    (insert, _header) = plan.columns_requests()
    assert insert["insertDimension"]["range"]["startIndex"] == 0
    assert insert["insertDimension"]["inheritFromBefore"] is False


def test_moving_the_first_column_to_the_end_is_one_move() -> None:
    live = ["Precio", "TAG_SPOOL", "Ocupado_Por", "Fecha_Ocupacion", "version"]
    target_order = make_schema(*(DEMO.column(n) for n in [*live[1:], live[0]]), key="TAG_SPOOL")
    plan = Plan.build(target_order, live, SHEET_ID, data_row_count=1, grid_column_count=5)
    assert [(m.name, m.source_index, m.destination_index) for m in plan.moves] == [("Precio", 0, 5)]
    assert plan.apply_to_header() == target_order.header


def test_random_headers_become_the_schema_header_by_requests_and_in_memory() -> None:
    rng = random.Random(20240531)
    total_moves = total_inserts = 0
    for case in range(300):
        names = [f"c{i}" for i in range(rng.randint(1, 14))] + ["Дата 📅", "名前"]
        rng.shuffle(names)
        key = rng.choice(names)
        schema = make_schema(*(Column(n, "string") for n in names), key=key)
        live = [n for n in names if n == key or rng.random() < 0.6]
        rng.shuffle(live)
        if rng.random() < 0.3:  # often the live order already is the schema's
            live = [n for n in names if n in live]
        spare = rng.randint(0, 3)  # empty grid columns right of the header
        plan = Plan.build(schema, live, SHEET_ID, 3, grid_column_count=len(live) + spare)

        assert plan.apply_to_header() == schema.header, case
        assert len(plan.moves) == fewest_moves(live, schema.header), case
        assert [name for name, _ in plan.columns_to_add] == [n for n in names if n not in live]
        total_moves += len(plan.moves)
        total_inserts += len(plan.inserts)

        # Data rows as the API returns them (trailing blanks trimmed), with a stray cell right
        # of the header when the grid has room for one.
        stray = ["right"] if spare else []
        rows = [[f"{name}@{r}" for name in live] for r in range(3)]
        rows = [row[: rng.randint(0, len(row))] for row in rows]
        grid = [[*live, *[""] * spare]] + [
            [*row, *[""] * (len(live) - len(row)), *stray, *[""] * (spare - len(stray))]
            for row in rows
        ]
        result = replay(plan.columns_requests(), grid)
        width = len(schema.header)
        assert result[0][:width] == schema.header, case
        for r, row in enumerate(rows):
            planned = plan.apply_to_row([*row, *[""] * (len(live) - len(row)), *stray])
            assert result[r + 1][: len(planned)] == planned, case
            assert plan.apply_to_row(row) == planned[:width], case
    assert total_moves > 100 and total_inserts > 100  # the cases did exercise both


def test_apply_to_row_keeps_cells_right_of_the_header_after_the_schema_columns() -> None:
    plan = Plan.build(DEMO, ["Precio", "TAG_SPOOL"], SHEET_ID, 1, grid_column_count=3)
    assert plan.apply_to_row(["12.5", "T1", "stray"]) == ["T1", "12.5", "", "", "", "stray"]
    assert plan.apply_to_row([]) == ["", "", "", "", ""]


def test_init_writes_each_added_default_with_one_repeat_cell_over_the_data_rows() -> None:
    plan = Plan.build(DEMO, ["TAG_SPOOL", "Precio"], SHEET_ID, 2_556, grid_column_count=2)
    assert plan.columns_with_defaults_to_write == ["version"]
    assert plan.init_requests() == [
        {
            "repeatCell": {
                "range": {
                    "sheetId": SHEET_ID,
                    "startRowIndex": 1,
                    "endRowIndex": 2_557,
                    "startColumnIndex": 4,
                    "endColumnIndex": 5,
                },
                "cell": {"userEnteredValue": {"numberValue": 0}},
                "fields": "userEnteredValue",
            }
        }
    ]


def test_the_init_payload_does_not_grow_with_rows() -> None:
    def size(rows: int) -> int:
        plan = Plan.build(DEMO, ["TAG_SPOOL"], SHEET_ID, rows, grid_column_count=1)
        return len(json.dumps(plan.init_requests()).replace(str(rows + 1), "N"))

    assert size(10) == size(99_999)


def test_init_after_a_resumed_columns_step_writes_the_named_columns() -> None:
    plan = Plan.build(DEMO, DEMO.header, SHEET_ID, 4, grid_column_count=5)
    assert plan.init_requests() == []  # nothing was added by this plan ...
    (request,) = plan.init_requests(["version"])  # ... but the stamp says "version" was
    assert request["repeatCell"]["range"]["startColumnIndex"] == 4
    with pytest.raises(ValueError, match="no default"):
        plan.init_requests(["Precio"])


def test_defaults_are_written_raw_so_formula_text_stays_text() -> None:
    schema = make_schema(
        Column("TAG", "string"),
        Column("f", "string", default="=IMPORTXML(A1)"),
        Column("b", "boolean", default=False),
        Column("x", "number", default=2.5),
    )
    plan = Plan.build(schema, ["TAG"], SHEET_ID, 3, grid_column_count=1)
    values = [r["repeatCell"]["cell"]["userEnteredValue"] for r in plan.init_requests()]
    assert values == [{"stringValue": "=IMPORTXML(A1)"}, {"boolValue": False}, {"numberValue": 2.5}]
    grid = replay(plan.columns_requests() + plan.init_requests(), [["TAG"], ["a"], ["b"], ["c"]])
    planned = [plan.apply_defaults_to_row(plan.apply_to_row(row)) for row in (["a"], ["b"], ["c"])]
    assert grid[1:] == planned
    assert planned[0] == ["a", "=IMPORTXML(A1)", False, 2.5]


def test_an_empty_sheet_needs_no_init_request() -> None:
    plan = Plan.build(DEMO, ["TAG_SPOOL"], SHEET_ID, 0, grid_column_count=1)
    assert plan.init_requests() == []


def test_emoji_and_non_latin_headers_are_written_as_they_are() -> None:
    schema = make_schema(Column("ключ 🔑", "string"), Column("列 ✅", "string"))
    plan = Plan.build(schema, ["ключ 🔑"], SHEET_ID, 1, grid_column_count=1)
    header_write = plan.columns_requests()[-1]["updateCells"]["rows"][0]["values"]
    assert header_write == [{"userEnteredValue": {"stringValue": "列 ✅"}}]


def test_columns_the_schema_does_not_list_are_refused_naming_their_letters() -> None:
    live = [*DEMO.header[:2], *[f"x{i}" for i in range(8)], "Foo"]
    with pytest.raises(SheetStateError) as caught:
        Plan.build(DEMO, live, SHEET_ID, 1, grid_column_count=11)
    message = str(caught.value)
    assert '"Foo" (column K)' in message and '"x0" (column C)' in message
    assert message.startswith('sheet "Operaciones" has columns the schema does not list: ')
    assert "If a header was renamed by hand, give it back its name" in message
    assert "add it to tests/v3.0/s.toml" in message and "Nothing was changed" in message


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        (["TAG_SPOOL", "", "Precio"], "blank header cells in row 1: column B"),
        (["TAG_SPOOL", "Precio", "Precio"], '"Precio" (columns B, C)'),
        (["Precio"], 'has no key column "TAG_SPOOL"'),
        ([], 'has no key column "TAG_SPOOL"'),
    ],
)
def test_a_bad_live_header_is_refused_with_the_fix(live: list[str], expected: str) -> None:
    with pytest.raises(SheetStateError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        Plan.build(DEMO, live, SHEET_ID, 1, grid_column_count=len(live))


def test_a_required_column_the_migration_would_leave_blank_is_refused() -> None:
    schema = make_schema(Column("TAG", "string"), Column("owner", "string", required=True))
    with pytest.raises(SchemaError, match=r'"owner" is required but has no default'):
        Plan.build(schema, ["TAG"], SHEET_ID, 1, grid_column_count=1)


def test_a_result_past_the_column_limit_is_refused() -> None:
    with pytest.raises(SheetStateError, match=f"would have {MAX_COLUMNS + 3:,} columns"):
        Plan.build(DEMO, ["TAG_SPOOL", "Precio"], SHEET_ID, 1, grid_column_count=MAX_COLUMNS)


def test_a_result_past_the_cell_limit_is_refused() -> None:
    rows = MAX_CELLS // 5 + 1
    with pytest.raises(SheetStateError, match="cells; a Google spreadsheet holds 10,000,000"):
        Plan.build(DEMO, ["TAG_SPOOL", "Precio"], SHEET_ID, rows - 1, grid_column_count=2)
    Plan.build(DEMO, ["TAG_SPOOL", "Precio"], SHEET_ID, MAX_CELLS // 5 - 1, grid_column_count=2)


def test_trailing_empty_grid_rows_count_towards_the_cell_limit() -> None:
    with pytest.raises(SheetStateError, match="Delete unused"):
        Plan.build(DEMO, DEMO.header, SHEET_ID, 10, 5, grid_row_count=MAX_CELLS // 5 + 1)


def test_the_cell_limit_counts_the_other_tabs_of_the_spreadsheet() -> None:
    fits_alone = {"Archivo": MAX_CELLS - 5 * 11}  # the migrated tab: 11 rows x 5 columns
    Plan.build(DEMO, DEMO.header, SHEET_ID, 10, 5, other_tabs=fits_alone)
    with pytest.raises(SheetStateError) as refused:
        Plan.build(DEMO, ["TAG_SPOOL", "Precio"], SHEET_ID, 10, 5, other_tabs=fits_alone)
    message = str(refused.value)  # 5 grid columns and 3 added: 8 columns of 11 rows
    assert f"would have {MAX_CELLS + 11 * 3:,} cells" in message
    assert '("Archivo") hold' in message
    assert "or tabs" in message


def test_a_planned_row_has_its_formulas_relocated_as_google_rewrites_them() -> None:
    """Issue 13 item 1: the dry run's planned result relocates formulas like the real run, so the
    two agree. Live ``TAG_SPOOL, Precio, Total`` gains ``Ocupado_Por`` and ``Fecha_Ocupacion`` at
    C:D, so ``Total``'s ``=B2*2`` keeps pointing at Precio (B) and one into a cross-tab range past
    the insertion, and a reference right of the inserted columns, move two columns right."""
    schema = make_schema(
        Column("TAG_SPOOL", "string", required=True),
        Column("Precio", "number"),
        Column("Ocupado_Por", "string"),
        Column("Fecha_Ocupacion", "date"),
        Column("Total", "number"),
    )
    plan = Plan.build(schema, ["TAG_SPOOL", "Precio", "Total"], SHEET_ID, 1, 4)
    row = ["T-1", 3, Formula("=B2*2+C2"), Formula("=SUM(Operaciones!A:C)&$C$2")]
    assert plan.apply_to_row(row) == [
        "T-1",
        3,
        "",
        "",
        "=B2*2+E2",
        "=SUM(Operaciones!A:E)&$E$2",
    ]
    assert all(type(cell) is Formula for cell in plan.apply_to_row(row)[4:])
    assert Plan.build(schema, schema.header, SHEET_ID, 1, 5).formula_relocation is None


def test_columns_added_after_the_last_one_relocate_no_formula() -> None:
    """Nothing shifts, so the plan has no relocation (and the backup step looks for no
    dependents): references right of the grid's last column do not exist."""
    schema = make_schema(Column("TAG_SPOOL", "string", required=True), Column("Precio", "number"))
    plan = Plan.build(schema, ["TAG_SPOOL"], SHEET_ID, 1, 1)
    assert plan.inserts and plan.formula_relocation is None
    wider_grid = Plan.build(schema, ["TAG_SPOOL"], SHEET_ID, 1, 3)  # blank columns B:C shift
    assert wider_grid.formula_relocation is not None
