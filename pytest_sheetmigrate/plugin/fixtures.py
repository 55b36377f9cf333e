"""Fixtures: the session's ``Run`` and its steps as ordered session fixtures, and the public
fixtures a suite builds on.

Public (see ``pytest --fixtures``): ``migrated_sheet``, ``snapshot_before``, ``migration_plan``,
``sheet_schema``, ``sheets_client``, ``live_rows``. The ``sheetmigrate_*`` fixtures are the run
and its steps. Each is a few lines over ``run.Run``, which does the work and records it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from _pytest.outcomes import Failed

from ..errors import SheetMigrateError
from ..gateway import Client
from ..plan import Plan
from ..results import StepResult, Verification
from ..run import Run
from ..schema import Schema
from ..settings import Mode
from ..snapshot import Snapshot
from .session import RUN, announce

T = TypeVar("T")


class StepFailed(Failed):
    """An item failed by a ``SheetMigrateError``: its message, no traceback (the run records
    the error, and the session's exit code follows from the record)."""

    __module__ = "builtins"  # as pytest's Failed: the summary line says "StepFailed: ..."

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


def reported(run: Run, where: str, action: Callable[[], T]) -> T:
    """``action()``; a user-facing problem fails the item with its message alone, recorded."""
    try:
        with run.recorded(where):
            return action()
    except SheetMigrateError as error:
        raise StepFailed(str(error)) from None


@pytest.fixture(scope="session")
def sheetmigrate_run(request: pytest.FixtureRequest) -> Iterator[Run]:
    run = request.config.stash.get(RUN, None)
    if run is None:
        pytest.fail(
            "sheetmigrate is not configured in this session: add sheetmigrate_sheet and "
            "sheetmigrate_schema to the [tool.pytest.ini_options] of pyproject.toml, or pass "
            "--sheet and --schema (docs/configuration.md)",
            pytrace=False,
        )
    reported(run, "setup", run.ready)
    yield run
    interrupted = request.session.exitstatus == pytest.ExitCode.INTERRUPTED
    said = reported(run, "close", lambda: run.close(interrupted=interrupted))
    if said is not None:
        announce(request.config, said, always=True)


@pytest.fixture(scope="session")
def sheetmigrate_migration(sheetmigrate_run: Run) -> Run:
    """The run with its sheet opened (three reads: metadata, header, key column)."""
    reported(sheetmigrate_run, "open", sheetmigrate_run.open)
    return sheetmigrate_run


@pytest.fixture(scope="session")
def sheetmigrate_backup(sheetmigrate_run: Run) -> StepResult:
    """Step 1: a Drive copy of the spreadsheet and a local compressed snapshot."""
    return reported(sheetmigrate_run, "backup", sheetmigrate_run.backup)


@pytest.fixture(scope="session")
def sheetmigrate_columns(sheetmigrate_run: Run, sheetmigrate_backup: StepResult) -> StepResult:
    """Step 2: the schema's missing columns, in one batchUpdate with the step's stamp."""
    return reported(sheetmigrate_run, "columns", sheetmigrate_run.columns)


@pytest.fixture(scope="session")
def sheetmigrate_verification(
    sheetmigrate_run: Run, sheetmigrate_columns: StepResult
) -> Verification:
    """Step 3: the seven checks, over every row."""
    return reported(sheetmigrate_run, "verify", sheetmigrate_run.verify)


@pytest.fixture(scope="session")
def sheetmigrate_init(sheetmigrate_run: Run, sheetmigrate_verification: Verification) -> StepResult:
    """Step 4: each added column's default on every data row, one repeatCell per column."""
    run = sheetmigrate_run
    return reported(run, "init", lambda: run.init(sheetmigrate_verification))


@pytest.fixture(scope="session")
def sheetmigrate_rollback(sheetmigrate_run: Run) -> StepResult:
    """``--rollback``: the worksheet restored from the backup, proven equal by digest."""
    return reported(sheetmigrate_run, "rollback", sheetmigrate_run.rollback)


def _after_the_steps(request: pytest.FixtureRequest, run: Run) -> Run:
    """The run, once its last step ran (a migration) or its sheet opened (a validation)."""
    if run.mode is not Mode.VALIDATE:
        request.getfixturevalue("sheetmigrate_init")
    request.getfixturevalue("sheetmigrate_migration")
    return run


@pytest.fixture(scope="session")
def migrated_sheet(request: pytest.FixtureRequest, sheetmigrate_run: Run) -> Snapshot:
    """The worksheet after the migration, as a streamed snapshot: header, row count, per column
    digest, blanks, values off their type or default. Read-only; in a dry run, the planned result.
    """
    run = _after_the_steps(request, sheetmigrate_run)
    return reported(run, "migrated_sheet", run.result_snapshot)


@pytest.fixture(scope="session")
def live_rows(
    request: pytest.FixtureRequest, sheetmigrate_run: Run
) -> Callable[[], Iterator[dict[str, Any]]]:
    """Stream the migrated worksheet's data rows as ``{column: value}`` dicts.

    Call it to read: ``for row in live_rows(): ...``; ``live_rows("Total", "Cantidad")`` reads
    and gives those columns only (a request per ~4 MB of them instead of whole rows). Rows come
    in ~4 MB chunks, so memory stays flat; values are as stored (numbers as numbers, formulas as
    text). Read-only; in a dry run, the planned rows.
    """
    return _after_the_steps(request, sheetmigrate_run).result_rows


@pytest.fixture(scope="session")
def snapshot_before(request: pytest.FixtureRequest, sheetmigrate_run: Run) -> Snapshot:
    """The worksheet as it was before the migration (from the backup step; --migrate only)."""
    if sheetmigrate_run.mode is Mode.VALIDATE:
        pytest.fail(
            "snapshot_before exists only in a migration run (pytest --migrate or --dry-run): "
            "a validation run reads the sheet as it is now (use migrated_sheet)",
            pytrace=False,
        )
    request.getfixturevalue("sheetmigrate_backup")
    before = sheetmigrate_run.before
    assert before is not None
    return before


@pytest.fixture(scope="session")
def migration_plan(sheetmigrate_migration: Run) -> Plan:
    """The plan: columns to add or move, and the exact requests of the write steps."""
    return sheetmigrate_migration.plan


@pytest.fixture(scope="session")
def sheet_schema(sheetmigrate_run: Run) -> Schema:
    """The target schema, loaded from the schema TOML file."""
    return sheetmigrate_run.schema


@pytest.fixture(scope="session")
def sheets_client(sheetmigrate_run: Run) -> Client:
    """A gspread client aimed at the run's Sheets API (Google, or the local server)."""
    return reported(sheetmigrate_run, "open", lambda: sheetmigrate_run.gateway).client
