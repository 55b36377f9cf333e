"""How the grid stores typed cells: formatted text plus a parallel row of kinds.

Values must come back exactly (UNFORMATTED_VALUE, FORMULA) after every kind of grid change,
the stored rows must hold plain strings only, and the kinds must stay aligned with the texts.
"""

from __future__ import annotations

import pickle

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator import cells
from pytest_sheetmigrate.emulator.grid import Change, Sheet, _moved_order, adjust_span
from pytest_sheetmigrate.emulator.spreadsheet import sheet_properties

UNFORMATTED = "UNFORMATTED_VALUE"


def _sheet(model: Model, sid: str) -> Sheet:
    return model.backend.state.files[sid].sheets[0]


def _check_layout(sheet: Sheet) -> None:
    assert len(sheet.kinds) == len(sheet.rows)
    for row, kinds in zip(sheet.rows, sheet.kinds, strict=True):
        assert all(type(text) is str for text in row)
        if row:
            assert row[-1] != ""
        if kinds is not None:
            assert len(kinds) == len(row)
            assert any(kind is not None for kind in kinds)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.3"),
        (12345678901234567890, "12345678901234567890"),
        (1 / 3, "0.3333333333"),
        (2.5e-12, "2.5E-12"),
        (7, "7"),
        (2.0, "2"),
    ],
)
def test_a_raw_number_comes_back_exactly_whatever_its_formatted_text(
    model: Model, value: float, text: str
) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [[value]])
    assert model.get(sid, "Sheet1!A1")["values"] == [[text]]
    got = model.get(sid, "Sheet1!A1", value_render_option=UNFORMATTED)["values"][0][0]
    assert got == value
    assert type(got) is (int if float(value).is_integer() else float)
    _check_layout(_sheet(model, sid))


def test_split_and_join_are_inverse_for_every_kind_of_value() -> None:
    values = [
        "text",
        cells.number(1.5),
        cells.number(0.1 + 0.2),
        cells.from_user_entered("1,234"),
        cells.from_user_entered("12%"),
        cells.from_user_entered("$5"),
        cells.from_user_entered("2020-01-31"),
        cells.from_user_entered("1/31/2020"),
        cells.TRUE,
        cells.FALSE,
        cells.formula("=1/4"),
        cells.formula("=SUM(A1:A3)"),
        cells.formula('="x"'),
    ]
    for value in values:
        text, kind = cells.split(value)
        assert type(text) is str and text == value
        back = cells.join(text, kind)
        assert type(back) is type(value)
        for option in ("UNFORMATTED_VALUE", "FORMULA"):
            for dates in ("SERIAL_NUMBER", "FORMATTED_STRING"):
                expected = cells.render(value, option, dates)
                assert cells.render(back, option, dates) == expected
                assert cells.render_stored(text, kind, option, dates) == expected


def test_typed_cells_follow_column_inserts_moves_and_deletes(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a", "=1+1", "3", "TRUE"], ["b"]], option="USER_ENTERED")
    sheet_id = 0
    model.batch(
        sid,
        {
            "insertDimension": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": 1,
                    "endIndex": 2,
                }
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:E2", value_render_option="FORMULA")["values"] == [
        ["a", "", "=1+1", 3, True],
        ["b"],
    ]
    model.batch(
        sid,
        {
            "moveDimension": {
                "source": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": 4,
                    "endIndex": 5,
                },
                "destinationIndex": 0,
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:E2", value_render_option=UNFORMATTED)["values"] == [
        [True, "a", "", 2, 3],
        ["", "b"],
    ]
    model.batch(
        sid,
        {
            "deleteDimension": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": 0,
                    "endIndex": 1,
                }
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:E2", value_render_option=UNFORMATTED)["values"] == [
        ["a", "", 2, 3],
        ["b"],
    ]
    _check_layout(_sheet(model, sid))


def test_text_written_over_typed_cells_leaves_no_kinds_behind(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [[1, 2], [3, "x"]])
    model.put(sid, "Sheet1!A1", [["one", None]])
    assert model.get(sid, "Sheet1!A1:B2", value_render_option=UNFORMATTED)["values"] == [
        ["one", 2],
        [3, "x"],
    ]
    model.put(sid, "Sheet1!B1", [["two"]])
    model("values_clear", spreadsheet_id=sid, range="Sheet1!A2")
    sheet = _sheet(model, sid)
    assert sheet.kinds == [None, None]
    assert sheet.rows == [("one", "two"), ("", "x")]
    _check_layout(sheet)


def test_repeat_cell_of_a_number_over_text_rows_and_of_text_over_numbers(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["a", "b"], ["c"]])
    grid = {
        "sheetId": 0,
        "startRowIndex": 0,
        "endRowIndex": 3,
        "startColumnIndex": 2,
        "endColumnIndex": 3,
    }
    model.batch(
        sid,
        {
            "repeatCell": {
                "range": grid,
                "cell": {"userEnteredValue": {"numberValue": 0.5}},
                "fields": "userEnteredValue",
            }
        },
    )
    assert model.get(sid, "Sheet1!A1:C3", value_render_option=UNFORMATTED)["values"] == [
        ["a", "b", 0.5],
        ["c", "", 0.5],
        ["", "", 0.5],
    ]
    model.batch(
        sid,
        {
            "repeatCell": {
                "range": grid,
                "cell": {"userEnteredValue": {"stringValue": "z"}},
                "fields": "userEnteredValue",
            }
        },
    )
    sheet = _sheet(model, sid)
    assert sheet.kinds == [None, None, None]
    assert sheet.rows == [("a", "b", "z"), ("c", "", "z"), ("", "", "z")]


def test_a_sheet_pickled_with_typed_cell_objects_in_its_rows_loads_in_this_layout() -> None:
    """Format-1 snapshots kept the typed cell objects in the rows and had no ``kinds``."""
    old = Sheet(sheet_properties(0, "Sheet1", 0, 10, 5))
    old.__dict__.pop("kinds")
    old.__dict__["typed"] = True
    old.__dict__["rows"] = [("a", cells.number(0.1 + 0.2), ""), (cells.TRUE,), ("b",)]
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.rows == [("a", "0.3"), ("TRUE",), ("b",)]
    assert loaded.kinds == [(None, 0.1 + 0.2), (cells.BOOLEAN,), None]
    assert not hasattr(loaded, "typed")
    _check_layout(loaded)


def test_a_moved_span_is_the_smallest_span_holding_its_moved_cells() -> None:
    size = 7
    for start in range(size):
        for end in range(start + 1, size + 1):
            for destination in range(size + 1):
                change = Change("move", start, end, destination)
                if start <= destination <= end:  # moves nothing
                    new: dict[int, int] = {}
                else:
                    order = _moved_order(start, end, destination)
                    new = {old: new for new, old in enumerate(order)}
                for first in range(size):
                    for last in range(first + 1, size + 1):
                        image = [new.get(i, i) for i in range(first, last)]
                        expected = (min(image), max(image) + 1)
                        assert adjust_span(first, last, change) == expected, (change, first, last)
