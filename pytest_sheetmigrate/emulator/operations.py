"""The one table of the local server's operations: :data:`OPERATIONS`, each named once.

An :class:`Operation` says everything about one operation: its route (HTTP method and werkzeug
rule; the stats key is derived from them), which API's error shape it answers in, its
parameters and where each is read from (path, query string, JSON body, form, media), whether it
reads, mutates or controls the state (:class:`Kind`), the discovery method it implements, and
its handler. Everything else derives from this table: the URL map (:mod:`urls`), the request
parsing (:mod:`params`), the stats key, read/write quota counting, the journaling of the store,
the operation ``SheetsBackend.execute`` runs and the discovery method ``discovery.check_request``
checks a request against.

A handler is a method of a state service (:class:`SpreadsheetsService`, :class:`ValuesService`,
:class:`DriveService`; ``SheetsBackend`` binds it to the service instance of one server) or, for
operations on the server itself (stats, faults, reset, seeding, token exchange), a function of
:mod:`control` taking the server first. A handler's keyword parameters are exactly the entry's
:attr:`Operation.params` (a test checks it with ``inspect``): a misspelt parameter is a
``TypeError``, never silently dropped.

The operation names are kept stable: the store's journal records them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from . import control
from .drive import DriveService
from .spreadsheets_ops import SpreadsheetsService
from .values_ops import ValuesService

Api = Literal["sheets", "drive", "token", "control"]


class Kind(Enum):
    """What an operation does to the state."""

    READING = "reading"  # an emulated read: counted against the read quota, not journaled
    MUTATING = "mutating"  # an emulated write: counted against the write quota, journaled
    CONTROL = "control"  # a change of state through the control API: journaled, not counted
    SERVER = "server"  # acts on the server (stats, faults, reset, seeding, tokens), not a state op

    @property
    def journaled(self) -> bool:
        return self in (Kind.MUTATING, Kind.CONTROL)

    @property
    def on_state(self) -> bool:
        """Run by ``SheetsBackend.execute`` (through the store), not by the HTTP app."""
        return self is not Kind.SERVER


class Source(Enum):
    """Where a parameter's value is read from."""

    PATH = "path"  # a variable of the route's rule
    QUERY = "query"  # a query parameter, as text
    FLAG = "flag"  # a boolean query parameter ("true"/"1")
    NUMBER = "number"  # an integer query parameter
    REPEATED = "repeated"  # a query parameter that may repeat: a list
    BODY = "body"  # the whole JSON body (an object)
    BODY_FIELD = "body_field"  # one field of the JSON body (the control API)
    FORM_FIELD = "form_field"  # one field of a form-encoded body (the token exchange)
    MEDIA = "media"  # the raw body as text (a media upload)
    MEDIA_TYPE = "media_type"  # the body's content type
    INTERNAL = "internal"  # never read from a request: passed only by the server's own callers


def camel_case(name: str) -> str:
    """``include_grid_data`` -> ``includeGridData`` (the API's names for the handlers')."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Param:
    """One keyword parameter of a handler and where a request gives it."""

    name: str
    source: Source
    key: str = ""  # its name in the request, if not the camelCase of ``name``
    default: Any = None  # the value when the request leaves it out (body and form fields)

    @property
    def wire_name(self) -> str:
        return self.key or camel_case(self.name)


@dataclass(frozen=True)
class Operation:
    """One operation of the server (see the module docstring)."""

    name: str
    method: str
    rule: str
    api: Api
    kind: Kind
    handler: Callable[..., Any]
    params: tuple[Param, ...] = ()
    discovery: str | None = None  # the discovery method id ("sheets.spreadsheets.values.get")
    discovery_document: str | None = None  # its document, if not the api's ("drive2")

    @property
    def template(self) -> str:
        """The rule with Google's names for its variables (``/v4/spreadsheets/{spreadsheetId}``)."""
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + camel_case(m[1]) + "}", self.rule)

    @property
    def stats_key(self) -> str:
        """How the stats count it: ``GET /v4/spreadsheets/{spreadsheetId}/values/{range}``."""
        return f"{self.method} {self.template}"

    @property
    def mutating(self) -> bool:
        return self.kind is Kind.MUTATING

    @property
    def no_content(self) -> bool:
        """Drive answers a delete with 204 and an empty body, whatever the handler returns."""
        return self.api == "drive" and self.method == "DELETE"


def path(name: str) -> Param:
    return Param(name, Source.PATH)


def query(name: str) -> Param:
    return Param(name, Source.QUERY)


def flag(name: str) -> Param:
    return Param(name, Source.FLAG)


def body_field(name: str, default: Any = None, key: str = "") -> Param:
    return Param(name, Source.BODY_FIELD, key=key or name, default=default)


BODY = Param("body", Source.BODY)
FIELDS = query("fields")  # the standard partial-response parameter
SID = path("spreadsheet_id")
FID = path("file_id")
RANGE = path("range")
ALL_DRIVES = flag("supports_all_drives")
READ_OPTIONS = tuple(
    query(name) for name in ("major_dimension", "value_render_option", "date_time_render_option")
)
RESPONSE_OPTIONS = (
    flag("include_values_in_response"),
    query("response_value_render_option"),
    query("response_date_time_render_option"),
)

