"""Helpers of the plugin tests: the local server's control API and a user's project."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.transport import sheets_client

SUITE = Path(__file__).parents[1] / "v3.0"
# Another account of the sharing server (conftest.py's sharing_server): it owns seeded sheets.
OWNER = "owner@example.com"
OWNER_TOKEN = "owner-token"
DEMO_ROWS = 40
TRAILING_ROWS = 10


@dataclass
class LocalApi:
    """The local server's control API, as the tests use it."""

    url: str

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_emulator/stats", timeout=10).json()

    def reset_stats(self) -> None:
        requests.post(f"{self.url}/_emulator/stats/reset", timeout=10).raise_for_status()

    def faults(self, *rules: dict[str, Any]) -> None:
        response = requests.post(f"{self.url}/_emulator/faults", json={"rules": rules}, timeout=10)
        response.raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.url}/_emulator/faults", timeout=10).raise_for_status()

    def seed(self, title: str, sheets: list[dict[str, Any]]) -> str:
        response = requests.post(
            f"{self.url}/_emulator/spreadsheets",
            json={"title": title, "sheets": sheets},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["spreadsheetId"]

    def client(self) -> gspread.Client:
        return sheets_client(self.url)


def demo_values(rows: int = DEMO_ROWS) -> list[list[Any]]:
    return [demo.header(), *demo.rows(rows)]


def seed_demo(api: LocalApi, values: list[list[Any]]) -> str:
    return api.seed(
        demo.DEMO_TITLE,
        [
            {
                "title": demo.WORKSHEET,
                "values": values,
                "rowCount": len(values) + TRAILING_ROWS,
                "columnCount": len(values[0]),
            }
        ],
    )


def seed_owned_demo(api: LocalApi) -> str:
    """A fresh sharing server holding the demo sheet, owned by OWNER and shared with nobody."""
    requests.post(f"{api.url}/_emulator/reset", timeout=10).raise_for_status()
    values = demo_values()
    response = requests.post(
        f"{api.url}/_emulator/spreadsheets",
        json={
            "title": demo.DEMO_TITLE,
            "owner": OWNER,
            "sheets": [{"title": demo.WORKSHEET, "values": values, "rowCount": len(values) + 10}],
        },
        timeout=60,
    )
    response.raise_for_status()
    return str(response.json()["spreadsheetId"])


@dataclass
class Project:
    """A user's project: pyproject.toml aimed at the local server, and the v3.0 suite."""

    pytester: pytest.Pytester
    api: LocalApi
    sheet: str

    def run(self, *args: str) -> pytest.RunResult:
        # In-process runs import the plugin before the inner session could rewrite it; that
        # warning is about the test harness, not the user's run, so it does not count here.
        return self.pytester.runpytest(
            "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args
        )

    @property
    def path(self) -> Path:
        return self.pytester.path

    def worksheet(self) -> gspread.Worksheet:
        return self.api.client().open_by_key(self.sheet).worksheet(demo.WORKSHEET)


def make_project(pytester: pytest.Pytester, api: LocalApi, sheet: str) -> Project:
    shutil.copytree(SUITE, pytester.path / "tests" / "v3.0")
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        sheetmigrate_sheets_api = "{api.url}"
        sheetmigrate_sheet = "{sheet}"
        sheetmigrate_schema = "tests/v3.0/schema.toml"
        """
    )
    return Project(pytester, api, sheet)
