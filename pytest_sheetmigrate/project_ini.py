"""The pytest ini keys of a project, read as pytest finds them, for the commands that run without
pytest (the demo's reset, the ``sheetmigrate`` console script): the nearest folder from a start
up with a pytest configuration file, in pytest's order of files."""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError


def project_ini(start: Path) -> tuple[Path, dict[str, str]]:
    """pytest's rootdir for ``start`` and its ini keys (``start`` and none when no file)."""
    found = _nearest_ini(start)
    return found if found else (start, {})


def _nearest_ini(start: Path) -> tuple[Path, dict[str, str]] | None:
    """The pytest ini keys of the nearest folder, from ``start`` up, with a pytest configuration
    file (in pytest's order), and that folder (pytest's rootdir)."""
    for folder in (start, *start.parents):
        for name, read in _CONFIG_FILES:
            path = folder / name
            try:
                keys = read(path) if path.is_file() else None
            except (OSError, ValueError, configparser.Error) as error:
                raise ConfigError(f"cannot read {path} ({error}): fix or remove it") from None
            if keys is not None:
                return folder, {key: str(value) for key, value in keys.items()}
    return None


def _ini_section(section: str, *, always: bool = False) -> Callable[[Path], dict[str, str] | None]:
    def read(path: Path) -> dict[str, str] | None:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        if parser.has_section(section):
            return dict(parser[section])
        return {} if always else None

    return read


def _pyproject(path: Path) -> dict[str, Any] | None:
    tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("pytest")
    if not isinstance(tool, dict):
        return None
    options = tool.get("ini_options")
    return options if isinstance(options, dict) else tool


_CONFIG_FILES: list[tuple[str, Callable[[Path], dict[str, Any] | None]]] = [
    ("pytest.ini", _ini_section("pytest", always=True)),
    (".pytest.ini", _ini_section("pytest", always=True)),
    ("pyproject.toml", _pyproject),
    ("tox.ini", _ini_section("pytest")),
    ("setup.cfg", _ini_section("tool:pytest")),
]
