"""spreadsheets.create validates its sheets as addSheet does; the column limit holds on commit."""

from __future__ import annotations

from typing import Any

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator.exceptions import ApiError


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        (
            [{"properties": {"gridProperties": {"rowCount": -5, "columnCount": 3}}}],
            "Invalid grid properties: row and column counts must not be negative.",
        ),
        (
            [{"properties": {"gridProperties": {"rowCount": 1, "columnCount": 18_279}}}],
            "This action would increase the number of columns in the sheet above the limit "
            "of 18278.",
        ),
        (
            [{"properties": {"sheetId": 5, "title": "a"}}, {"properties": {"sheetId": 5}}],
            "A sheet with the id 5 already exists.",
        ),
        (
            [{"properties": {"title": "a"}}, {"properties": {"title": "A"}}],
            'A sheet with the name "A" already exists. Please enter another name.',
        ),
    ],
)
def test_create_refuses_bad_sheets(model: Model, sheets: list[Any], message: str) -> None:
    before = model.state()
    with pytest.raises(ApiError) as raised:
        model("spreadsheets_create", body={"sheets": sheets})
    assert (raised.value.code, raised.value.message) == (400, message)
    assert model.state() == before


def test_create_accepts_the_column_limit_itself(model: Model) -> None:
    grid = {"rowCount": 1, "columnCount": 18_278}
    answer = model(
        "spreadsheets_create", body={"sheets": [{"properties": {"gridProperties": grid}}]}
    )
    assert answer["sheets"][0]["properties"]["gridProperties"] == grid


def test_add_sheet_still_refuses_a_taken_id(model: Model) -> None:
    sid = model.new_spreadsheet()
    with pytest.raises(ApiError) as raised:
        model.batch(sid, {"addSheet": {"properties": {"sheetId": 0, "title": "Other"}}})
    assert (
        raised.value.message
        == "Invalid requests[0].addSheet: A sheet with the id 0 already exists."
    )
