"""What a session of a mode that migrates refuses at configure time, before any request.

- pytest-xdist: its workers would each skip the steps another worker ran.
- ``--report-dir /a/dir`` (the space form) taken by pytest for a test path, which chose the rootdir
  (and so the ini file) from it: pytest picks its rootdir before it loads any plugin.
- A ``python_files`` setting that matches none of the validation suite's files: pytest would
  collect no suite and ``pytest --migrate`` would pass with nothing tested on the result.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.pathlib import fnmatch_ex

from ..settings import OPTIONS, Mode
from .session import relative

HOLDS_TESTS = re.compile(rb"^\s*(?:async\s+)?def test|^class Test", re.MULTILINE)
NOT_SUITE_FILES = frozenset({"conftest.py", "__init__.py"})


def refuse_parallel_workers(config: pytest.Config, mode: Mode) -> None:
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
            f"a {mode.value} cannot run under pytest-xdist{how}: its steps run in order in "
            "one session (backup, columns, verify, init, then the suite), and xdist workers would "
            "each skip the steps another worker ran. Run it without -n (or with -n 0, -p no:xdist)."
        )


def refuse_values_taken_for_the_rootdir(config: pytest.Config) -> None:
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


def refuse_a_suite_python_files_misses(config: pytest.Config, paths: list[Path]) -> None:
    """Refuse when ``paths`` (the suite's folders) hold test files and ``python_files`` matches
    none of them."""
    patterns = list(config.getini("python_files"))
    files = [file for path in paths for file in _test_files(path)]
    if not files or any(fnmatch_ex(pattern, file) for file in files for pattern in patterns):
        return
    shown = ", ".join(relative(file, config) for file in files[:5])
    more = f" and {len(files) - 5} more" if len(files) > 5 else ""
    where = config.inipath.name if config.inipath else "your pytest configuration"
    example = ", ".join(f'"{p}"' for p in dict.fromkeys([*patterns, _pattern_of(files[0])]))
    raise pytest.UsageError(
        f"python_files = {patterns} matches none of the validation suite's files ({shown}{more}), "
        "so the migration would run with no suite: its last step, the test step, would test "
        f"nothing. Add their pattern to python_files in {where} (for example python_files = "
        f"[{example}]), or rename the files to match it."
    )


def _test_files(path: Path) -> Iterator[Path]:
    """The Python files under ``path`` that define a test (a file path counts as itself)."""
    candidates = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
    for file in candidates:
        hidden = any(part.startswith((".", "__pycache__")) for part in file.parts[-3:-1])
        if file.suffix != ".py" or file.name in NOT_SUITE_FILES or hidden:
            continue
        try:
            if HOLDS_TESTS.search(file.read_bytes()):
                yield file
        except OSError:
            continue


def _pattern_of(file: Path) -> str:
    """A python_files pattern for ``file``: its name up to the first underscore, then ``*``."""
    stem, underscore, _ = file.stem.partition("_")
    return f"{stem}_*.py" if underscore else file.name
