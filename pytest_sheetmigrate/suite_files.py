"""The validation suite's test files, and the refusal of a ``python_files`` setting that matches
none of them: pytest would collect no suite, and ``pytest --migrate`` would pass with nothing
tested on the result. No pytest here: the caller passes pytest's own pattern matcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import ConfigError
from .settings import shown_path

HOLDS_TESTS = re.compile(rb"^\s*(?:async\s+)?def test|^class Test", re.MULTILINE)
NOT_SUITE_FILES = frozenset({"conftest.py", "__init__.py"})

Matcher = Callable[[str, Path], bool]
"""Whether a ``python_files`` pattern matches a file, as pytest decides it."""


def refuse_python_files_missing_the_suite(
    patterns: list[str], paths: Iterable[Path], matches: Matcher, rootdir: Path, ini: Path | None
) -> None:
    """Refuse when ``paths`` (the suite's files and folders) hold test files and none matches
    any of ``patterns``; ``ini`` is the configuration file the message tells to change."""
    files = [file for path in paths for file in suite_test_files(path)]
    if not files or any(matches(pattern, file) for file in files for pattern in patterns):
        return
    shown = ", ".join(shown_path(file, rootdir) for file in files[:5])
    more = f" and {len(files) - 5} more" if len(files) > 5 else ""
    where = ini.name if ini else "your pytest configuration"
    example = ", ".join(f'"{p}"' for p in dict.fromkeys([*patterns, pattern_of(files[0])]))
    raise ConfigError(
        f"python_files = {patterns} matches none of the validation suite's files ({shown}{more}), "
        "so the migration would run with no suite: its last step, the test step, would test "
        f"nothing. Add their pattern to python_files in {where} (for example python_files = "
        f"[{example}]), or rename the files to match it."
    )


def suite_test_files(path: Path) -> Iterator[Path]:
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


def pattern_of(file: Path) -> str:
    """A python_files pattern for ``file``: its name up to the first underscore, then ``*``."""
    stem, underscore, _ = file.stem.partition("_")
    return f"{stem}_*.py" if underscore else file.name
