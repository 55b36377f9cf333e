"""The spreadsheet key from --sheet or --backup: a key as given, or the key in a URL of the forms
the browser shows; a URL that names no spreadsheet is refused saying what to pass."""

from __future__ import annotations

import pytest
from gspread.utils import extract_id_from_url

from pytest_sheetmigrate.errors import ConfigError
from pytest_sheetmigrate.settings import key_of_sheet

KEY = "1AbC-xy_Z0123456789abcdefghijklmnopqrstuVWX"

READ_AS_GSPREAD_READS_THEM = [
    f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
    f"https://docs.google.com/spreadsheets/d/{KEY}/edit?gid=0#gid=0",
    f"https://docs.google.com/spreadsheets/d/{KEY}",
    f"https://docs.google.com/spreadsheets/d/{KEY}/",
    f"http://docs.google.com/spreadsheets/d/{KEY}/htmlview",
    f"https://docs.google.com/spreadsheet/ccc?key={KEY}&usp=drive_web#gid=0",
    f"https://docs.google.com/spreadsheet/pub?key={KEY}",
]


@pytest.mark.parametrize("url", READ_AS_GSPREAD_READS_THEM)
def test_the_key_of_a_url_is_the_key_gspread_finds_there(url: str) -> None:
    assert key_of_sheet(url, "--sheet") == KEY == extract_id_from_url(url)


@pytest.mark.parametrize("account", ["0", "1", "12"])
def test_the_key_of_a_url_for_another_signed_in_account_is_found_too(account: str) -> None:
    url = f"https://docs.google.com/spreadsheets/u/{account}/d/{KEY}/edit#gid=0"
    assert key_of_sheet(url, "--sheet") == KEY


def test_a_key_ends_where_its_letters_digits_dashes_and_underscores_end() -> None:
    assert key_of_sheet(f"https://docs.google.com/spreadsheets/d/{KEY}:x/edit", "--sheet") == KEY


@pytest.mark.parametrize("given", [KEY, f"  {KEY}\n", "sheetmigrate-demo"])
def test_a_bare_key_is_the_key_without_the_spaces_around_it(given: str) -> None:
    assert key_of_sheet(given, "--sheet") == given.strip()


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.google.com/document/d/1AbC/edit",
        "https://drive.google.com/drive/folders/1AbC",
        "https://docs.google.com/spreadsheets/d//edit",
        "https://docs.google.com/spreadsheets/u/x/d/1AbC/edit",
    ],
)
def test_a_url_that_names_no_spreadsheet_is_refused_saying_what_to_pass(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        key_of_sheet(url, "--backup")
    assert str(refused.value) == (
        f"--backup {url} is not the URL of a spreadsheet: pass its key, or its URL as the "
        "browser shows it (https://docs.google.com/spreadsheets/d/KEY/edit)"
    )
