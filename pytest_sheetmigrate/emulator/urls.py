"""The URL table of the local Sheets server: every path it answers, as a werkzeug ``Map``.

Each rule's endpoint is a :class:`Route`: the stats template (``"GET /v4/spreadsheets/
{spreadsheetId}/values/{range}"``), which API's error shape it uses, and the operation it runs
(a ``SheetsBackend`` method name for the emulated APIs, a handler name for ``/token`` and the
control API).

Paths arrive percent-decoded (WSGI ``PATH_INFO``). gspread quotes ranges with ``safe=""``, so a
range may contain ``/``, ``:``, ``!`` and quotes: ranges use the ``path`` converter and ids a
converter that stops at ``:``, so ``<id>:batchUpdate`` and ``values/<range>:append`` split where
Google splits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from werkzeug.routing import BaseConverter, Map, Rule

Api = Literal["sheets", "drive", "token", "control"]


@dataclass(frozen=True)
class Route:
    """What a matched URL means: stats key, error shape and operation name."""

    template: str
    api: Api
    operation: str


class FileIdConverter(BaseConverter):
    """A spreadsheet / Drive file id: one path segment, never containing ``:``."""

    regex = "[^/:]+"


_SHEETS = "/v4/spreadsheets"
_SID = "<file_id:spreadsheet_id>"
_DRIVE = "/drive/v3/files"
_FID = "<file_id:file_id>"

# (method, werkzeug rule, stats template path, api, operation)
_TABLE: list[tuple[str, str, str, Api, str]] = [
    ("POST", _SHEETS, "/v4/spreadsheets", "sheets", "spreadsheets_create"),
    ("GET", f"{_SHEETS}/{_SID}", "/v4/spreadsheets/{spreadsheetId}", "sheets", "spreadsheets_get"),
    (
        "POST",
        f"{_SHEETS}/{_SID}:batchUpdate",
        "/v4/spreadsheets/{spreadsheetId}:batchUpdate",
        "sheets",
        "spreadsheets_batch_update",
    ),
    (
        "GET",
        f"{_SHEETS}/{_SID}/values/<path:range>",
        "/v4/spreadsheets/{spreadsheetId}/values/{range}",
        "sheets",
        "values_get",
    ),
    (
        "PUT",
        f"{_SHEETS}/{_SID}/values/<path:range>",
        "/v4/spreadsheets/{spreadsheetId}/values/{range}",
        "sheets",
        "values_update",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/values/<path:range>:append",
        "/v4/spreadsheets/{spreadsheetId}/values/{range}:append",
        "sheets",
        "values_append",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/values/<path:range>:clear",
        "/v4/spreadsheets/{spreadsheetId}/values/{range}:clear",
        "sheets",
        "values_clear",
    ),
    (
        "GET",
        f"{_SHEETS}/{_SID}/values:batchGet",
        "/v4/spreadsheets/{spreadsheetId}/values:batchGet",
        "sheets",
        "values_batch_get",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/values:batchUpdate",
        "/v4/spreadsheets/{spreadsheetId}/values:batchUpdate",
        "sheets",
        "values_batch_update",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/values:batchUpdateByDataFilter",
        "/v4/spreadsheets/{spreadsheetId}/values:batchUpdateByDataFilter",
        "sheets",
        "values_batch_update_by_data_filter",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/values:batchClear",
        "/v4/spreadsheets/{spreadsheetId}/values:batchClear",
        "sheets",
        "values_batch_clear",
    ),
    (
        "GET",
        f"{_SHEETS}/{_SID}/developerMetadata/<int:metadata_id>",
        "/v4/spreadsheets/{spreadsheetId}/developerMetadata/{metadataId}",
        "sheets",
        "developer_metadata_get",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/developerMetadata:search",
        "/v4/spreadsheets/{spreadsheetId}/developerMetadata:search",
        "sheets",
        "developer_metadata_search",
    ),
    (
        "POST",
        f"{_SHEETS}/{_SID}/sheets/<int:sheet_id>:copyTo",
        "/v4/spreadsheets/{spreadsheetId}/sheets/{sheetId}:copyTo",
        "sheets",
        "sheets_copy_to",
    ),
    ("POST", _DRIVE, "/drive/v3/files", "drive", "drive_files_create"),
    ("GET", _DRIVE, "/drive/v3/files", "drive", "drive_files_list"),
    ("GET", f"{_DRIVE}/{_FID}", "/drive/v3/files/{fileId}", "drive", "drive_files_get"),
    ("DELETE", f"{_DRIVE}/{_FID}", "/drive/v3/files/{fileId}", "drive", "drive_files_delete"),
    ("POST", f"{_DRIVE}/{_FID}/copy", "/drive/v3/files/{fileId}/copy", "drive", "drive_files_copy"),
    (
        "GET",
        f"{_DRIVE}/{_FID}/export",
        "/drive/v3/files/{fileId}/export",
        "drive",
        "drive_files_export",
    ),
    (
        "GET",
        f"{_DRIVE}/{_FID}/comments",
        "/drive/v3/files/{fileId}/comments",
        "drive",
        "drive_comments_list",
    ),
    (
        "POST",
        f"{_DRIVE}/{_FID}/permissions",
        "/drive/v3/files/{fileId}/permissions",
        "drive",
        "drive_permissions_create",
    ),
    (
        "GET",
        f"{_DRIVE}/{_FID}/permissions",
        "/drive/v3/files/{fileId}/permissions",
        "drive",
        "drive_permissions_list",
    ),
    (
        "DELETE",
        f"{_DRIVE}/{_FID}/permissions/<permission_id>",
        "/drive/v3/files/{fileId}/permissions/{permissionId}",
        "drive",
        "drive_permissions_delete",
    ),
    (
        "PUT",
        f"/upload/drive/v2/files/{_FID}",
        "/upload/drive/v2/files/{fileId}",
        "drive",
        "drive_files_import",
    ),
    ("POST", "/token", "/token", "token", "token_exchange"),
    ("POST", "/_emulator/reset", "/_emulator/reset", "control", "reset"),
    ("GET", "/_emulator/stats", "/_emulator/stats", "control", "stats_get"),
    ("POST", "/_emulator/stats/reset", "/_emulator/stats/reset", "control", "stats_reset"),
    ("POST", "/_emulator/faults", "/_emulator/faults", "control", "faults_set"),
    ("DELETE", "/_emulator/faults", "/_emulator/faults", "control", "faults_clear"),
    ("POST", "/_emulator/spreadsheets", "/_emulator/spreadsheets", "control", "seed_spreadsheet"),
    ("POST", "/_emulator/accounts", "/_emulator/accounts", "control", "accounts_declare"),
    ("POST", "/_emulator/drives", "/_emulator/drives", "control", "drives_create"),
]

url_map = Map(
    [
        Rule(rule, methods=[method], endpoint=Route(f"{method} {template}", api, operation))
        for method, rule, template, api, operation in _TABLE
    ],
    converters={"file_id": FileIdConverter},
    strict_slashes=False,
    merge_slashes=False,
)
