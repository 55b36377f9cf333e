"""Stamps: a worksheet's own record of what ran, kept in its developer metadata.

A step that mutates the sheet sends its stamp in the same ``batchUpdate`` as its changes, so the
data and the record of it change together (the API applies a batchUpdate all-or-nothing).

Keys (sheet-located on the migrated worksheet, ``location: {"sheetId": N}``, visibility DOCUMENT):
- ``sheetmigrate.schema_version``: the schema version the worksheet is at, e.g. ``"3.0"``;
- ``sheetmigrate.step.<version>.<step>``: JSON ``{"step", "schema", "at", ...}`` per step done;
- ``sheetmigrate.history.<version>``: the version's history entry (when, by whom, the checksum of
  its file: chain/history.py), written with the init stamp, removed by a rollback.

Sheet-located metadata belongs to its tab: it is listed under ``sheets[].developerMetadata`` by
spreadsheets.get, stays with the tab when it is renamed or moved, and "if the associated object is
deleted its metadata is deleted too" (DeveloperMetadata reference). So two tabs migrated with
schemas of the same version name keep apart their backups, init stamps and versions.

Stamps of older versions (before issue 11 #6) are spreadsheet-level, with the same keys. They are
still read, as the stamps of one worksheet (:func:`legacy_stamps_belong_to`), and each is replaced
by a sheet-located one the next time its key is written, or removed by a rollback.

The lease (``sheetmigrate.lease``, :mod:`lease`) stays spreadsheet-level: one migration at a time
in the whole spreadsheet.

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
HISTORY_PREFIX = "sheetmigrate.history."


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history_key(version: str) -> str:
    """The key of a version's history entry (chain/history.py)."""
    return f"{HISTORY_PREFIX}{version}"


def step_key(schema_name: str, step: str) -> str:
    return f"{STEP_PREFIX}{schema_name}.{step}"


def is_legacy_key(key: str) -> bool:
    """A key that older versions kept at the spreadsheet level and this one keeps on the tab."""
    return key == SCHEMA_VERSION_KEY or key.startswith(STEP_PREFIX)


def create_metadata_request(key: str, value: str, sheet_id: int | None = None) -> dict[str, Any]:
    """Create ``key``: on the worksheet ``sheet_id``, or spreadsheet-level when None."""
    location: dict[str, Any] = {"spreadsheet": True} if sheet_id is None else {"sheetId": sheet_id}
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": key,
                "metadataValue": value,
                "location": location,
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
    """``sheetmigrate.*`` developer metadata at one place: (key, metadataId, value).

    ``sheet_id`` None: the spreadsheet-level items (the lease, and older versions' stamps);
    a sheet id: that worksheet's own stamps, or (:meth:`for_worksheet`) everything a worksheet's
    migration sees, new stamps going onto that worksheet.
    """

    items: tuple[tuple[str, int, str], ...]
    sheet_id: int | None = None

    @classmethod
    def parse(cls, developer_metadata: list[dict[str, Any]], sheet_id: int | None = None) -> Stamps:
        """The items of ``developer_metadata`` located at ``sheet_id`` (None: the spreadsheet)."""
        return cls(
            tuple(
                (item["metadataKey"], int(item["metadataId"]), item.get("metadataValue", ""))
                for item in developer_metadata
                if item.get("metadataKey", "").startswith("sheetmigrate.")
                and _located_at(item.get("location", {}), sheet_id)
            ),
            sheet_id,
        )

    def for_worksheet(self, own: Stamps, *, legacy: bool) -> Stamps:
        """What a worksheet's migration sees: the spreadsheet-level lease, this worksheet's own
        stamps (``own``, where new stamps go) and, when ``legacy``, the older versions'
        spreadsheet-level stamps that its own do not supersede: an old step stamp of a version
        the worksheet has step stamps of, or an old schema version when it has its own, is not
        its (it may be another tab's). Its own come last, so :meth:`get` prefers them."""
        own_keys = {key for key, _, _ in own.items}
        own_versions = {_step_version(key) for key in own_keys if key.startswith(STEP_PREFIX)}

        def shown(key: str) -> bool:
            if not is_legacy_key(key):
                return True
            if key == SCHEMA_VERSION_KEY:
                return legacy and key not in own_keys
            return legacy and _step_version(key) not in own_versions

        shared = tuple(item for item in self.items if shown(item[0]))
        return Stamps(shared + own.items, own.sheet_id)

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
        return Stamps(kept + Stamps.parse(created, self.sheet_id).items, self.sheet_id)

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
        """The requests that remove every step stamp of ``schema_name`` and its history entry
        (for a rollback)."""
        return [
            delete_metadata_request(metadata_id)
            for key, metadata_id, _ in self.items
            if is_step_of(key, schema_name) or key == history_key(schema_name)
        ]

    def history_requests(self, version: str, entry: str) -> list[dict]:
        """The requests that record ``entry`` as version ``version``'s history entry."""
        return self._replace(history_key(version), entry)

    def _replace(self, key: str, value: str | None) -> list[dict]:
        old = [delete_metadata_request(metadata_id) for metadata_id, _ in self.all(key)]
        return old if value is None else [*old, create_metadata_request(key, value, self.sheet_id)]


def _located_at(location: dict[str, Any], sheet_id: int | None) -> bool:
    if sheet_id is None:
        return bool(location.get("spreadsheet")) or not location  # not a tab's, not a column's
    return "dimensionRange" not in location and location.get("sheetId") == sheet_id


def _step_version(key: str) -> str:
    """The version of a step stamp's key: ``sheetmigrate.step.3.0.init`` -> ``3.0``."""
    return key[len(STEP_PREFIX) :].rsplit(".", 1)[0]


def is_step_of(key: str, schema_name: str) -> bool:
    """Whether ``key`` is a step stamp of schema ``schema_name`` exactly: names are free text,
    so schema ``3``'s stamps are not those of ``3.1`` (whose keys also begin ``...step.3.``)."""
    return key.startswith(STEP_PREFIX) and _step_version(key) == schema_name


def legacy_stamps_belong_to(
    shared: Stamps, worksheets: int, schema_name: str, schema_header: list[str], header: list[str]
) -> bool:
    """Whether the older versions' spreadsheet-level stamps are read as this worksheet's.

    Older versions stamped the spreadsheet for the one worksheet they migrated, and their stamps
    do not name it. They are this worksheet's when it is the spreadsheet's only worksheet. In a
    spreadsheet of several, they are this worksheet's only when they can describe it: they record
    its schema ``schema_name`` (a step of it, or it as the version) and its header holds every
    column of that schema (the columns step of that migration is done). So a tab not yet migrated
    never takes another tab's old backup and init stamps for its own.
    """
    old = [key for key, _, _ in shared.items if is_legacy_key(key)]
    if not old:
        return False
    if worksheets == 1:
        return True
    version = shared.get(SCHEMA_VERSION_KEY)
    records_schema = (version is not None and version[1] == schema_name) or any(
        is_step_of(key, schema_name) for key in old
    )
    return records_schema and set(schema_header) <= set(header)
