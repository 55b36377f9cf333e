"""The validation suite's test files found without pytest, and the refusal of a ``python_files``
setting that matches none of them, with the pattern it suggests."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.pathlib import fnmatch_ex  # the matcher the plugin passes: pytest's own

from pytest_sheetmigrate.errors import SETUP_MISTAKE, ConfigError
from pytest_sheetmigrate.suite_files import (
    pattern_of,
    refuse_python_files_missing_the_suite,
    suite_test_files,
)

TEST = "def test_it():\n    pass\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_suite_files_are_those_that_define_a_test_outside_hidden_folders(tmp_path: Path):
    suite = tmp_path / "v3.0"
    found = write(suite / "check_rows.py", TEST)
    write(suite / "test_async.py", "async def test_later():\n    pass\n")
    write(suite / "test_class.py", "class TestRows:\n    pass\n")
    write(suite / "conftest.py", TEST)
    write(suite / "__init__.py", TEST)
    write(suite / "helpers.py", "def helper():\n    pass\n")
    write(suite / ".cache" / "test_hidden.py", TEST)
    write(suite / "__pycache__" / "test_cached.py", TEST)
    write(suite / "notes.txt", TEST)
    assert list(suite_test_files(suite)) == [
        found,
        suite / "test_async.py",
        suite / "test_class.py",
    ]
    assert list(suite_test_files(found)) == [found]  # a file path counts as itself
    assert list(suite_test_files(suite / "missing")) == []


def test_a_pattern_is_the_name_up_to_its_first_underscore():
    assert pattern_of(Path("check_rows_v3.py")) == "check_*.py"
    assert pattern_of(Path("operaciones.py")) == "operaciones.py"


def test_python_files_that_match_a_suite_file_are_accepted(tmp_path: Path):
    write(tmp_path / "v3.0" / "test_rows.py", TEST)
    for patterns in (["test_*.py"], ["check_*.py", "*_rows.py"], ["v3.0/test_*.py"]):
        refuse_python_files_missing_the_suite(
            patterns, [tmp_path / "v3.0"], fnmatch_ex, tmp_path, None
        )


def test_a_folder_without_test_files_is_not_refused(tmp_path: Path):
    write(tmp_path / "v3.0" / "helpers.py", "x = 1\n")
    refuse_python_files_missing_the_suite(
        ["check_*.py"], [tmp_path / "v3.0", tmp_path / "gone"], fnmatch_ex, tmp_path, None
    )


def test_python_files_that_miss_every_suite_file_are_refused_with_the_fix(tmp_path: Path):
    write(tmp_path / "v3.0" / "test_rows.py", TEST)
    with pytest.raises(ConfigError) as refused:
        refuse_python_files_missing_the_suite(
            ["check_*.py"], [tmp_path / "v3.0"], fnmatch_ex, tmp_path, tmp_path / "pyproject.toml"
        )
    assert refused.value.exit_code == SETUP_MISTAKE
    assert str(refused.value) == (
        "python_files = ['check_*.py'] matches none of the validation suite's files "
        "(v3.0/test_rows.py), so the migration would run with no suite: its last step, the test "
        "step, would test nothing. Add their pattern to python_files in pyproject.toml (for "
        'example python_files = ["check_*.py", "test_*.py"]), or rename the files to match it.'
    )


def test_the_refusal_shows_five_files_and_counts_the_others(tmp_path: Path):
    for n in range(7):
        write(tmp_path / "v3.0" / f"test_{n}.py", TEST)
    with pytest.raises(ConfigError, match=r"v3\.0/test_4\.py and 2 more\), so") as refused:
        refuse_python_files_missing_the_suite(
            ["check_*.py"], [tmp_path / "v3.0"], fnmatch_ex, tmp_path, None
        )
    assert "v3.0/test_5.py" not in str(refused.value)
    assert "python_files in your pytest configuration" in str(refused.value)
