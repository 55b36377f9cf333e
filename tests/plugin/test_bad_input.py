"""Bad input: every mistake a user can make ends in a message that says how to fix it, a non-zero
exit, no traceback, and the spreadsheet exactly as it was (its values and developer metadata).

Each case is a real pytest run (pytester) through real gspread against the local Sheets server.
A few inputs that look bad must work: formula-looking text, emoji and non-Latin names, a damaged
checkpoint (ignored with a warning, the sheet decides).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sheet_project import (
    SUITE,
    Project,
)

from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.transport import sheets_client

SCHEMA = load_schema(SUITE / "schema.toml")
SCHEMA_TEXT = (SUITE / "schema.toml").read_text(encoding="utf-8")
TRACEBACK_SIGNS = re.compile(r"Traceback|\braise |\.py:\d+: in ")
OWNER = "owner@example.com"
OWNER_TOKEN = "owner-token"


# -- the standard every refusal meets ---------------------------------------------------------


def assert_refused(result: pytest.RunResult, *words: str) -> None:
    """A non-zero exit, every word of the expected message, and not a line of traceback."""
    output = "\n".join([*result.outlines, *result.errlines])
    assert result.ret in (pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.USAGE_ERROR), output
    for word in words:
        assert word in output, f"{word!r} not in the output:\n{output}"
    shown = TRACEBACK_SIGNS.search(output)
    assert shown is None, f"traceback in the output ({shown.group()!r}):\n{output}"


def spreadsheet_digest(url: str, key: str, token: str = "local-token") -> str:
    """sha256 of every value of every worksheet (as stored: formulas as text), the grid
    properties, merges and the developer metadata of a spreadsheet."""
    spreadsheet = sheets_client(url, token=token).open_by_key(key)
    metadata = spreadsheet.fetch_sheet_metadata(
        params={"fields": "properties.title,sheets(properties,merges),developerMetadata"}
    )
    ranges = [
        "'{}'".format(s["properties"]["title"].replace("'", "''")) for s in metadata["sheets"]
    ]
    values = spreadsheet.values_batch_get(ranges, params={"valueRenderOption": "FORMULA"})
    canonical = json.dumps([metadata, values["valueRanges"]], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Attempt:
    """A run expected to be refused: the sheet's digest before, compared after."""

    project: Project
    token: str = "local-token"

    def __post_init__(self) -> None:
        self.before = self.digest()
        self.project.api.reset_stats()
        self.stats: dict[str, Any] = {}

    def digest(self) -> str:
        return spreadsheet_digest(self.project.api.url, self.project.sheet, self.token)

    def refused(self, *args: str, words: tuple[str, ...]) -> pytest.RunResult:
        result = self.project.run(*args)
        self.stats = self.project.api.stats()  # before the digest's own reads
        assert_refused(result, *words)
        assert self.digest() == self.before, "the spreadsheet changed"
        return result


def schema_with(text: str = SCHEMA_TEXT, *, drop: str = "", append: str = "") -> str:
    return text.replace(drop, "") + append


# -- configuration mistakes: refused at configure time ----------------------------------------

