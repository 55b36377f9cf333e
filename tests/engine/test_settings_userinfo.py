"""A server URL's ``user:password@`` (``https://user:password@host/``) is never shown: not in
``Settings.target`` (the report header's "where the run points"), nor in the messages of the
gateway opened on that server (a 404, a retry's wait, a request that failed every time).

Seen failing before ``settings.without_userinfo``: ``target`` showed ``sheets_api`` as given; and
before ``open_gateway`` gave the gateway the URL without it: a 404 said "(404) at
http://migrator:s3cret@127.0.0.1:...".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from live_sheet import LiveSheet

from pytest_sheetmigrate.connect import open_gateway
from pytest_sheetmigrate.errors import SheetAccessError
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


def test_a_refusal_of_the_server_shows_no_password_of_its_url(live_sheet: LiveSheet):
    with_password = live_sheet.url.replace("http://", "http://migrator:s3cret@", 1)
    settings = live_sheet.settings(sheet="no-such-spreadsheet", sheets_api=with_password)

    with open_gateway(settings) as gateway, pytest.raises(SheetAccessError) as refused:
        gateway.metadata()

    assert "not found (404) at http://127.0.0.1:" in str(refused.value)
    assert "s3cret" not in str(refused.value) and "s3cret" not in gateway.endpoint
