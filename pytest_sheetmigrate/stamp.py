"""Stamps: the spreadsheet's own record of what ran, kept in its developer metadata.

A step that mutates the sheet sends its stamp in the same ``batchUpdate`` as its changes, so the
data and the record of it change together (the API applies a batchUpdate all-or-nothing).

Keys (spreadsheet-level, visibility DOCUMENT):
- ``sheetmigrate.schema_version``: the schema version the sheet is at, e.g. ``"3.0"``;
- ``sheetmigrate.step.<version>.<step>``: JSON ``{"step", "schema", "at", ...}`` per step done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION_KEY = "sheetmigrate.schema_version"
STEP_PREFIX = "sheetmigrate.step."


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def step_key(schema_name: str, step: str) -> str:
    return f"{STEP_PREFIX}{schema_name}.{step}"


def create_metadata_request(key: str, value: str) -> dict[str, Any]:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": key,
                "metadataValue": value,
                "location": {"spreadsheet": True},
                "visibility": "DOCUMENT",
            }
        }
    }


def delete_metadata_request(metadata_id: int) -> dict[str, Any]:
    return {
        "deleteDeveloperMetadata": {
            "dataFilter": {"developerMetadataLookup": {"metadataId": metadata_id}}
        }
    }


@dataclass(frozen=True)
class Stamps:
    """The stamps found on a spreadsheet, read from ``spreadsheets.get``'s developerMetadata."""

    entries: dict[str, tuple[int, str]]  # key -> (metadataId, value)

    @classmethod
    def parse(cls, developer_metadata: list[dict[str, Any]]) -> Stamps:
        entries = {
            item["metadataKey"]: (int(item["metadataId"]), item.get("metadataValue", ""))
            for item in developer_metadata
            if item.get("metadataKey", "").startswith("sheetmigrate.")
        }
        return cls(entries)

    @property
    def schema_version(self) -> str | None:
        found = self.entries.get(SCHEMA_VERSION_KEY)
        return found[1] if found else None

    def step(self, schema_name: str, step: str) -> dict[str, Any] | None:
        found = self.entries.get(step_key(schema_name, step))
        if not found:
            return None
        try:
            value = json.loads(found[1])
        except ValueError:
            value = None
        return value if isinstance(value, dict) else {"step": step, "raw": found[1]}

    def step_requests(self, schema_name: str, step: str, details: dict[str, Any]) -> list[dict]:
        """The requests that record ``step`` as done (replacing an older stamp of it)."""
        record = {"step": step, "schema": schema_name, "at": utc_now(), **details}
        requests = []
        old = self.entries.get(step_key(schema_name, step))
        if old:
            requests.append(delete_metadata_request(old[0]))
        requests.append(create_metadata_request(step_key(schema_name, step), json.dumps(record)))
        return requests

    def schema_version_requests(self, version: str) -> list[dict]:
        """The requests that record the sheet as being at schema ``version``."""
        old = self.entries.get(SCHEMA_VERSION_KEY)
        requests = [delete_metadata_request(old[0])] if old else []
        requests.append(create_metadata_request(SCHEMA_VERSION_KEY, version))
        return requests

    def removal_requests(self, schema_name: str) -> list[dict]:
        """The requests that remove every step stamp of ``schema_name`` (for a rollback)."""
        prefix = f"{STEP_PREFIX}{schema_name}."
        return [
            delete_metadata_request(metadata_id)
            for key, (metadata_id, _) in self.entries.items()
            if key.startswith(prefix)
        ]
