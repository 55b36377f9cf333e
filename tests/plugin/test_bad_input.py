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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from gspread.utils import rowcol_to_a1
from sheet_project import (
    OWNER_TOKEN,
    SUITE,
    LocalApi,
    Project,
    demo_values,
    make_project,
    seed_demo,
    seed_owned_demo,
)

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.service_keys import (
    SERVICE_ACCOUNT,
    service_account_info,
    write_key_file,
)
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.transport import sheets_client

SCHEMA = load_schema(SUITE / "schema.toml")
SCHEMA_TEXT = (SUITE / "schema.toml").read_text(encoding="utf-8")
TRACEBACK_SIGNS = re.compile(r"Traceback|\braise |\.py:\d+: in ")


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
    properties, merges and the developer metadata (spreadsheet-level and each worksheet's) of a
    spreadsheet."""
    spreadsheet = sheets_client(url, token=token).open_by_key(key)
    metadata = spreadsheet.fetch_sheet_metadata(
        params={
            "fields": "properties.title,sheets(properties,merges,developerMetadata),"
            "developerMetadata"
        }
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
        assert self.stats["mutating_requests"] == 0, "a write was sent"
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


# -- credentials and access: the step items fail with the fix, nothing after them runs --------

NOT_A_KEY = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"

CREDENTIALS_MISTAKES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "not_json": ("{'type': 'service_account'", ("is not valid JSON", "download the key again")),
    "a_json_list": ([], ("of type None", '"type": "service_account"')),
    "of_an_unknown_type": ({"type": "user"}, ("of type 'user'", '"type": "service_account"')),
    "without_a_private_key": (
        {"private_key": None},
        ("incomplete or damaged", "private_key", "download the key again"),
    ),
    "with_a_damaged_private_key": (
        {"private_key": NOT_A_KEY},
        ("incomplete or damaged", "download the key again"),
    ),
}


@pytest.mark.parametrize("mistake", CREDENTIALS_MISTAKES)
def test_a_credentials_file_that_cannot_be_used_is_refused(project: Project, mistake: str):
    content, words = CREDENTIALS_MISTAKES[mistake]
    if isinstance(content, dict):
        info = service_account_info(f"{project.api.url}/token", **content)
        content = {name: value for name, value in {**info, **content}.items() if value is not None}
    path = project.path / "sa.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))

    Attempt(project).refused("--migrate", "--credentials", "sa.json", words=("sa.json", *words))


ACCESS_MISTAKES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "a_credentials_file_that_does_not_exist": (
        ("--credentials", "keys/sa.json"),
        ("keys/sa.json does not exist", "pass its path with --credentials"),
    ),
    "an_unknown_spreadsheet": (
        ("--sheet", "1NoSuchSpreadsheetKeyAtAll0000000000000000"),
        ("1NoSuchSpreadsheetKeyAtAll0000000000000000 was not found (404)", "check --sheet"),
    ),
    "a_backup_that_does_not_exist": (
        ("--backup", "1NoSuchBackupKeyAtAll00000000000000000000"),
        ("1NoSuchBackupKeyAtAll00000000000000000000 was not found (404)", "check --backup"),
    ),
}


@pytest.mark.parametrize("mistake", ACCESS_MISTAKES)
def test_a_spreadsheet_or_credentials_that_cannot_be_reached_fail_the_first_step(
    project: Project, mistake: str
):
    args, words = ACCESS_MISTAKES[mistake]

    result = Attempt(project).refused("--migrate", "-rfEs", *args, words=words)

    assert_later_steps_skipped(result)


def test_an_unreachable_sheets_api_fails_the_first_step(project: Project):
    with EmulatorServer() as stopped:
        url = stopped.url  # a port nothing listens on once the server stops

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--sheets-api",
        url,
        words=(f"cannot reach the Sheets API at {url}", "--sheets-api"),
    )

    assert_later_steps_skipped(result)


def assert_later_steps_skipped(result: pytest.RunResult) -> None:
    result.stdout.fnmatch_lines(["*SKIPPED*test_step_4_init depends on*"])
    assert "passed" not in result.parseoutcomes()


@pytest.fixture
def private_project(pytester: pytest.Pytester, sharing_server: EmulatorServer) -> Project:
    """The demo sheet on the sharing server, owned by someone else and not shared with us."""
    api = LocalApi(sharing_server.url)
    return make_project(pytester, api, seed_owned_demo(api))


def test_a_spreadsheet_not_shared_with_the_service_account_says_to_share_it(
    private_project: Project,
):
    write_key_file(
        private_project.path / "sa.json", service_account_info(f"{private_project.api.url}/token")
    )

    result = Attempt(private_project, OWNER_TOKEN).refused(
        "--migrate",
        "-rfEs",
        "--credentials",
        "sa.json",
        words=(
            "(403 PERMISSION_DENIED)",
            f"share https://docs.google.com/spreadsheets/d/{private_project.sheet}/edit",
            f"with {SERVICE_ACCOUNT} as Editor",
        ),
    )

    assert_later_steps_skipped(result)


def test_a_token_the_api_rejects_says_to_check_the_credentials(private_project: Project):
    # Without credentials the tool sends a static token, which this server does not know.
    result = Attempt(private_project, OWNER_TOKEN).refused(
        "--migrate", "-rfEs", words=("rejected the credentials (401)", "Check --credentials")
    )

    assert_later_steps_skipped(result)


def test_a_token_endpoint_that_refuses_the_key_says_to_check_the_key(project: Project):
    info = service_account_info(f"{project.api.url}/no-token-here")
    write_key_file(project.path / "sa.json", info)

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--credentials",
        "sa.json",
        words=(f"the token endpoint refused {SERVICE_ACCOUNT}", "check token_uri", "new key"),
    )

    assert_later_steps_skipped(result)


def test_a_token_endpoint_that_cannot_be_reached_says_which_and_how_to_fix(project: Project):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused (issue 11).
    write_key_file(project.path / "sa.json", service_account_info("http://127.0.0.1:9/token"))

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--credentials",
        "sa.json",
        "--retry-base-seconds",
        "0.01",
        words=("could not reach the token endpoint http://127.0.0.1:9/token", "token_uri"),
    )

    assert_later_steps_skipped(result)


# -- a sheet the migration cannot work on: refused when the run opens it -----------------------

Values = list[list[Any]]


def renamed(name: str, to: str) -> Callable[[Values], Values]:
    def change(values: Values) -> Values:
        values[0][values[0].index(name)] = to
        return values

    return change


def with_extra_column(values: Values) -> Values:
    return [[*values[0], "Notas"], *([*row, "nota"] for row in values[1:])]


SHEET_MISTAKES: dict[str, tuple[Callable[[Values], Values], tuple[str, ...]]] = {
    "a_column_the_schema_does_not_list": (
        with_extra_column,
        ('columns the schema does not list: "Notas" (column BN)', "give it back its name"),
    ),
    "a_blank_header_cell": (
        renamed("Cliente", ""),
        ("blank header cells in row 1: column C", "Give each of them a header"),
    ),
    "a_duplicate_header_cell": (
        renamed("Cliente", "Proyecto"),
        ('duplicate headers in row 1: "Proyecto" (columns B, C)', "Rename or delete"),
    ),
    "no_key_column": (
        renamed("TAG_SPOOL", "Tag Spool"),
        ("no key column 'TAG_SPOOL'", "fix `key`"),
    ),
}


@pytest.mark.parametrize("mistake", SHEET_MISTAKES)
def test_a_header_the_schema_cannot_map_is_refused_before_any_write(
    pytester: pytest.Pytester, api: LocalApi, mistake: str
):
    change, words = SHEET_MISTAKES[mistake]
    project = make_project(pytester, api, seed_demo(api, change(demo_values())))

    result = Attempt(project).refused("--migrate", "-rfEs", words=words)

    assert_later_steps_skipped(result)


def test_merged_header_cells_are_refused(project: Project):
    project.worksheet().merge_cells("B1:C1")

    result = Attempt(project).refused(
        "--migrate", "-rfEs", words=("header cells B1:C1", "are merged", "unmerge them")
    )

    assert_later_steps_skipped(result)


def test_a_worksheet_the_spreadsheet_lacks_is_refused(project: Project):
    schema = SCHEMA_TEXT.replace('worksheet = "Operaciones"', 'worksheet = "Operations"')
    project.path.joinpath("target.toml").write_text(schema, encoding="utf-8")

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--schema",
        "target.toml",
        words=("has no worksheet 'Operations' (it has 'Operaciones')", "fix `worksheet`"),
    )

    assert_later_steps_skipped(result)


def test_a_new_required_column_without_default_is_refused(project: Project):
    schema = SCHEMA_TEXT + '\n[[columns]]\nname = "Turno"\ntype = "string"\nrequired = true\n'
    project.path.joinpath("target.toml").write_text(schema, encoding="utf-8")

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--schema",
        "target.toml",
        words=('"Turno" is required but has no default', "Give it a default"),
    )

    assert_later_steps_skipped(result)


GRIDS_TOO_BIG = {
    "more_than_18278_columns": (
        {"columnCount": 18_276},
        ("would have 18,279 columns", "allows 18,278", "Delete unused columns"),
    ),
    "more_than_10000000_cells": (
        {"rowCount": 150_000},
        ("= 10,200,000 cells", "holds 10,000,000", "Delete unused (empty) rows"),
    ),
}


@pytest.mark.parametrize("grid", GRIDS_TOO_BIG)
def test_a_migration_that_would_outgrow_the_spreadsheet_is_refused(
    pytester: pytest.Pytester, api: LocalApi, grid: str
):
    size, words = GRIDS_TOO_BIG[grid]
    values = demo_values()
    sheet = {"title": demo.WORKSHEET, "values": values, "rowCount": len(values) + 10, **size}
    project = make_project(pytester, api, api.seed(demo.DEMO_TITLE, [sheet]))

    result = Attempt(project).refused("--migrate", "-rfEs", words=words)

    assert_later_steps_skipped(result)


@pytest.mark.parametrize("mode", ["--migrate", "--dry-run"])
def test_the_cell_limit_counts_every_tab_of_the_spreadsheet(
    pytester: pytest.Pytester, api: LocalApi, mode: str
):
    """Google counts 10,000,000 cells over all tabs: a migration that fits its own tab but takes
    the spreadsheet past the limit is refused before the backup, in a dry run too."""
    values = demo_values()
    rows = len(values) + 10
    migrated = {"title": demo.WORKSHEET, "values": values, "rowCount": rows, "columnCount": 65}
    archive_rows = (10_000_000 - rows * 65) // 100  # fills the spreadsheet to 85 cells short
    archive = {"title": "Archivo", "rowCount": archive_rows, "columnCount": 100}
    project = make_project(pytester, api, api.seed(demo.DEMO_TITLE, [migrated, archive]))

    result = Attempt(project).refused(
        mode,
        "-rfEs",
        words=(
            f"the spreadsheet would have {archive_rows * 100 + rows * 68:,} cells",
            f'its other tabs ("Archivo") hold {archive_rows * 100:,}',
            "holds 10,000,000",
            "Delete unused (empty) rows or columns, or tabs",
        ),
    )

    assert_later_steps_skipped(result)
    assert "exceeds grid limits" not in result.stdout.str()


# -- bad keys: verification failures, so the migration stops before init -----------------------

KEY = demo.header().index("TAG_SPOOL")


def repeated_key(values: Values) -> Values:
    values[6][KEY] = values[5][KEY]
    return values


def blank_key(values: Values) -> Values:
    values[9][KEY] = ""
    return values


BAD_KEYS = {
    "a_repeated_key": (repeated_key, ('repeated key: "SP-00005" at rows 6 and 7',)),
    "a_blank_key": (blank_key, ("blank", "row 10")),
}


@pytest.mark.parametrize("bad_key", BAD_KEYS)
def test_a_repeated_or_blank_key_stops_the_migration_before_init_with_every_row_intact(
    pytester: pytest.Pytester, api: LocalApi, bad_key: str
):
    change, words = BAD_KEYS[bad_key]
    values = change(demo_values())
    project = make_project(pytester, api, seed_demo(api, values))

    result = project.run("--migrate", "-rfEs")

    assert_refused(result, 'key column "TAG_SPOOL"', *words, "fill in or correct")
    result.stdout.fnmatch_lines(["SKIPPED * test_step_4_init depends on step_3_verify*"])
    after = project.worksheet().get_all_values(value_render_option="UNFORMATTED_VALUE")
    by_name = {name: [row[i] for row in after] for i, name in enumerate(after[0])}
    for i, name in enumerate(values[0]):
        assert by_name[name][1:] == [row[i] for row in values[1:]], name
    assert set(by_name["version"][1:]) == {""}, "init did not run"


# -- checkpoints: a damaged one is ignored, one of another migration refused -------------------


def test_a_damaged_checkpoint_is_ignored_with_a_warning_and_the_sheet_decides(project: Project):
    """The warning as the user sees it; every kind of damage is tested directly in
    tests/engine/test_checkpoints.py."""
    assert project.run("--migrate").ret == 0
    checkpoint = project.path / "logs" / "checkpoints" / "step_1_backup.json"
    checkpoint.write_text("\x00\ufffd" + checkpoint.read_text()[3:])  # bytes overwritten
    before = spreadsheet_digest(project.api.url, project.sheet)

    result = project.run("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["warning: *step_1_backup.json is corrupted*ignored*stamps decide*"]
    )
    for step in ("backup", "columns", "verify", "init"):
        result.stdout.fnmatch_lines([f"{step:8} done *"])
    assert spreadsheet_digest(project.api.url, project.sheet) == before
    assert json.loads(checkpoint.read_text())["step"] == "backup", "rewritten from the sheet"


def test_a_checkpoint_of_another_schema_is_refused(project: Project):
    """The refusal as the user sees it; one of another spreadsheet or worksheet is refused the
    same way (tests/engine/test_checkpoints.py)."""
    assert project.run("--migrate").ret == 0
    newer = SCHEMA_TEXT.replace('name = "3.0"', 'name = "3.1"')
    newer += '\n[[columns]]\nname = "Turno"\ntype = "string"\n'
    project.path.joinpath("v3.1").mkdir()
    project.path.joinpath("v3.1", "schema.toml").write_text(newer, encoding="utf-8")

    result = Attempt(project).refused(
        "--migrate",
        "-rfEs",
        "--schema",
        "v3.1/schema.toml",
        words=("belongs to another migration", "schema 3.0:Operaciones", "delete"),
    )

    assert_later_steps_skipped(result)


# -- inputs that look dangerous and must simply work ------------------------------------------

FORMULA_LOOKING = ['=IMPORTXML("https://example.com","//a")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd"]


def test_formula_looking_text_stays_text_through_a_migration(
    pytester: pytest.Pytester, api: LocalApi
):
    values = demo_values()
    column = values[0].index("Cliente")
    for row, text in enumerate(FORMULA_LOOKING, start=1):
        values[row][column] = text
    project = make_project(pytester, api, seed_demo(api, values))

    result = project.run("--migrate")

    assert result.ret == 0, result.stdout.str()
    worksheet = project.worksheet()
    after = worksheet.get_all_values(value_render_option="FORMULA")
    moved = after[0].index("Cliente")
    assert [row[moved] for row in after[1:4]] == FORMULA_LOOKING
    a1 = f"{worksheet.title}!{rowcol_to_a1(2, moved + 1)}:{rowcol_to_a1(4, moved + 1)}"
    grid = worksheet.spreadsheet.fetch_sheet_metadata(
        params={
            "includeGridData": "true",
            "ranges": a1,
            "fields": "sheets.data.rowData.values.userEnteredValue",
        }
    )
    cells = [row["values"][0] for row in grid["sheets"][0]["data"][0]["rowData"]]
    assert cells == [{"userEnteredValue": {"stringValue": text}} for text in FORMULA_LOOKING]


UNICODE_WORKSHEET = "Операции 📦"
UNICODE_SCHEMA = """
[migration]
name = "1.1"
worksheet = "Операции 📦"
key = "编号"

[[columns]]
name = "编号"
type = "string"
required = true

[[columns]]
name = "Название"
type = "string"

[[columns]]
name = "版本"
type = "integer"
default = 0

[[columns]]
name = "🚚 envío"
type = "string"
default = "pendiente ✅"
"""


def test_emoji_and_non_latin_names_migrate_like_any_other(pytester: pytest.Pytester, api: LocalApi):
    values = [["编号", "Название"], *([f"Ж-{n}", f"строка {n} ✨"] for n in range(1, 6))]
    key = api.seed("Таблица", [{"title": UNICODE_WORKSHEET, "values": values, "rowCount": 8}])
    project = make_project(pytester, api, key)
    project.path.joinpath("unicode").mkdir()
    project.path.joinpath("unicode", "schema.toml").write_text(UNICODE_SCHEMA, encoding="utf-8")

    result = project.run("--migrate", "--schema", "unicode/schema.toml")

    assert result.ret == 0, result.stdout.str()
    worksheet = api.client().open_by_key(key).worksheet(UNICODE_WORKSHEET)
    assert worksheet.get_all_values() == [
        ["编号", "Название", "版本", "🚚 envío"],
        *([*row, "0", "pendiente ✅"] for row in values[1:]),
    ]


# -- the validation suite (no --migrate) meets the same standard --------------------------------

VALIDATION_MISTAKES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "a_schema_file_that_does_not_exist": (
        ("--schema", "nowhere.toml"),
        ("sheetmigrate is not configured", "schema file not found", "Pass --schema"),
    ),
    "an_unknown_spreadsheet": (
        ("--sheet", "1NoSuchSpreadsheetKeyAtAll0000000000000000"),
        ("was not found (404)", "check --sheet"),
    ),
}


@pytest.mark.parametrize("mistake", VALIDATION_MISTAKES)
def test_a_validation_run_with_a_mistake_fails_without_a_traceback(project: Project, mistake: str):
    args, words = VALIDATION_MISTAKES[mistake]

    result = Attempt(project).refused("tests/v3.0", "-rfEs", *args, words=words)

    assert result.ret == pytest.ExitCode.USAGE_ERROR, "a setup mistake (docs/ci.md)"
    assert "passed" not in result.parseoutcomes()
