"""Fixtures: the steps as ordered session fixtures, and the public fixtures a suite builds on.

Public (see ``pytest --fixtures``): ``migrated_sheet``, ``snapshot_before``, ``migration_plan``,
``sheet_schema``, ``sheets_client``. The ``sheetmigrate_*`` fixtures are the steps themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from ..connect import open_gateway
from ..errors import SETUP_MISTAKE, SheetMigrateError
from ..gateway import Client, SheetGateway
from ..in_flight import interrupted_message
from ..migration import Migration
from ..plan import Plan
from ..results import StepName, StepResult, Verification
from ..rollback import rollback
from ..schema import Schema
from ..settings import Mode, check_writable_directory
from ..snapshot import Snapshot
from .failures import StepFailed
from .state import STATE, SessionState


@contextmanager
def reported_as_failure() -> Iterator[None]:
    """A user-facing problem fails the item with its message alone, never a traceback."""
    try:
        yield
    except SheetMigrateError as error:
        raise StepFailed(str(error), error.exit_code) from None


@pytest.fixture(scope="session")
def sheetmigrate_state(pytestconfig: pytest.Config) -> SessionState:
    state = pytestconfig.stash.get(STATE, None)
    if state is None:
        pytest.fail(
            "sheetmigrate is not configured in this session: add sheetmigrate_sheet and "
            "sheetmigrate_schema to the [tool.pytest.ini_options] of pyproject.toml, or pass "
            "--sheet and --schema (docs/configuration.md)",
            pytrace=False,
        )
    if state.settings is None or state.schema is None or state.problem:
        raise StepFailed(f"sheetmigrate is not configured: {state.problem}", SETUP_MISTAKE)
    if not state.migrating:  # the first read of the sheet: its reports will be written
        with reported_as_failure():
            check_writable_directory(state.settings.report_dir, "--report-dir")
    return state


@pytest.fixture(scope="session")
def sheetmigrate_gateway(
    pytestconfig: pytest.Config, sheetmigrate_state: SessionState
) -> Iterator[SheetGateway]:
    assert sheetmigrate_state.settings is not None
    with ExitStack() as stack:
        with reported_as_failure():
            gateway = stack.enter_context(open_gateway(sheetmigrate_state.settings))
        sheetmigrate_state.log = gateway.log
        gateway.notify = lambda line: announce(pytestconfig, line)
        yield gateway


@pytest.fixture(scope="session")
def sheetmigrate_migration(
    request: pytest.FixtureRequest,
    sheetmigrate_state: SessionState,
    sheetmigrate_gateway: SheetGateway,
) -> Iterator[Migration]:
    assert sheetmigrate_state.settings is not None and sheetmigrate_state.schema is not None
    with reported_as_failure():
        migration = Migration.open(
            sheetmigrate_state.settings, sheetmigrate_gateway, sheetmigrate_state.schema
        )
    sheetmigrate_state.warnings = migration.checkpoints.warnings  # filled as steps load them
    sheetmigrate_state.migration = migration
    yield migration
    held = migration.lease is not None or migration.taking is not None
    with reported_as_failure():
        write = migration.close()
    if request.session.exitstatus == pytest.ExitCode.INTERRUPTED and sheetmigrate_state.mode.writes:
        line = interrupted_message(
            _step_running(sheetmigrate_state),
            write,
            f"pytest {_flag(sheetmigrate_state)}",
            released=held,
        )
        announce(request.config, line, always=True)


def _step_running(state: SessionState) -> str | None:
    """The first of the mode's steps that did not finish (None: they all did)."""
    finished = {step.step for step in state.steps}
    migrating = ("backup", "columns", "verify", "init")
    order = ("rollback",) if state.mode is Mode.ROLLBACK else migrating
    return next((step for step in order if step not in finished), None)


def _flag(state: SessionState) -> str:
    return "--rollback" if state.mode is Mode.ROLLBACK else "--migrate"


def _step(
    config: pytest.Config,
    state: SessionState,
    migration: Migration,
    run: Callable[[], StepResult],
) -> StepResult:
    """Run one step and say so on the terminal: rows, cells, requests and time."""
    started, sent = time.perf_counter(), migration.gateway.log.total
    with reported_as_failure():
        result = run()
    state.steps.append(result)
    announce(
        config,
        f"{result.step} {result.status}: {result.summary} "
        f"({migration.data_rows:,} rows, {migration.data_rows * len(migration.layout):,} cells, "
        f"{migration.gateway.log.total - sent} requests, {time.perf_counter() - started:.2f} s)",
    )
    return result