_SHEETS = "/v4/spreadsheets"
_SID = "<file_id:spreadsheet_id>"
_VALUES = f"{_SHEETS}/{_SID}/values"
_DRIVE = "/drive/v3/files"
_FID = "<file_id:file_id>"
_CONTROL = "/_emulator"

READING, MUTATING, CONTROL, SERVER = Kind.READING, Kind.MUTATING, Kind.CONTROL, Kind.SERVER
Sheets, Values, Drive = SpreadsheetsService, ValuesService, DriveService


def _sheets(
    name: str,
    method: str,
    rule: str,
    kind: Kind,
    handler: Callable[..., Any],
    params: tuple[Param, ...],
    discovery: str,
) -> Operation:
    return Operation(name, method, rule, "sheets", kind, handler, params, discovery)


def _drive(
    name: str,
    method: str,
    rule: str,
    kind: Kind,
    handler: Callable[..., Any],
    params: tuple[Param, ...],
    discovery: str,
    document: str | None = None,
) -> Operation:
    return Operation(name, method, rule, "drive", kind, handler, params, discovery, document)


def _control(
    name: str,
    method: str,
    rule: str,
    kind: Kind,
    handler: Callable[..., Any],
    params: tuple[Param, ...] = (),
) -> Operation:
    return Operation(name, method, rule, "control", kind, handler, params)


