"""The README's demo: `pytest --migrate` on the embedded server, then `demo reset`."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sheet_project import SUITE

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client


@pytest.fixture
def demo_project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(SUITE, pytester.path / "tests" / "v3.0")
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        sheetmigrate_sheets_api = "embedded"
        sheetmigrate_sheet = "{demo.DEMO_KEY}"
        sheetmigrate_schema = "tests/v3.0/schema.toml"
        """
    )
    return pytester


def embedded_values(pytester: pytest.Pytester) -> tuple[list[list[str]], int]:
    with EmulatorServer(data_dir=pytester.path / ".sheetmigrate" / "embedded") as server:
        sheet = sheets_client(server.url).open_by_key(demo.DEMO_KEY).worksheet(demo.WORKSHEET)
        return sheet.get_all_values(), sheet.row_count


def test_the_demo_migration_leaves_68_columns_and_version_zero_on_all_2556_rows(
    demo_project: pytest.Pytester,
):
    result = demo_project.runpytest("--migrate")

    assert result.ret == 0
    values, grid_rows = embedded_values(demo_project)
    assert len(values[0]) == 68 and values[0][-1] == "version"
    assert len(values) == 1 + demo.DATA_ROWS, "the trailing rows stay empty"
    assert grid_rows == demo.GRID_ROWS
    assert {row[-1] for row in values[1:]} == {"0"}


def test_demo_reset_brings_the_sheet_back_to_v2_1(demo_project: pytest.Pytester):
    demo_project.runpytest("--migrate")

    demo.reset(demo.demo_settings(demo_project.path))
    result = demo_project.runpytest("tests/v3.0")

    result.stdout.fnmatch_lines(["*the sheet is at schema version 2.1, not 3.0*"])
    values, _ = embedded_values(demo_project)
    assert values[0] == demo.header()


# --- the demo's formulas survive the migration (issue 13 item 5) ---------------------------------

ROWS = range(2, 2 + demo.DATA_ROWS)
REPORT = Path("logs") / "migration" / "verification_report.json"
# Resumen's column B after two columns go in at F:G: each reference Google relocates, the lookup's
# index (5) unchanged because its whole range moves as one.
RELOCATED_SUMMARY = [
    "Valor",
    "=COUNTA(Operaciones!I2:I)",
    "=SUM(Operaciones!L:L)",
    "=SUM(Operaciones!Q:Q)",
    "=MAX(Operaciones!$M$2:$M)",
    "=B4/B2",
    '=VLOOKUP("SP-00001", Operaciones!I:M, 5, FALSE)',
]


def embedded_formulas(pytester: pytest.Pytester) -> tuple[list[list[Any]], list[list[Any]]]:
    """Operaciones and Resumen as the FORMULA render gives them (formulas as their text)."""
    with EmulatorServer(data_dir=pytester.path / ".sheetmigrate" / "embedded") as server:
        spreadsheet = sheets_client(server.url).open_by_key(demo.DEMO_KEY)
        return tuple(  # type: ignore[return-value]
            spreadsheet.worksheet(title).get_values(value_render_option="FORMULA")
            for title in (demo.WORKSHEET, demo.SUMMARY)
        )


def column(values: list[list[Any]], name: str) -> list[Any]:
    index = values[0].index(name)
    return [row[index] for row in values[1:]]


def vlookup(values: list[list[Any]], formula: str) -> tuple[str, Any]:
    """The column header and the value ``=VLOOKUP("key", Operaciones!X:Y, n, FALSE)`` answers
    on ``values`` (the local server does not compute formulas; this test does)."""
    found = re.fullmatch(
        r'=VLOOKUP\("([^"]+)", Operaciones!([A-Z]+):[A-Z]+, (\d+), FALSE\)', formula
    )
    assert found, formula
    key, first, index = found[1], column_index(found[2]), int(found[3])
    row = next(row for row in values[1:] if row[first] == key)
    return values[0][first + index - 1], row[first + index - 1]


def column_index(letters: str) -> int:
    return next(i for i in range(200) if column_letter(i) == letters)


