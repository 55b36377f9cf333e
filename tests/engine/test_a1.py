"""A1 notation (a1.py): column letters at their edges, cell names, and ranges on sheets whose
titles hold spaces, quotes or only digits, read back from the local server."""

from __future__ import annotations

import pytest
import requests
from gspread.utils import absolute_range_name as gspread_range_name
from gspread.utils import rowcol_to_a1 as gspread_cell

from pytest_sheetmigrate.a1 import absolute_range_name, column_letter, quoted_title, rowcol_to_a1
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader
from pytest_sheetmigrate.transport import sheets_client

AWKWARD_TITLES = ["My Custom Sheet", "Jon's_Data", "''quoted''", "2024", "A1", "R1C1", "Ñandú !#"]


@pytest.mark.parametrize(
    ("column", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (702, "ZZ"), (703, "AAA"), (18_278, "ZZZ")],
)
def test_columns_are_lettered_a_to_z_then_aa_to_zz_then_aaa_to_zzz(
    column: int, letters: str
) -> None:
    assert column_letter(column - 1) == letters
    assert rowcol_to_a1(7, column) == f"{letters}7"


def test_every_column_of_a_sheet_is_lettered_as_gspread_letters_it() -> None:
    assert [rowcol_to_a1(1, column) for column in range(1, 18_279)] == [
        gspread_cell(1, column) for column in range(1, 18_279)
    ]


def test_a_cell_off_the_sheet_is_refused() -> None:
    with pytest.raises(ValueError, match="off the sheet"):
        rowcol_to_a1(0, 1)
    with pytest.raises(ValueError, match="off the sheet"):
        rowcol_to_a1(1, 0)
    with pytest.raises(ValueError, match="negative"):
        column_letter(-1)


@pytest.mark.parametrize(
    ("title", "cells", "named"),
    [
        ("Sheet1", "A1:B2", "'Sheet1'!A1:B2"),
        ("My Custom Sheet", "A:A", "'My Custom Sheet'!A:A"),
        ("Jon's_Data", "1:1", "'Jon''s_Data'!1:1"),
        ("''quoted''", "C2:C", "'''''quoted'''''!C2:C"),
        ("2024", "A1", "'2024'!A1"),
        ("A1", None, "'A1'"),
    ],
)
def test_a_sheet_title_is_quoted_with_its_quotes_doubled(
    title: str, cells: str | None, named: str
) -> None:
    assert absolute_range_name(title, cells) == named
    assert absolute_range_name(title, cells) == gspread_range_name(title, cells)


def test_a_quoted_title_is_the_title_in_quotes() -> None:
    assert quoted_title("it's") == "'it''s'"
    assert absolute_range_name("it's", "") == "'it''s'"


def test_ranges_on_awkward_titles_read_those_sheets_from_the_server() -> None:
    sheets = [{"title": title, "values": [[title, "B1"]]} for title in AWKWARD_TITLES]
    with EmulatorServer() as server:
        answer = requests.post(
            f"{server.url}/_emulator/spreadsheets",
            json={"title": "a1", "sheets": sheets},
            timeout=60,
        )
        answer.raise_for_status()
        gateway = SheetGateway(
            sheets_client(server.url), answer.json()["spreadsheetId"], endpoint=server.url
        )
        the_reader = SheetReader(gateway)

        headers = [the_reader.header(title) for title in AWKWARD_TITLES]

    assert headers == [[title, "B1"] for title in AWKWARD_TITLES]
