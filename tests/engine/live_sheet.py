"""Helpers of the engine tests: a seeded sheet on the local server, settings pointing at it,
and the engine opened on it (real gspread over HTTP, the checkpoints in a temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gspread
import requests

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode, Settings
from pytest_sheetmigrate.transport import sheets_client

SCHEMA = Path(__file__).parents[1] / "v3.0" / "schema.toml"
DEMO_ROWS = 40


@dataclass
class LiveSheet:
    """A spreadsheet on the local server, and a folder for this test's checkpoints/reports."""

    url: str
    key: str
    folder: Path

    @classmethod
    def seeded(
        cls, url: str, folder: Path, rows: int = DEMO_ROWS, values: list[list[Any]] | None = None
    ) -> LiveSheet:
        """The demo's header and ``rows`` rows, or ``values`` (header first) when given."""
        values = values or [demo.header(), *demo.rows(rows)]
        sheet = {
            "title": demo.WORKSHEET,
            "values": values,
            "rowCount": len(values) + 10,
            "columnCount": len(values[0]),
        }
        response = requests.post(
            f"{url}/_emulator/spreadsheets",
            json={"title": demo.DEMO_TITLE, "sheets": [sheet]},
            timeout=60,
        )
        response.raise_for_status()
        return cls(url, response.json()["spreadsheetId"], folder)

    def settings(self, mode: Mode = Mode.MIGRATE, **changes: Any) -> Settings:
        base = Settings(
            sheet=self.key,
            schema_path=SCHEMA,
            sheets_api=self.url,
            credentials=None,
            checkpoint_dir=self.folder / "logs" / "checkpoints",
            report_dir=self.folder / "logs" / "migration",
            backup=None,
            mode=mode,
            rootdir=self.folder,
            retry_base_seconds=0.01,
        )
        return replace(base, **changes)

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_emulator/stats", timeout=10).json()

    def faults(self, *rules: dict[str, Any]) -> None:
        """Faults for the server's next requests (``at`` counts from now); ``()`` clears them."""
        if not rules:
            requests.delete(f"{self.url}/_emulator/faults", timeout=10).raise_for_status()
            return
        response = requests.post(f"{self.url}/_emulator/faults", json={"rules": rules}, timeout=10)
        response.raise_for_status()

    def values(self, render: str = "FORMATTED_VALUE") -> list[list[Any]]:
        """The worksheet's values as the API renders them (``FORMULA``: formulas as text)."""
        response = requests.get(
            f"{self.url}/v4/spreadsheets/{self.key}/values/{demo.WORKSHEET}",
            params={"valueRenderOption": render},
            headers={"Authorization": "Bearer local"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json().get("values", [])

    def metadata(self) -> list[dict[str, Any]]:
        """Every developer metadata entry: the spreadsheet's, then each worksheet's."""
        response = requests.get(
            f"{self.url}/v4/spreadsheets/{self.key}",
            params={"fields": "developerMetadata,sheets(developerMetadata)"},
            headers={"Authorization": "Bearer local"},
            timeout=10,
        )
        response.raise_for_status()
        found = response.json()
        tabs = [m for sheet in found.get("sheets", []) for m in sheet.get("developerMetadata", [])]
        return found.get("developerMetadata", []) + tabs

    def spreadsheet(self) -> gspread.Spreadsheet:
        """The spreadsheet through gspread, for changes made by hand (or by the application)."""
        return sheets_client(self.url).open_by_key(self.key)


@contextmanager
def open_run_on(
    sheet: LiveSheet, mode: Mode, *, force_rollback: bool = False, **changes: Any
) -> Iterator[Run]:
    """A run of the engine on ``sheet``, its sheet opened (three reads); closed (the lease
    released, the gateway closed) when the block ends."""
    settings = sheet.settings(mode, **changes)
    run = Run(settings, load_schema(settings.schema_path), force_rollback=force_rollback)
    try:
        run.open()
        yield run
    finally:
        run.close()
