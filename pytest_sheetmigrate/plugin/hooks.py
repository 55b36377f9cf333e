"""pytest hooks: options, the report header, the built-in step items, and the reports."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from types import ModuleType

import pytest
from _pytest.config import ExitCode

from ..errors import LocalWriteError
from ..report import RunFacts, render_plan, write_reports
from ..settings import OPTIONS, Mode
from . import builtin_rollback, builtin_tests, builtin_validate
from .completeness import StepsMustAllRun
from .state import STATE, SessionState, build_state, is_configured
from .suite import refuse_a_suite_python_files_misses

SHEET_FIXTURES = frozenset({"migrated_sheet", "live_rows", "sheetmigrate_migration"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sheetmigrate", "Google Sheet schema migration (pytest-sheetmigrate)")
    group.addoption(
        "--migrate",
        action="store_true",
        dest="sheetmigrate_migrate",
        help="migrate the sheet for real: backup, columns, verify, init, then the suite",
    )
    group.addoption(
        "--dry-run",
        action="store_true",
        dest="sheetmigrate_dry_run",
        help="with --migrate: read, plan and verify in memory; send no write at all",
    )
    group.addoption(
        "--rollback",
        action="store_true",
        dest="sheetmigrate_rollback",
        help="restore the worksheet from the migration's backup and remove its stamps",
    )
    group.addoption(
        "--force-rollback",
        action="store_true",
        dest="sheetmigrate_force_rollback",
        help="with --rollback: restore the backup even though the rows changed since the migration",
    )
    group.addoption(
        "--break-lock",
        action="store_true",
        dest="sheetmigrate_break_lock",
        help="remove another run's migration lease first (only when that run is dead)",
    )
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


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not is_configured(config):
        return  # not a sheetmigrate session: no items, no dependencies, no plugins, no reports
    if config.getoption("sheetmigrate_dry_run") and config.getoption("sheetmigrate_rollback"):
        raise pytest.UsageError(
            "--dry-run and --rollback cannot be combined: a rollback always writes. "
            "Run pytest --migrate --dry-run to see a plan, or pytest --rollback to restore."
        )
    if config.getoption("sheetmigrate_migrate") and config.getoption("sheetmigrate_rollback"):
        raise pytest.UsageError(
            "--migrate and --rollback cannot be combined: one migrates, the other undoes it. "
            "Run pytest --migrate to migrate, or pytest --rollback to restore the backup."
        )
    if config.getoption("sheetmigrate_force_rollback") and not config.getoption(
        "sheetmigrate_rollback"
    ):
        raise pytest.UsageError(
            "--force-rollback goes with --rollback: pytest --rollback --force-rollback"
        )
    _refuse_values_taken_for_the_rootdir(config)
    state = build_state(config)
    if state.migrating:
        _refuse_parallel_workers(config, state)
        config.pluginmanager.register(StepsMustAllRun(config), "sheetmigrate-steps-must-all-run")
    config.stash[STATE] = state
    if (
        state.migrating
        and state.schema is not None
        and config.args_source != (pytest.Config.ArgsSource.ARGS)
    ):
        # pytest --migrate with no paths runs the validation suite beside the schema file.
        config.args = [str(state.schema.path.parent)]
    if state.migrating and state.mode is not Mode.ROLLBACK:
        refuse_a_suite_python_files_misses(config, _suite_paths(config))
    if not hasattr(config, "_json_report"):
        from pytest_jsonreport.plugin import JSONReport

        config.option.json_report_file = None  # keep it in memory: we write our own reports
        plugin = JSONReport(config)
        config._json_report = plugin  # type: ignore[attr-defined]
        config.pluginmanager.register(plugin, "sheetmigrate-json-report")


def _suite_paths(config: pytest.Config) -> list[Path]:
    """The files and folders the session collects its suite from (``path::test`` as ``path``)."""
    where = config.invocation_params.dir
    return [where / arg.split("::")[0] for arg in config.args if not arg.startswith("-")]


def _refuse_parallel_workers(config: pytest.Config, state: SessionState) -> None:
    """pytest-xdist would spread the steps over workers, each skipping those it did not run."""
    option = config.option
    numprocesses = getattr(option, "numprocesses", None)
    in_worker = bool(os.environ.get("PYTEST_XDIST_WORKER")) or hasattr(config, "workerinput")
    distributed = config.pluginmanager.hasplugin("xdist") and (
        bool(numprocesses)
        or getattr(option, "dist", "no") != "no"
        or bool(getattr(option, "tx", None))
    )
    if in_worker or distributed:
        how = f" (-n {numprocesses})" if numprocesses else ""
        raise pytest.UsageError(
            f"a {state.mode.value} cannot run under pytest-xdist{how}: its steps run in order in "
            "one session (backup, columns, verify, init, then the suite), and xdist workers would "
            "each skip the steps another worker ran. Run it without -n (or with -n 0, -p no:xdist)."
        )


def _refuse_values_taken_for_the_rootdir(config: pytest.Config) -> None:
    """pytest chooses its rootdir and ini file before it loads any plugin, so the value of
    ``--report-dir /a/dir`` looks to it like a test path: refuse when that changed the choice."""
    given = [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *config.invocation_params.args]
    flags = {option.flag for option in OPTIONS}
    pairs = zip(given, given[1:], strict=False)
    space_form = [(flag, value) for flag, value in pairs if flag in flags]
    if not space_form:
        return
    from _pytest.config.findpaths import determine_setup

    option = config.option
    rootpath, inipath, *_ = determine_setup(
        inifile=option.inifilename,
        override_ini=option.override_ini,
        args=list(option.file_or_dir or ()),
        rootdir_cmd_arg=option.rootdir or None,
        invocation_dir=config.invocation_params.dir,
    )
    if (rootpath, inipath) == (config.rootpath, config.inipath):
        return
    written = " ".join(f"{flag}={value}" for flag, value in space_form)
    raise pytest.UsageError(
        f"pytest took {' and '.join(value for _, value in space_form)} for a test path and chose "
        f"its rootdir {config.rootpath} from it, so {inipath or 'your pytest configuration'} was "
        f"not read (pytest picks its rootdir before it loads plugins): write {written}"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.session = session  # so the reports, written last, can still fail the session


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE, None)
    if state is None or state.settings is None or state.schema is None:
        return [f"sheetmigrate: not configured ({state.problem})"] if state else []
    settings, schema = state.settings, state.schema
    return [
        f"sheetmigrate: {settings.target}, worksheet {schema.worksheet!r}, "
        f"schema {schema.name} ({_relative(schema.path, config)}), mode: {state.mode.value}"
    ]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Put the built-in items first. Last of the hooks, so ``-k`` and ``-m`` select among the
    suite's tests but never drop a step the suite depends on."""
    state = config.stash.get(STATE, None)
    if state is None:
        return  # a session that has not configured sheetmigrate
    if state.mode is Mode.ROLLBACK:
        config.hook.pytest_deselected(items=list(items))
        items[:] = _builtin_items(session, builtin_rollback)
        state.expected_steps = [item.nodeid for item in items]
        return
    module: ModuleType
    if state.migrating:
        module, depends = builtin_tests, "step_4_init"
    elif any(SHEET_FIXTURES & set(getattr(item, "fixturenames", ())) for item in items):
        module, depends = builtin_validate, "schema_version"
    else:
        return  # an ordinary test run: the plugin stays out of the way
    for item in items:
        _depend_on(item, depends)
    builtins = _builtin_items(session, module)
    items[:0] = builtins
    if state.migrating:
        state.expected_steps = [item.nodeid for item in builtins]


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


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    state: SessionState | None = config.stash.get(STATE, None)
    if state is not None and state.setup_mistakes:
        terminalreporter.write_line(
            "sheetmigrate: exit code 4: a setup mistake stopped the run (its message is above): "
            "fix it and run the same command again",
            red=True,
        )
    if state is None or state.settings is None or state.schema is None:
        return
    if not (state.migrating or state.migration is not None):
        return  # an ordinary test run that never touched a sheet
    _print_steps(terminalreporter, state)
    json_report = getattr(config, "_json_report", None)
    if json_report is None or json_report.report is None or config.option.collectonly:
        return  # --collect-only ran nothing: it reports nothing
    parts, _ = terminalreporter.build_summary_stats_line()
    duration = json_report.report.get("duration", 0.0)
    summary = ", ".join(text for text, _ in parts) + f" in {duration:.2f}s"
    verification = state.verification
    facts = RunFacts(
        spreadsheet=state.settings.spreadsheet_key,
        worksheet=state.schema.worksheet,
        schema_version=state.schema.name,
        mode=state.mode.value,
        requests=state.log.to_dict() if state.log else {},
        check_messages={n: r.message for n, r in verification.results.items()}
        if verification
        else {},
    )
    try:
        paths = write_reports(state.settings.report_dir, json_report.report, summary, facts)
    except LocalWriteError as error:
        terminalreporter.write_line(f"sheetmigrate: {error}", red=True)
        if state.session is not None and exitstatus in (ExitCode.OK, ExitCode.TESTS_FAILED):
            state.session.exitstatus = error.exit_code
        return
    terminalreporter.write_line(
        "sheetmigrate: reports written to " + ", ".join(_relative(p, config) for p in paths[-2:])
    )
    if exitstatus == ExitCode.OK and state.mode is Mode.DRY_RUN:
        terminalreporter.write_line("sheetmigrate: dry run: nothing was written to the sheet")


def _print_steps(terminalreporter, state: SessionState) -> None:  # type: ignore[no-untyped-def]
    if not (state.steps or state.warnings):
        return
    terminalreporter.section("sheetmigrate")
    for step in state.steps:
        terminalreporter.write_line(f"{step.step:8} {step.status:8} {step.summary}")
    if state.mode is Mode.DRY_RUN and state.migration is not None:
        for line in render_plan(state.migration.plan, state.steps):
            terminalreporter.write_line(line)
        for step in state.steps if terminalreporter.config.get_verbosity() > 0 else ():
            if step.requests:
                terminalreporter.write_line(f"{step.step}: the batchUpdate body it would send:")
                body = {"requests": step.requests}
                terminalreporter.write_line(json.dumps(body, indent=2, ensure_ascii=False))
    for warning in state.warnings:
        terminalreporter.write_line(f"warning: {warning}", yellow=True)


def _relative(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)
