"""Helpers for the state-model tests: a backend and one call per operation."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import orjson

from pytest_sheetmigrate.emulator.backend import SheetsBackend

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SPREADSHEET = "application/vnd.google-apps.spreadsheet"


def as_json(answer: Any) -> Any:
    """An answer as it reaches the client: through JSON (the grid hands out row tuples);
    a media answer (bytes, such as an export) as it is."""
    if isinstance(answer, bytes | str) or answer is None:
        return answer
    return orjson.loads(orjson.dumps(answer, option=orjson.OPT_NON_STR_KEYS))


class Model:
    """A SheetsBackend called the way the HTTP layer calls it."""

    def __init__(self) -> None:
        self.backend = SheetsBackend()
        self.seed = 0

    def __call__(self, operation: str, **kwargs: Any) -> Any:
        """The operation's answer as the client receives it (JSON: tuples become lists)."""
        self.seed += 1
        answer = self.backend.execute(operation, kwargs, caller=None, seed=self.seed, now=NOW)
        return as_json(answer)

    def new_spreadsheet(self, name: str = "Test") -> str:
        return str(self("drive_files_create", body={"name": name, "mimeType": SPREADSHEET})["id"])

    def batch(self, spreadsheet_id: str, *requests: dict[str, Any]) -> Any:
        return self(
            "spreadsheets_batch_update",
            spreadsheet_id=spreadsheet_id,
            body={"requests": list(requests)},
        )

    def put(
        self, spreadsheet_id: str, range_: str, values: list[list[Any]], option: str = "RAW"
    ) -> Any:
        return self(
            "values_update",
            spreadsheet_id=spreadsheet_id,
            range=range_,
            body={"values": values},
            value_input_option=option,
        )

    def get(self, spreadsheet_id: str, range_: str, **kwargs: Any) -> Any:
        return self("values_get", spreadsheet_id=spreadsheet_id, range=range_, **kwargs)

    def state(self) -> bytes:
        return pickle.dumps(self.backend.dump_state())
