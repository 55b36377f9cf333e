"""The README's demo: `pytest --migrate` on the embedded server, then `demo reset`."""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

import pytest
from sheet_project import SUITE

from pytest_sheetmigrate import demo
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

    demo.reset(demo_project.path)
    result = demo_project.runpytest("tests/v3.0")

    result.stdout.fnmatch_lines(["*the sheet is at schema version 2.1, not 3.0*"])
    values, _ = embedded_values(demo_project)
    assert values[0] == demo.header()


WORKTREE = Path(demo.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def this_checkout_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python`` subprocess imports this checkout's package, not another installed one."""
    monkeypatch.setenv("PYTHONPATH", str(WORKTREE))


def run_module(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, *args)


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


@pytest.mark.parametrize("kill_after", [1, 2])
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
