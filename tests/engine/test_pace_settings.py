"""The pace settings: --reads-per-minute and --writes-per-minute, their ini keys, 'off'."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_sheetmigrate.errors import ConfigError
from pytest_sheetmigrate.settings import OPTIONS, Mode, Settings, resolve

REQUIRED = {"sheet": "1AbCdEfGhIjKlMnOpQrStUvWxYz", "schema": "tests/v3.0/schema.toml"}


def resolved(command_line: dict[str, str], ini: dict[str, str] | None = None) -> Settings:
    def lookup(values: dict[str, str]):
        return lambda option: values.get(option.name)

    return resolve(lookup(command_line), Mode.MIGRATE, Path("/srv"), ini=lookup(ini or {}))


def test_the_pace_defaults_to_googles_per_user_quota_of_60_a_minute_each():
    settings = resolved(REQUIRED)
    assert (settings.reads_per_minute, settings.writes_per_minute) == (60, 60)


def test_the_pace_comes_from_the_option_before_the_ini_key_and_off_disables_it():
    settings = resolved(
        {**REQUIRED, "reads_per_minute": "250"},
        {"reads_per_minute": "100", "writes_per_minute": "off"},
    )
    assert (settings.reads_per_minute, settings.writes_per_minute) == (250, 0)
    assert resolved({**REQUIRED, "writes_per_minute": "0"}).writes_per_minute == 0


def test_a_pace_that_is_not_a_whole_number_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match=r"--reads-per-minute = '1\.5'.*for example 60"):
        resolved({**REQUIRED, "reads_per_minute": "1.5"})
    with pytest.raises(ConfigError, match="the ini key sheetmigrate_writes_per_minute"):
        resolved(REQUIRED, {"writes_per_minute": "fast"})


def test_the_pace_options_have_their_flags_and_ini_keys():
    flags = {option.name: (option.flag, option.ini) for option in OPTIONS}
    assert flags["reads_per_minute"] == ("--reads-per-minute", "sheetmigrate_reads_per_minute")