_TABLE = [
    # -- Sheets v4 ---------------------------------------------------------------------------
    _sheets(
        "spreadsheets_create",
        "POST",
        _SHEETS,
        MUTATING,
        Sheets.create,
        (BODY, FIELDS, Param("spreadsheet_id", Source.INTERNAL), Param("seeded", Source.INTERNAL)),
        "sheets.spreadsheets.create",
    ),
    _sheets(
        "spreadsheets_get",
        "GET",
        f"{_SHEETS}/{_SID}",
        READING,
        Sheets.get,
        (SID, Param("ranges", Source.REPEATED), flag("include_grid_data"), FIELDS),
        "sheets.spreadsheets.get",
    ),
    _sheets(
        "spreadsheets_batch_update",
        "POST",
        f"{_SHEETS}/{_SID}:batchUpdate",
        MUTATING,
        Sheets.batch_update,
        (SID, BODY, FIELDS),
        "sheets.spreadsheets.batchUpdate",
    ),
    _sheets(
        "values_get",
        "GET",
        f"{_VALUES}/<path:range>",
        READING,
        Values.get,
        (SID, RANGE, *READ_OPTIONS, FIELDS),
        "sheets.spreadsheets.values.get",
    ),
    _sheets(
        "values_update",
        "PUT",
        f"{_VALUES}/<path:range>",
        MUTATING,
        Values.update,
        (SID, RANGE, BODY, query("value_input_option"), *RESPONSE_OPTIONS, FIELDS),
        "sheets.spreadsheets.values.update",
    ),
    _sheets(
        "values_append",
        "POST",
        f"{_VALUES}/<path:range>:append",
        MUTATING,
        Values.append,
        (SID, RANGE, BODY, query("value_input_option"), query("insert_data_option"))
        + (*RESPONSE_OPTIONS, FIELDS),
        "sheets.spreadsheets.values.append",
    ),
    _sheets(
        "values_clear",
        "POST",
        f"{_VALUES}/<path:range>:clear",
        MUTATING,
        Values.clear,
        (SID, RANGE, FIELDS),
        "sheets.spreadsheets.values.clear",
    ),
    _sheets(
        "values_batch_get",
        "GET",
        f"{_VALUES}:batchGet",
        READING,
        Values.batch_get,
        (SID, Param("ranges", Source.REPEATED), *READ_OPTIONS, FIELDS),
        "sheets.spreadsheets.values.batchGet",
    ),
    _sheets(
        "values_batch_update",
        "POST",
        f"{_VALUES}:batchUpdate",
        MUTATING,
        Values.batch_update,
        (SID, BODY, FIELDS),
        "sheets.spreadsheets.values.batchUpdate",
    ),
    _sheets(
        "values_batch_update_by_data_filter",
        "POST",
        f"{_VALUES}:batchUpdateByDataFilter",
        MUTATING,
        Values.batch_update_by_data_filter,
        (SID, BODY, FIELDS),
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
    ),
    _sheets(
        "values_batch_clear",
        "POST",
        f"{_VALUES}:batchClear",
        MUTATING,
        Values.batch_clear,
        (SID, BODY, FIELDS),
        "sheets.spreadsheets.values.batchClear",
    ),
    _sheets(
        "developer_metadata_get",
        "GET",
        f"{_SHEETS}/{_SID}/developerMetadata/<int:metadata_id>",
        READING,
        Sheets.developer_metadata_get,
        (SID, path("metadata_id"), FIELDS),
        "sheets.spreadsheets.developerMetadata.get",
    ),
    _sheets(
        "developer_metadata_search",
        "POST",
        f"{_SHEETS}/{_SID}/developerMetadata:search",
        READING,
        Sheets.developer_metadata_search,
        (SID, BODY, FIELDS),
        "sheets.spreadsheets.developerMetadata.search",
    ),
    _sheets(
        "sheets_copy_to",
        "POST",
        f"{_SHEETS}/{_SID}/sheets/<int:sheet_id>:copyTo",
        MUTATING,
        Sheets.copy_sheet_to,
        (SID, path("sheet_id"), BODY, FIELDS),
        "sheets.spreadsheets.sheets.copyTo",
    ),
    # -- Drive v3 (and gspread's v2 media upload) ---------------------------------------------
    _drive(
        "drive_files_create",
        "POST",
        _DRIVE,
        MUTATING,
        Drive.files_create,
        (BODY, ALL_DRIVES, FIELDS),
        "drive.files.create",
    ),
    _drive(
        "drive_files_list",
        "GET",
        _DRIVE,
        READING,
        Drive.files_list,
        (query("q"), Param("page_size", Source.NUMBER), query("page_token"), FIELDS)
        + (query("corpora"), query("drive_id"), flag("include_items_from_all_drives")),
        "drive.files.list",
    ),
    _drive(
        "drive_files_get",
        "GET",
        f"{_DRIVE}/{_FID}",
        READING,
        Drive.files_get,
        (FID, FIELDS, ALL_DRIVES),
        "drive.files.get",
    ),
    _drive(
        "drive_files_delete",
        "DELETE",
        f"{_DRIVE}/{_FID}",
        MUTATING,
        Drive.files_delete,
        (FID, ALL_DRIVES),
        "drive.files.delete",
    ),
    _drive(
        "drive_files_copy",
        "POST",
        f"{_DRIVE}/{_FID}/copy",
        MUTATING,
        Drive.files_copy,
        (FID, BODY, ALL_DRIVES, FIELDS),
        "drive.files.copy",
    ),
    _drive(
        "drive_files_export",
        "GET",
        f"{_DRIVE}/{_FID}/export",
        READING,
        Drive.files_export,
        (FID, query("mime_type")),
        "drive.files.export",
    ),
    _drive(
        "drive_comments_list",
        "GET",
        f"{_DRIVE}/{_FID}/comments",
        READING,
        Drive.comments_list,
        (FID,),
        "drive.comments.list",
    ),
    _drive(
        "drive_permissions_create",
        "POST",
        f"{_DRIVE}/{_FID}/permissions",
        MUTATING,
        Drive.permissions_create,
        (FID, BODY),
        "drive.permissions.create",
    ),
    _drive(
        "drive_permissions_list",
        "GET",
        f"{_DRIVE}/{_FID}/permissions",
        READING,
        Drive.permissions_list,
        (FID,),
        "drive.permissions.list",
    ),
    _drive(
        "drive_permissions_delete",
        "DELETE",
        f"{_DRIVE}/{_FID}/permissions/<permission_id>",
        MUTATING,
        Drive.permissions_delete,
        (FID, path("permission_id")),
        "drive.permissions.delete",
    ),
    _drive(
        "drive_files_import",
        "PUT",
        f"/upload/drive/v2/files/{_FID}",
        MUTATING,
        Drive.files_import,
        (FID, Param("data", Source.MEDIA), Param("content_type", Source.MEDIA_TYPE)),
        "drive.files.update",
        document="drive2",
    ),
    # -- google-auth's token exchange ------------------------------------------------------
    Operation(
        "token_exchange",
        "POST",
        "/token",
        "token",
        SERVER,
        control.token_exchange,
        (Param("grant_type", Source.FORM_FIELD, key="grant_type"),)
        + (Param("assertion", Source.FORM_FIELD, key="assertion", default=""),),
    ),
    # -- the control API -----------------------------------------------------------------------
    _control("reset", "POST", f"{_CONTROL}/reset", SERVER, control.reset),
    _control("stats_get", "GET", f"{_CONTROL}/stats", SERVER, control.stats_get),
    _control("stats_reset", "POST", f"{_CONTROL}/stats/reset", SERVER, control.stats_reset),
    _control(
        "faults_set",
        "POST",
        f"{_CONTROL}/faults",
        SERVER,
        control.faults_set,
        (body_field("rules"),),
    ),
    _control("faults_clear", "DELETE", f"{_CONTROL}/faults", SERVER, control.faults_clear),
    _control("seed_spreadsheet", "POST", f"{_CONTROL}/spreadsheets", SERVER, control.seed, (BODY,)),
    _control(
        "emulator_declare_account",
        "POST",
        f"{_CONTROL}/accounts",
        CONTROL,
        Drive.declare_account,
        (body_field("email"), body_field("type", "user")),
    ),
    _control(
        "emulator_create_drive",
        "POST",
        f"{_CONTROL}/drives",
        CONTROL,
        Drive.create_drive,
        (
            body_field("name", "Shared drive"),
            body_field("members"),
            body_field("drive_id", key="id"),
        ),
    ),
]

OPERATIONS: Mapping[str, Operation] = {operation.name: operation for operation in _TABLE}
assert len(OPERATIONS) == len(_TABLE), "an operation is named twice"
