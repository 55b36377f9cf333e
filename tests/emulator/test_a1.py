"""The emulator's own A1 conversions: column letters <-> 0-based index, cells and ranges."""

from __future__ import annotations

import pytest
from gspread.utils import column_letter_to_index, rowcol_to_a1

from pytest_sheetmigrate.emulator import a1
from pytest_sheetmigrate.emulator.a1 import Box

# The Sheets maximum: 18,278 columns, the last one ZZZ (index 18277).
LAST_COLUMN = 18277

EDGES = [
    ("A", 0),
    ("B", 1),
    ("Z", 25),
    ("AA", 26),
    ("AB", 27),
    ("AZ", 51),
    ("BA", 52),
    ("ZZ", 701),
    ("AAA", 702),
    ("ZZZ", LAST_COLUMN),
]


@pytest.mark.parametrize(("letters", "index"), EDGES)
def test_column_letters_and_index_at_the_edges(letters: str, index: int) -> None:
    assert a1.column_index(letters) == index
    assert a1.column_letters(index) == letters


def test_every_column_of_a_sheet_round_trips_and_agrees_with_the_client() -> None:
    for index in range(LAST_COLUMN + 1):
        letters = a1.column_letters(index)
        assert a1.column_index(letters) == index
        # gspread serves as the oracle here only: the emulator itself does not import it.
        assert column_letter_to_index(letters) == index + 1
        assert rowcol_to_a1(7, index + 1) == a1.cell_a1(6, index)


@pytest.mark.parametrize("text", ["", "a", "A1", "Ä", "-"])
def test_what_is_not_upper_case_column_letters_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        a1.column_index(text)


@pytest.mark.parametrize(("row", "col"), [(-1, 0), (0, -1)])
def test_a_negative_row_or_column_has_no_reference(row: int, col: int) -> None:
    with pytest.raises(ValueError):
        a1.cell_a1(row, col)


def test_cells_and_ranges_are_written_in_a1() -> None:
    assert a1.cell_a1(0, 0) == "A1"
    assert a1.cells_a1(Box(0, 1, 0, 1)) == "A1"
    assert a1.cells_a1(Box(1, 10, 25, 27)) == "Z2:AA10"
    assert a1.format_range("My Sheet", Box(0, 1000, 0, LAST_COLUMN + 1)) == "'My Sheet'!A1:ZZZ1000"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("A1", (0, 1, 0, 1)),
        ("ZZZ1", (0, 1, LAST_COLUMN, LAST_COLUMN + 1)),
        ("az3:b1", (0, 3, 1, 52)),
        ("AA:AB", (None, None, 26, 28)),
        ("2:4", (1, 4, None, None)),
    ],
)
def test_ranges_parse_to_indexes(cells: str, expected: tuple[int | None, ...]) -> None:
    assert a1.parse_cells(cells) == expected
