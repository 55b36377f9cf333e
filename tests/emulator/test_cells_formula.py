"""Literal formula arithmetic: Sheets' precedence and associativity, doubles, no runaway powers."""

from __future__ import annotations

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator import cells


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("=2^3^2", 64),  # left-associative, unlike Python's **
        ("=-2^2", 4),  # unary minus binds tighter than ^
        ("=-(2)^2", 4),
        ("=2^-1", 0.5),
        ("=1+2*3", 7),
        ("=(1+2)*3", 9),
        ("=3-2-1", 0),
        ("=8/2/2", 2),
        ("=1/4", 0.25),
        ("=.5*2", 1),
        ("=1e3+1", 1001),
        ("=2^0.5", 2**0.5),
    ],
)
def test_literal_arithmetic_follows_sheets_rules(text: str, value: float) -> None:
    assert cells.formula(text).value == value


@pytest.mark.parametrize(
    "text",
    ["=9^9^9^9", "=10^308*10", "=1/0", "=0^-1", "=(-8)^(1/3)", "=1 2", "=()", "=2^", "=SUM(A1)"],
)
def test_overflows_errors_and_non_arithmetic_keep_the_formula_text(text: str) -> None:
    assert cells.formula(text).value == text


def test_a_huge_power_written_through_the_api_answers_at_once() -> None:
    model = Model()
    sid = model.new_spreadsheet()
    model.put(sid, "Sheet1!A1", [["=9^9^9^9", "=2^3^2", "=-2^2"]], option="USER_ENTERED")
    got = model.get(sid, "Sheet1", value_render_option="UNFORMATTED_VALUE")
    assert got["values"] == [["=9^9^9^9", 64, 4]]
