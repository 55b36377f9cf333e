"""The messages of the configure-time refusals whose detection needs pytest (plugin/refusals.py):
a run under pytest-xdist, and an option's value that pytest took for a test path."""

from __future__ import annotations

from pathlib import Path

from pytest_sheetmigrate.errors import SETUP_MISTAKE
from pytest_sheetmigrate.refusal_messages import (
    parallel_workers_refused,
    rootdir_taken_refused,
    space_form,
)
from pytest_sheetmigrate.settings import Mode


def test_the_space_form_of_the_plugins_options_is_found_and_no_other():
    args = ["-q", "--report-dir", "/tmp/r", "--sheet=KEY", "--migrate", "--checkpoint-dir", "c"]
    assert space_form(args) == [("--report-dir", "/tmp/r"), ("--checkpoint-dir", "c")]
    assert space_form(["--report-dir=/tmp/r", "-k", "rows", "--report-dir"]) == []


def test_the_rootdir_refusal_names_the_values_the_rootdir_and_the_fix():
    given = [("--report-dir", "/tmp/r"), ("--checkpoint-dir", "/tmp/c")]
    refusal = rootdir_taken_refused(given, Path("/tmp"), Path("/srv/project/pyproject.toml"))
    assert refusal.exit_code == SETUP_MISTAKE
    assert str(refusal) == (
        "pytest took /tmp/r and /tmp/c for a test path and chose its rootdir /tmp from it, so "
        "/srv/project/pyproject.toml was not read (pytest picks its rootdir before it loads "
        "plugins): write --report-dir=/tmp/r --checkpoint-dir=/tmp/c"
    )
    unnamed = rootdir_taken_refused(given[:1], Path("/tmp"), None)
    assert ", so your pytest configuration was not read" in str(unnamed)


def test_the_xdist_refusal_names_the_mode_and_its_n():
    refusal = parallel_workers_refused(Mode.DRY_RUN, 2)
    assert refusal.exit_code == SETUP_MISTAKE
    assert str(refusal) == (
        "a dry run cannot run under pytest-xdist (-n 2): its steps run in order in one session "
        "(backup, columns, verify, init, then the suite), and xdist workers would each skip the "
        "steps another worker ran. Run it without -n (or with -n 0, -p no:xdist)."
    )
    in_a_worker = parallel_workers_refused(Mode.MIGRATE, None)
    assert str(in_a_worker).startswith("a migrate cannot run under pytest-xdist: its steps")
