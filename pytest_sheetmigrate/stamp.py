"""Stamps: the spreadsheet's own record of what ran, kept in its developer metadata.

A step that mutates the sheet sends its stamp in the same ``batchUpdate`` as its changes, so the
data and the record of it change together (the API applies a batchUpdate all-or-nothing).

Keys (spreadsheet-level, visibility DOCUMENT):
- ``sheetmigrate.schema_version``: the schema version the sheet is at, e.g. ``"3.0"``;
- ``sheetmigrate.step.<version>.<step>``: JSON ``{"step", "schema", "at", ...}`` per step done.

Column markers (column-located, visibility DOCUMENT), not stamps: ``sheetmigrate.column`` on each
column the columns step added, its value the column's schema name. Column metadata moves with its
column, so a later write finds the column where it is now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION_KEY = "sheetmigrate.schema_version"
STEP_PREFIX = "sheetmigrate.step."
COLUMN_MARKER_KEY = "sheetmigrate.column"


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


def column_marker_request(sheet_id: int, index: int, name: str) -> dict[str, Any]:
    """The marker of the column at ``index`` (0-based), which the schema calls ``name``."""
    location = {
        "dimensionRange": {
            "sheetId": sheet_id,
            "dimension": "COLUMNS",
            "startIndex": index,
            "endIndex": index + 1,
        }
    }
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": COLUMN_MARKER_KEY,
                "metadataValue": name,
                "location": location,
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
    """The ``sheetmigrate.*`` spreadsheet-level developer metadata: (key, metadataId, value)."""

    items: tuple[tuple[str, int, str], ...]

    @classmethod
    def parse(cls, developer_metadata: list[dict[str, Any]]) -> Stamps:
        return cls(
            tuple(
                (item["metadataKey"], int(item["metadataId"]), item.get("metadataValue", ""))
                for item in developer_metadata
                if item.get("metadataKey", "").startswith("sheetmigrate.")
                and item.get("location", {}).get("spreadsheet", True)  # not a column marker
            )
        )

    def all(self, key: str) -> list[tuple[int, str]]:
        return [(metadata_id, value) for k, metadata_id, value in self.items if k == key]

    def get(self, key: str) -> tuple[int, str] | None:
        found = self.all(key)
        return found[-1] if found else None

    def after(self, requests: list[dict[str, Any]], replies: list[dict[str, Any]]) -> Stamps:
        """The stamps once a batchUpdate of ``requests`` answered ``replies`` (no re-read)."""
        deleted = {
            r["deleteDeveloperMetadata"]["dataFilter"]["developerMetadataLookup"]["metadataId"]
            for r in requests
            if "deleteDeveloperMetadata" in r
        }
        created = [
            reply["createDeveloperMetadata"]["developerMetadata"]
            for reply in replies
            if "createDeveloperMetadata" in reply
        ]
        kept = tuple(item for item in self.items if item[1] not in deleted)
        return Stamps(kept + Stamps.parse(created).items)

    @property
    def schema_version(self) -> str | None:
        found = self.get(SCHEMA_VERSION_KEY)
        return found[1] if found else None

    def step(self, schema_name: str, step: str) -> dict[str, Any] | None:
        found = self.get(step_key(schema_name, step))
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
        return self._replace(step_key(schema_name, step), json.dumps(record))

    def schema_version_requests(self, version: str | None) -> list[dict]:
        """The requests that record the sheet as being at schema ``version`` (None: no stamp)."""
        return self._replace(SCHEMA_VERSION_KEY, version)

    def removal_requests(self, schema_name: str) -> list[dict]:
        """The requests that remove every step stamp of ``schema_name`` (for a rollback)."""
        prefix = f"{STEP_PREFIX}{schema_name}."
        return [
            delete_metadata_request(metadata_id)
            for key, metadata_id, _ in self.items
            if key.startswith(prefix)
        ]

    def _replace(self, key: str, value: str | None) -> list[dict]:
        old = [delete_metadata_request(metadata_id) for metadata_id, _ in self.all(key)]
        return old if value is None else [*old, create_metadata_request(key, value)]
