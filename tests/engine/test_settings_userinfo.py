"""``Settings.target`` (the report header's "where the run points") shows no password given in
the URL of a Sheets-compatible server (``https://user:password@host/``).

Fails on purpose (issue 12 #9): ``target`` shows ``sheets_api`` as given. Reported to the lead,
not fixed here.
"""

from __future__ import annotations

from pathlib import Path

from pytest_sheetmigrate.settings import Mode, resolve

GIVEN = {
    "sheet": "KEY",
    "schema": "schema.toml",
    "sheets_api": "https://migrator:s3cret@sheets.internal/",
}


def test_the_target_shows_no_password_of_the_server_s_url():
    settings = resolve(lambda option: GIVEN.get(option.name), Mode.MIGRATE, Path("/srv/project"))

    assert "s3cret" not in settings.target
    assert settings.target.startswith("KEY on https://")