def test_the_demo_migration_relocates_every_formula_and_the_lookup_answers_the_same(
    demo_project: pytest.Pytester,
):
    demo_project.runpytest("tests/v3.0")  # seeds the demo
    before, summary_before = embedded_formulas(demo_project)
    assert column(before, demo.TOTAL) == [f"=J{row}*K{row}" for row in ROWS], "seeded as formulas"

    result = demo_project.runpytest("--migrate")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["*verify ran: 7 of 7 checks passed*", "*test ran: 66 passed*"])
    report = json.loads((demo_project.path / REPORT).read_text(encoding="utf-8"))
    types = next(check for check in report["checks"] if check["name"] == "values_match_types")
    assert 'not judged: 2,556 formula cells in "Total"' in types["message"]
    after, summary_after = embedded_formulas(demo_project)
    assert after[0].index(demo.TOTAL) == column_index("Q")
    assert column(after, demo.TOTAL) == [f"=L{row}*M{row}" for row in ROWS]
    assert [row[1] for row in summary_after] == RELOCATED_SUMMARY
    lookup_before, lookup_after = summary_before[-1][1], summary_after[-1][1]
    assert vlookup(after, lookup_after) == vlookup(before, lookup_before)
    assert vlookup(before, lookup_before)[0] == "Precio_Unitario"
    assert demo_project.runpytest("tests/v3.0").ret == 0


def test_the_demo_dry_run_shows_the_letter_map_and_finds_no_formula_that_changes_meaning(
    demo_project: pytest.Pytester,
):
    result = demo_project.runpytest("--migrate", "--dry-run")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*verify planned: 7 of 7 checks passed*",
            "*test planned: 66 passed on the planned result*",
            "columns that change letter: F:BM -> H:BO",
        ]
    )
    assert "accept-formula-changes" not in result.stdout.str(), "no dependent was found"
    before, summary = embedded_formulas(demo_project)
    assert column(before, demo.TOTAL)[0] == "=J2*K2" and summary[-1][1].endswith("G:K, 5, FALSE)")


def test_the_demo_suite_fails_a_total_that_was_not_relocated(demo_project: pytest.Pytester):
    assert demo_project.runpytest("--migrate").ret == 0
    with EmulatorServer(data_dir=demo_project.path / ".sheetmigrate" / "embedded") as server:
        worksheet = sheets_client(server.url).open_by_key(demo.DEMO_KEY).worksheet(demo.WORKSHEET)
        worksheet.update([["=J3*K3"]], "Q3", raw=False)  # the old letters, other columns now

    result = demo_project.runpytest("tests/v3.0")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*test_every_total_formula_multiplies*",
            "*Total should read =L{row}*M{row}: *(3, '=J3*K3')*",
        ]
    )


def test_a_rollback_of_the_demo_gives_every_formula_back(demo_project: pytest.Pytester):
    demo_project.runpytest("tests/v3.0")  # seeds the demo
    before = embedded_formulas(demo_project)
    assert demo_project.runpytest("--migrate").ret == 0

    result = demo_project.runpytest("--rollback")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["*rollback ran:*digest * equals the pre-migration snapshot*"])
    assert embedded_formulas(demo_project) == before


# --- demo reset: only the demo's own state, only in the demo's project ---------------------------

