"""``pytest --status [--check]``: the sheet's status (commands.status) instead of a session.

Answered in ``pytest_cmdline_main``, as ``--fixtures`` and ``--markers`` are: nothing is collected
or run, no step item, no report written. The same lines and exit codes as ``sheetmigrate status``
(cli.py): 0; with ``--check`` 1 when a version is pending or a header drifted; 4 for a setup
mistake, told by its message.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .. import commands
from ..errors import SheetMigrateError
from ..settings import FLAGS, Mode, resolve


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sheetmigrate")
    group.addoption(
        "--status",
        action="store_true",
        dest="sheetmigrate_status",
        help="print the sheet's version, pending versions, drift and lease; run nothing",
    )
    group.addoption(
        "--check",
        action="store_true",
        dest="sheetmigrate_check",
        help="with --status: exit 1 when a version is pending or the header drifted (for CI)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if not config.getoption("sheetmigrate_status"):
        if config.getoption("sheetmigrate_check"):
            return _usage("--check goes with --status: pytest --status --check")
        return None
    given = [name for name in FLAGS if config.getoption(f"sheetmigrate_{name}")]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        return _usage(f"--status reads only; it does not go with {flags}")
    try:
        settings = resolve(
            lambda option: config.getoption(f"sheetmigrate_{option.name}"),
            Mode.VALIDATE,
            Path(config.rootpath),
            ini=lambda option: config.getini(option.ini) or None,
        )
        report = commands.status(settings, progress=lambda line: print(line, file=sys.stderr))
    except SheetMigrateError as error:
        return _usage(str(error), error.exit_code)
    print("\n".join(report.lines))  # before pytest_configure: no terminal reporter yet
    return report.exit_code(config.getoption("sheetmigrate_check"))


def _usage(message: str, code: int = pytest.ExitCode.USAGE_ERROR) -> int:
    print(f"ERROR: {message}", file=sys.stderr)  # as pytest shows a usage error
    return code