SCHEMA_MISTAKES: dict[str, tuple[str, tuple[str, ...]]] = {
    "invalid_toml": ("[migration\nname = 3.0", ("invalid TOML", "Fix the syntax")),
    "an_unknown_key": (
        schema_with(append='\n[[columns]]\nname = "nota"\ntype = "string"\nnullable = true\n'),
        ('column "nota"', 'unknown key "nullable"', "allowed here are"),
    ),
    "an_unknown_top_level_table": (
        schema_with(append="\n[options]\nfast = true\n"),
        ('unknown top-level key "options"', "[migration] and [[columns]]"),
    ),
    "an_unknown_type": (
        schema_with(append='\n[[columns]]\nname = "nota"\ntype = "text"\n'),
        ('column "nota"', "unknown type 'text'", "string, integer, number, date, boolean"),
    ),
    "a_column_without_type": (
        schema_with(append='\n[[columns]]\nname = "nota"\n'),
        ('column "nota"', "no type", "write type = one of"),
    ),
    "a_duplicate_column": (
        schema_with(append='\n[[columns]]\nname = "Cliente"\ntype = "string"\n'),
        ('column "Cliente" is listed twice', "remove or rename"),
    ),
    "an_integer_default_that_is_text": (
        schema_with(append='\n[[columns]]\nname = "n"\ntype = "integer"\ndefault = "cero"\n'),
        ('column "n"', 'default "cero" is not an integer', "write default = 0"),
    ),
    "a_date_default_that_is_no_date": (
        schema_with(append='\n[[columns]]\nname = "d"\ntype = "date"\ndefault = "mañana"\n'),
        ('column "d"', "is not a date", 'default = "2024-01-31"'),
    ),
    "a_default_over_50000_characters": (
        schema_with(
            append=f'\n[[columns]]\nname = "s"\ntype = "string"\ndefault = "{"x" * 50_001}"\n'
        ),
        ('column "s"', "50,001 characters", "at most 50,000", "Shorten it"),
    ),
    "no_key": (
        schema_with(drop='key = "TAG_SPOOL"\n'),
        ("[migration] key is missing", 'write key = "..."'),
    ),
    "a_key_that_is_not_a_column": (
        SCHEMA_TEXT.replace('key = "TAG_SPOOL"', 'key = "Tag"'),
        ('key "Tag" is not among the columns', "set key to the name of the column"),
    ),
    "a_blank_column_name": (
        schema_with(append='\n[[columns]]\nname = " "\ntype = "string"\n'),
        ("has no name or a blank one", 'write name = "<header text>"'),
    ),
}


@pytest.mark.parametrize("mistake", SCHEMA_MISTAKES)
def test_a_schema_file_with_a_mistake_is_refused_naming_the_file_and_the_fix(
    project: Project, mistake: str
):
    text, words = SCHEMA_MISTAKES[mistake]
    project.path.joinpath("target.toml").write_text(text, encoding="utf-8")
    attempt = Attempt(project)

    attempt.refused("--migrate", "--schema", "target.toml", words=("target.toml", *words))

    assert attempt.stats["requests"] == 0


OPTION_MISTAKES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "no_sheet": (("-o", "sheetmigrate_sheet="), ("no spreadsheet given", "pass --sheet")),
    "a_sheet_url_that_is_not_a_spreadsheet": (
        ("--sheet", "https://example.com/files/report.xlsx"),
        ("https://example.com/files/report.xlsx", "--sheet", "docs.google.com/spreadsheets/d/"),
    ),
    "a_schema_file_that_does_not_exist": (
        ("--schema", "nowhere/schema.toml"),
        ("nowhere/schema.toml", "schema file not found", "Pass --schema"),
    ),
    "an_unknown_sheets_api": (
        ("--sheets-api", "sheets.example.com"),
        ("--sheets-api 'sheets.example.com' is not understood", "'google', 'embedded'"),
    ),
    "a_checkpoint_dir_under_a_file": (
        ("--checkpoint-dir", "notes.txt/checkpoints"),
        ("notes.txt/checkpoints", "--checkpoint-dir"),
    ),
    "a_report_dir_under_a_file": (
        ("--report-dir", "notes.txt/reports"),
        ("notes.txt/reports", "--report-dir"),
    ),
}


@pytest.mark.parametrize("mistake", OPTION_MISTAKES)
def test_an_option_mistake_is_refused_before_any_request(
    project: Project, monkeypatch: pytest.MonkeyPatch, mistake: str
):
    for name in ("SHEETMIGRATE_SHEET", "SHEETMIGRATE_SCHEMA", "SHEETMIGRATE_API"):
        monkeypatch.delenv(name, raising=False)
    project.path.joinpath("notes.txt").write_text("a file, not a directory\n")
    args, words = OPTION_MISTAKES[mistake]
    attempt = Attempt(project)

    result = attempt.refused("--migrate", *args, words=words)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert attempt.stats["requests"] == 0
