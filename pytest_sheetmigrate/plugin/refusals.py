"""The refusals at configure time that need pytest's internals to detect; their messages are the
engine's (refusal_messages.py, suite_files.py). Each raises a ``ConfigError``: a usage error."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from _pytest.pathlib import fnmatch_ex

from ..refusal_messages import parallel_workers_refused, rootdir_taken_refused, space_form
from ..settings import Mode
from ..suite_files import refuse_python_files_missing_the_suite


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
        raise parallel_workers_refused(mode, numprocesses)


def refuse_values_taken_for_the_rootdir(config: pytest.Config) -> None:
    """pytest chooses its rootdir and ini file before it loads any plugin, so the value of
    ``--report-dir /a/dir`` looks to it like a test path: refuse when that changed the choice."""
    given = space_form(
        [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *config.invocation_params.args]
    )
    if not given:
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
    if (rootpath, inipath) != (config.rootpath, config.inipath):
        raise rootdir_taken_refused(given, config.rootpath, inipath)


def refuse_a_suite_python_files_misses(config: pytest.Config) -> None:
    """The suite is what the session collects (``path::test`` as ``path``)."""
    where = config.invocation_params.dir
    paths = [where / arg.split("::")[0] for arg in config.args if not arg.startswith("-")]
    patterns = list(config.getini("python_files"))
    refuse_python_files_missing_the_suite(
        patterns, paths, fnmatch_ex, Path(config.rootpath), config.inipath
    )