WORKTREE = Path(demo.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def this_checkout_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python`` subprocess imports this checkout's package, not another installed one."""
    monkeypatch.setenv("PYTHONPATH", str(WORKTREE))


def run_module(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, *args)


def user_files(root: Path) -> dict[str, Path]:
    """A user's backups and checkpoints in the default folders, and a sub-folder among them."""
    files = {
        "snapshot": root / "logs" / "migration" / "backup_1AbCusersheet_20260101T000000Z.jsonl.gz",
        "report": root / "logs" / "migration" / "verification_report.json",
        "nested": root / "logs" / "migration" / "2026-01" / "notes.txt",
        "checkpoint": root / "logs" / "checkpoints" / "step_1_backup.json",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("the user's\n", encoding="utf-8")
    return files


@pytest.mark.parametrize(
    "ini",
    [
        'sheetmigrate_sheet = "1AbCusersheet"\nsheetmigrate_schema = "schema.toml"',
        'sheetmigrate_sheets_api = "embedded"\nsheetmigrate_sheet = "my-own-sheet"\n'
        'sheetmigrate_schema = "schema.toml"',
        'sheetmigrate_sheets_api = "http://127.0.0.1:8123"\n'
        f'sheetmigrate_sheet = "{demo.DEMO_KEY}"\nsheetmigrate_schema = "schema.toml"',
        "",
    ],
    ids=["google", "embedded-other-sheet", "url-server", "no-configuration"],
)
def test_demo_reset_refuses_a_project_not_configured_for_the_demo(
    pytester: pytest.Pytester, ini: str
):
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}\n")
    files = user_files(pytester.path)
    embedded_state = pytester.path / ".sheetmigrate" / "embedded" / "journal.bin"
    embedded_state.parent.mkdir(parents=True)
    embedded_state.write_bytes(b"")

    result = run_module(pytester, "-m", "pytest_sheetmigrate.demo", "reset")

    assert result.ret == 2
    result.stderr.fnmatch_lines(["*not configured for the demo*sheetmigrate_sheets_api*"])
    assert "Traceback" not in result.stderr.str()
    assert all(path.exists() for path in [*files.values(), embedded_state])


def test_demo_reset_keeps_snapshots_and_forgets_the_configured_checkpoints(
    demo_project: pytest.Pytester,
):
    demo_project.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        sheetmigrate_sheets_api = "embedded"
        sheetmigrate_sheet = "{demo.DEMO_KEY}"
        sheetmigrate_schema = "tests/v3.0/schema.toml"
        sheetmigrate_report_dir = "out/reports"
        sheetmigrate_checkpoint_dir = "out/checkpoints"
        """
    )
    assert demo_project.runpytest("--migrate").ret == 0
    snapshots = sorted((demo_project.path / "out" / "reports").glob("backup_*.jsonl.gz"))
    assert snapshots, "the backup step wrote a local snapshot"
    (demo_project.path / "out" / "reports" / "older").mkdir()
    files = user_files(demo_project.path)

    result = run_module(demo_project, "-m", "pytest_sheetmigrate.demo", "reset")

    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["*back at schema 2.1*kept 1 local backup snapshot*"])
    assert all(path.exists() for path in [*files.values(), *snapshots])
    assert not list((demo_project.path / "out" / "checkpoints").glob("*.json"))
    validation = demo_project.runpytest("tests/v3.0")
    validation.stdout.fnmatch_lines(["*the sheet is at schema version 2.1, not 3.0*"])
    assert demo_project.runpytest("--migrate").ret == 0, "the demo migrates again from the start"


# --- the demo's first run killed while it seeds the sheet ----------------------------------------

KILLED_WHILE_SEEDING = """
import os, signal, sys
import pytest
from pytest_sheetmigrate.emulator.store import Store

kill_after, done = int(sys.argv[1]), []
execute = Store.execute

def execute_then_maybe_die(self, operation, kwargs, caller):
    result = execute(self, operation, kwargs, caller)
    if operation in self.backend.MUTATING:
        done.append(operation)
        if len(done) == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
    return result

Store.execute = execute_then_maybe_die
pytest.main(["--migrate", "-p", "no:cacheprovider"])
"""


@pytest.mark.parametrize("kill_after", [1, 2, 3])
def test_a_first_run_killed_while_seeding_the_demo_seeds_it_again(
    demo_project: pytest.Pytester, kill_after: int
):
    script = demo_project.makepyfile(killed_while_seeding=KILLED_WHILE_SEEDING)

    killed = run_module(demo_project, str(script), str(kill_after))
    assert killed.ret == -signal.SIGKILL, "killed during seeding, before the migration started"
    assert not list((demo_project.path / "logs" / "checkpoints").glob("*.json")), "no step ran"

    validation = demo_project.runpytest("tests/v3.0")
    validation.stdout.fnmatch_lines(["*the sheet is at schema version 2.1, not 3.0*"])
    result = demo_project.runpytest("--migrate")

    assert result.ret == 0
    values, _ = embedded_values(demo_project)
    assert len(values) == 1 + demo.DATA_ROWS
    assert values[0][-1] == "version" and {row[-1] for row in values[1:]} == {"0"}
    key = values[0].index("TAG_SPOOL")
    assert [row[key] for row in values[1:]] == [f"SP-{n:05d}" for n in range(1, 1 + demo.DATA_ROWS)]
