"""The ``sheetmigrate`` console script: the read-only commands without a pytest session.

``sheetmigrate status [--check] [--rootdir DIR]`` prints each worksheet's version, history,
pending versions, drift and any lease held, with the project's settings read as pytest reads them
(the options, which are pytest's flags: ``--sheet``, ``--schema``, ...; then the ``SHEETMIGRATE_*``
environment variables; then the project's ini file). Exit codes: 0; with
``--check`` 1 when a version is pending or a header drifted; 4 for a setup mistake (docs/ci.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import commands
from .errors import SheetMigrateError
from .project_ini import project_ini
from .settings import OPTIONS, Mode, resolve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sheetmigrate", description="pytest-sheetmigrate's read-only commands"
    )
    commands_parser = parser.add_subparsers(dest="command", required=True)
    status = commands_parser.add_parser(
        "status", help="each worksheet's version, history, pending versions, drift and lease"
    )
    status.add_argument(
        "--check", action="store_true", help="exit 1 when a version is pending or a header drifted"
    )
    status.add_argument(
        "--rootdir", type=Path, default=Path.cwd(), help="the project's folder (default: here)"
    )
    for option in OPTIONS:  # the same settings as pytest's, with the same flags
        status.add_argument(option.flag, dest=option.name, metavar=option.metavar, help=option.help)
    args = parser.parse_args(argv)
    try:
        rootdir, keys = project_ini(args.rootdir.resolve())
        settings = resolve(
            lambda option: getattr(args, option.name),
            Mode.VALIDATE,
            rootdir,
            ini=lambda option: keys.get(option.ini),
        )
        report = commands.status(settings, progress=lambda line: print(line, file=sys.stderr))
    except SheetMigrateError as error:
        print(f"sheetmigrate: {error}", file=sys.stderr)
        return error.exit_code
    print("\n".join(report.lines))
    return report.exit_code(args.check)


if __name__ == "__main__":
    raise SystemExit(main())
