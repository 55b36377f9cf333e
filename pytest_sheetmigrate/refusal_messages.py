"""What a session of a mode that migrates refuses before any request, told as a ``ConfigError``;
the pytest layer detects the cases that need pytest's internals (plugin/refusals.py).

- pytest-xdist: its workers would each skip the steps another worker ran.
- ``--report-dir /a/dir`` (the space form) taken by pytest for a test path, which chose the rootdir
  (and so the ini file) from it: pytest picks its rootdir before it loads any plugin.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError
from .settings import OPTIONS, Mode


def parallel_workers_refused(mode: Mode, numprocesses: object) -> ConfigError:
    """The refusal of a run under pytest-xdist (``numprocesses``: its ``-n``, if given)."""
    how = f" (-n {numprocesses})" if numprocesses else ""
    return ConfigError(
        f"a {mode.value} cannot run under pytest-xdist{how}: its steps run in order in "
        "one session (backup, columns, verify, init, then the suite), and xdist workers would "
        "each skip the steps another worker ran. Run it without -n (or with -n 0, -p no:xdist)."
    )


def space_form(args: list[str]) -> list[tuple[str, str]]:
    """Each option given as ``--flag value`` in ``args``, as ``(flag, value)``."""
    flags = {option.flag for option in OPTIONS}
    return [(flag, value) for flag, value in zip(args, args[1:], strict=False) if flag in flags]


def rootdir_taken_refused(
    given: list[tuple[str, str]], rootdir: Path, inipath: Path | None
) -> ConfigError:
    """The refusal of the options ``given`` in the space form, whose values chose ``rootdir``."""
    written = " ".join(f"{flag}={value}" for flag, value in given)
    return ConfigError(
        f"pytest took {' and '.join(value for _, value in given)} for a test path and chose "
        f"its rootdir {rootdir} from it, so {inipath or 'your pytest configuration'} was "
        f"not read (pytest picks its rootdir before it loads plugins): write {written}"
    )
