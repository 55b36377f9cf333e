"""The validation suite a migration runs as its last step must be collected.

A ``python_files`` setting that matches none of the suite's test files makes pytest collect no
suite at all, and ``pytest --migrate`` would migrate the sheet and pass with nothing tested on the
result. Refused at configure time, before any request, naming the setting and the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.pathlib import fnmatch_ex

HOLDS_TESTS = re.compile(rb"^\s*(?:async\s+)?def test|^class Test", re.MULTILINE)
NOT_SUITE_FILES = frozenset({"conftest.py", "__init__.py"})


def refuse_a_suite_python_files_misses(config: pytest.Config, paths: list[Path]) -> None:
    """Refuse when ``paths`` (the suite's folders) hold test files and ``python_files`` matches
    none of them."""
    patterns = list(config.getini("python_files"))
    files = [file for path in paths for file in _test_files(path)]
    if not files or any(fnmatch_ex(pattern, file) for file in files for pattern in patterns):
        return
    shown = ", ".join(_relative(file, config) for file in files[:5])
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


def _relative(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)
