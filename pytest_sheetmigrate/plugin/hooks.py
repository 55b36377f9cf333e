"""pytest hooks: options, configuration, the report header and the built-in step items.

A configured session gets one ``Run`` (the engine's, run.py) in ``config.stash[RUN]``, opened and
stepped by the fixtures, and a ``RunReporter`` (session.py) that maps its record to pytest.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest
from pytest_jsonreport.plugin import JSONReport

from ..errors import SheetMigrateError
from ..report import header_line
from ..run import Flags, Run
from ..settings import FLAGS, OPTIONS, Mode, Option
from . import builtin_rollback, builtin_tests, builtin_validate
from .completeness import StepsMustAllRun
from .refusals import (
    refuse_a_suite_python_files_misses,
    refuse_parallel_workers,
    refuse_values_taken_for_the_rootdir,
)
from .session import RUN, RunReporter, announce

CONFIGURING_ENV = ("SHEETMIGRATE_SHEET", "SHEETMIGRATE_SCHEMA")
SHEET_FIXTURES = frozenset({"migrated_sheet", "live_rows", "sheetmigrate_migration"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sheetmigrate", "Google Sheet schema migration (pytest-sheetmigrate)")
    for name, help in FLAGS.items():
        flag = "--" + name.replace("_", "-")
        group.addoption(flag, action="store_true", dest=f"sheetmigrate_{name}", help=help)
    for option in OPTIONS:
        env = f" [env {option.env}]" if option.env else ""
        group.addoption(
            option.flag,
            dest=f"sheetmigrate_{option.name}",
            default=None,
            metavar=option.metavar,
            help=option.help + env,
        )
        parser.addini(option.ini, option.help, default=None)


def is_configured(config: pytest.Config) -> bool:
    """A session uses sheetmigrate when it was given one of its flags or options, one of its ini
    keys (``sheetmigrate_*``), or a sheet or schema by environment variable. Any other session
    (another project in the same environment) is left alone."""
    return (
        any(config.getoption(f"sheetmigrate_{flag}") for flag in FLAGS)
        or any(given(config, option) is not None for option in OPTIONS)
        or any(config.getini(option.ini) for option in OPTIONS)
        or any(os.environ.get(name) for name in CONFIGURING_ENV)
    )


def given(config: pytest.Config, option: Option) -> str | None:
    return config.getoption(f"sheetmigrate_{option.name}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not is_configured(config):
        return  # not a sheetmigrate session: no items, no dependencies, no plugins, no reports
    flags = Flags(**{name: bool(config.getoption(f"sheetmigrate_{name}")) for name in FLAGS})
    try:
        flags.mode()  # flags that mean nothing together are refused first
        refuse_values_taken_for_the_rootdir(config)
        run = Run.from_options(
            flags,
            lambda option: given(config, option),
            lambda option: config.getini(option.ini) or None,
            Path(config.rootpath),
            progress=lambda line: announce(config, line),
        )
        if run.mode is not Mode.VALIDATE:
            refuse_parallel_workers(config, run.mode)
            config.pluginmanager.register(StepsMustAllRun(config), StepsMustAllRun.NAME)
            if config.args_source != pytest.Config.ArgsSource.ARGS:
                # pytest --migrate with no paths runs the validation suite beside the schema file.
                config.args = [str(run.schema.path.parent)]
        if run.mode in (Mode.MIGRATE, Mode.DRY_RUN):
            refuse_a_suite_python_files_misses(config)
    except SheetMigrateError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[RUN] = run
    config.pluginmanager.register(RunReporter(config, run), "sheetmigrate-run-reporter")
    if not any(isinstance(plugin, JSONReport) for plugin in config.pluginmanager.get_plugins()):
        # The user's own (--json-report, or one given to pytest.main) feeds the record as well.
        config.option.json_report_file = None  # "--json-report-file=none": kept in memory only
        config.pluginmanager.register(JSONReport(config), "sheetmigrate-json-report")


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(RUN, None)
    if run is None:
        return []
    if run.problem is not None:
        return [f"sheetmigrate: not configured ({run.problem})"]
    return [header_line(run.settings, run.schema)]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Put the built-in items first. Last of the hooks, so ``-k`` and ``-m`` select among the
    suite's tests but never drop a step the suite depends on."""
    run = config.stash.get(RUN, None)
    if run is None:
        return  # a session that has not configured sheetmigrate
    checker: StepsMustAllRun | None = config.pluginmanager.get_plugin(StepsMustAllRun.NAME)
    if run.mode is Mode.ROLLBACK and checker is not None:
        config.hook.pytest_deselected(items=list(items))
        items[:] = checker.expected = _builtin_items(session, builtin_rollback)
        return
    module: ModuleType
    if run.mode is not Mode.VALIDATE:
        module, depends = builtin_tests, "step_4_init"
    elif any(SHEET_FIXTURES & set(getattr(item, "fixturenames", ())) for item in items):
        module, depends = builtin_validate, "schema_version"
    else:
        return  # an ordinary test run: the plugin stays out of the way
    for item in items:
        _depend_on(item, depends)
    builtins = _builtin_items(session, module)
    items[:0] = builtins
    if checker is not None:
        checker.expected = builtins


def _builtin_items(session: pytest.Session, module: ModuleType) -> list[pytest.Item]:
    """The built-in items of ``module``, collected under the node id ``sheetmigrate``."""
    collector = pytest.Module.from_parent(
        session, path=Path(str(module.__file__)), nodeid="sheetmigrate"
    )
    return list(session.genitems(collector))


def _depend_on(item: pytest.Item, name: str) -> None:
    """Make ``item`` skip when step ``name`` did not pass (pytest-dependency, session scope)."""
    own = item.get_closest_marker("dependency")
    kwargs = dict(own.kwargs) if own else {}
    kwargs["depends"] = [*kwargs.get("depends", []), name]
    kwargs["scope"] = "session"
    item.add_marker(pytest.mark.dependency(**kwargs), append=False)