def announce(config: pytest.Config, line: str, *, always: bool = False) -> None:
    """A progress line in pytest's terminal style; ``-q`` keeps them for the summary only
    (unless ``always``)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or (config.get_verbosity() < 0 and not always):
        return
    with capture.global_and_fixture_disabled():  # steps run inside an item's setup
        reporter.write_line(f"sheetmigrate: {line}")


@pytest.fixture(scope="session")
def sheetmigrate_backup(
    pytestconfig: pytest.Config, sheetmigrate_state: SessionState, sheetmigrate_migration: Migration
) -> StepResult:
    """Step 1: a Drive copy of the spreadsheet and a local compressed snapshot."""
    return _step(
        pytestconfig, sheetmigrate_state, sheetmigrate_migration, sheetmigrate_migration.backup
    )


@pytest.fixture(scope="session")
def sheetmigrate_columns(
    pytestconfig: pytest.Config,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
    sheetmigrate_backup: StepResult,
) -> StepResult:
    """Step 2: the schema's missing columns, in one batchUpdate with the step's stamp."""
    return _step(
        pytestconfig, sheetmigrate_state, sheetmigrate_migration, sheetmigrate_migration.columns
    )


@pytest.fixture(scope="session")
def sheetmigrate_verification(
    pytestconfig: pytest.Config,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
    sheetmigrate_columns: StepResult,
) -> Verification:
    """Step 3: the seven checks, over every row."""
    with reported_as_failure():
        verification = sheetmigrate_migration.verify()
    sheetmigrate_state.verification = verification
    passed = sum(result.passed for result in verification.results.values())
    summary = f"{passed} of {len(verification.results)} checks passed"
    sheetmigrate_state.steps.append(StepResult(StepName.VERIFY, verification.status, summary))
    announce(pytestconfig, f"verify {verification.status}: {summary}")
    return verification


@pytest.fixture(scope="session")
def sheetmigrate_init(
    pytestconfig: pytest.Config,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
    sheetmigrate_verification: Verification,
) -> StepResult:
    """Step 4: each added column's default on every data row, one repeatCell per column."""
    migration = sheetmigrate_migration
    return _step(
        pytestconfig,
        sheetmigrate_state,
        migration,
        lambda: migration.init(sheetmigrate_verification),
    )


@pytest.fixture(scope="session")
def sheetmigrate_rollback(
    pytestconfig: pytest.Config,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
) -> StepResult:
    """``--rollback``: the worksheet restored from the backup, proven equal by digest."""
    force = bool(pytestconfig.getoption("sheetmigrate_force_rollback"))
    migration = sheetmigrate_migration
    return _step(
        pytestconfig, sheetmigrate_state, migration, lambda: rollback(migration, force=force)
    )


@pytest.fixture(scope="session")
def migrated_sheet(
    request: pytest.FixtureRequest,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
) -> Snapshot:
    """The worksheet after the migration, as a streamed snapshot: header, row count, per column
    digest, blanks, values off their type or default. Read-only; in a dry run, the planned result.
    """
    if sheetmigrate_state.migrating:
        request.getfixturevalue("sheetmigrate_init")
    with reported_as_failure():
        return sheetmigrate_migration.result_snapshot()


@pytest.fixture(scope="session")
def live_rows(
    request: pytest.FixtureRequest,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
) -> Callable[[], Iterator[dict[str, Any]]]:
    """Stream the migrated worksheet's data rows as ``{column: value}`` dicts.

    Call it to read: ``for row in live_rows(): ...``. Rows come in ~2 MB chunks, so memory stays
    flat; values are as stored (numbers as numbers, formulas as text). Read-only; in a dry run,
    the planned rows.
    """
    if sheetmigrate_state.migrating:  # the rows after the last step, not a snapshot of them
        request.getfixturevalue("sheetmigrate_init")
    return sheetmigrate_migration.result_rows


@pytest.fixture(scope="session")
def snapshot_before(
    request: pytest.FixtureRequest,
    sheetmigrate_state: SessionState,
    sheetmigrate_migration: Migration,
) -> Snapshot:
    """The worksheet as it was before the migration (from the backup step; --migrate only)."""
    if not sheetmigrate_state.migrating:
        pytest.fail(
            "snapshot_before exists only in a migration run (pytest --migrate or --dry-run): "
            "a validation run reads the sheet as it is now (use migrated_sheet)",
            pytrace=False,
        )
    request.getfixturevalue("sheetmigrate_backup")
    assert sheetmigrate_migration.before is not None
    return sheetmigrate_migration.before


@pytest.fixture(scope="session")
def migration_plan(sheetmigrate_migration: Migration) -> Plan:
    """The plan: columns to add or move, and the exact requests of the write steps."""
    return sheetmigrate_migration.plan


@pytest.fixture(scope="session")
def sheet_schema(sheetmigrate_state: SessionState) -> Schema:
    """The target schema, loaded from the schema TOML file."""
    assert sheetmigrate_state.schema is not None
    return sheetmigrate_state.schema


@pytest.fixture(scope="session")
def sheets_client(sheetmigrate_gateway: SheetGateway) -> Client:
    """A gspread client aimed at the run's Sheets API (Google, or the local server)."""
    return sheetmigrate_gateway.client
