"""What one pytest session knows about its migration, kept in ``config.stash``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..errors import SheetMigrateError
from ..gateway import RequestLog
from ..migration import Migration
from ..results import StepResult, Verification
from ..schema import Schema, load_schema
from ..settings import OPTIONS, Mode, Option, Settings, check_writable_directory, resolve


@dataclass
class SessionState:
    mode: Mode
    settings: Settings | None = None
    schema: Schema | None = None
    problem: str | None = None  # why settings could not be resolved (validate mode only)
    steps: list[StepResult] = field(default_factory=list)
    verification: Verification | None = None
    migration: Migration | None = None
    log: RequestLog | None = None
    warnings: list[str] = field(default_factory=list)  # shown with the steps
    expected_steps: list[str] = field(default_factory=list)  # node ids of the built-in items
    setup_mistakes: list[str] = field(default_factory=list)  # items failed by one: exit 4
    session: pytest.Session | None = None

    @property
    def migrating(self) -> bool:
        return self.mode is not Mode.VALIDATE


STATE = pytest.StashKey[SessionState]()


FLAGS = ("migrate", "dry_run", "rollback", "force_rollback", "break_lock")
CONFIGURING_ENV = ("SHEETMIGRATE_SHEET", "SHEETMIGRATE_SCHEMA")


def is_configured(config: pytest.Config) -> bool:
    """A session uses sheetmigrate when it was given one of its flags or options, one of its ini
    keys (``sheetmigrate_*``), or a sheet or schema by environment variable. Any other session
    (another project in the same environment) is left alone."""
    if any(config.getoption(f"sheetmigrate_{flag}") for flag in FLAGS):
        return True
    if any(config.getoption(f"sheetmigrate_{option.name}") is not None for option in OPTIONS):
        return True
    if any(config.getini(option.ini) for option in OPTIONS):
        return True
    return any(os.environ.get(name) for name in CONFIGURING_ENV)


def mode_of(config: pytest.Config) -> Mode:
    if config.getoption("sheetmigrate_rollback"):
        return Mode.ROLLBACK
    if config.getoption("sheetmigrate_dry_run"):
        return Mode.DRY_RUN
    if config.getoption("sheetmigrate_migrate"):
        return Mode.MIGRATE
    return Mode.VALIDATE


def build_state(config: pytest.Config) -> SessionState:
    """Resolve settings and schema; a user mistake is a UsageError when migrating."""
    state = SessionState(mode=mode_of(config))

    def command_line(option: Option) -> str | None:
        return config.getoption(f"sheetmigrate_{option.name}")

    def ini(option: Option) -> str | None:
        return config.getini(option.ini) or None

    try:
        state.settings = resolve(
            command_line,
            state.mode,
            Path(config.rootpath),
            ini=ini,
            break_lock=bool(config.getoption("sheetmigrate_break_lock")),
        )
        state.schema = load_schema(state.settings.schema_path)
        if state.migrating:  # every mode but validation writes reports, the writing ones more
            check_writable_directory(state.settings.report_dir, "--report-dir")
        if state.mode.writes:
            check_writable_directory(state.settings.checkpoint_dir, "--checkpoint-dir")
    except SheetMigrateError as error:
        if state.migrating:
            raise pytest.UsageError(str(error)) from None
        state.problem = str(error)
    return state
