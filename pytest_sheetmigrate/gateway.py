"""The sheet gateway: with transport.py, the only module that calls gspread.

Its methods send one request each (a read of ranges, a batchUpdate, the metadata, a Drive copy),
and the few a request needs besides: a read's lookups of the cells that tell a formula from a
text starting with "=" (formula_kinds.py), the look for a copy whose answer was lost. What to
read, in which chunks, is the reader's (reader.py). It counts every request it sends, retries
what is safe to retry, and turns API refusals into errors that say what to do.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import google.auth.exceptions
import gspread
import orjson
import requests
from gspread.urls import (
    DRIVE_FILES_API_V3_URL,
    SPREADSHEET_BATCH_UPDATE_URL,
    SPREADSHEET_VALUES_BATCH_URL,
    SPREADSHEETS_API_V4_BASE_URL,
)
from gspread.utils import a1_range_to_grid_range

from .a1 import column_letter
from .errors import (
    CredentialsError,
    SheetAccessError,
    SheetStateError,
    StorageQuotaError,
    TransientApiError,
)
from .formula_kinds import FormulaKinds, Span, entered_texts
from .pacing import Pacer
from .request_log import RequestLog, RetryPolicy
from .sheet_info import SheetInfo, SpreadsheetInfo
from .stamp import Stamps

T = TypeVar("T")
Client = gspread.Client
"""The client a gateway sends through (transport.sheets_client builds one)."""
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Drive answers its rate limits with 403 and one of these reasons ("Usage limits" guide): a pause.
DRIVE_RATE_LIMITS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})
# A 403 for a Cloud project that has not enabled the API (Drive's errors[] reason, the
# ErrorInfo's; gspread issue 1286 shows both), and for a token without the scopes (reason
# insufficientPermissions or forbidden, "Request had insufficient authentication scopes.":
# gspread issue 512, googleworkspace/java-samples issue 110, google-api-dotnet-client 776).
API_DISABLED = frozenset({"accessNotConfigured", "SERVICE_DISABLED"})
SCOPES_MISSING = "insufficient authentication scopes"
# Google's refusal of a write into a protected range by an account that may not edit it.
PROTECTED_MESSAGE = "You are trying to edit a protected cell or object"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
METADATA_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties(sheetId,title,index,gridProperties),merges,developerMetadata),"
    "developerMetadata"
)
OBJECT_FIELDS = (
    "namedRanges,sheets(properties(sheetId,title),conditionalFormats,filterViews,basicFilter)"
)
"""The objects whose ranges a columns step may change (formulas/objects.py)."""
OPENING_FIELDS = (
    "spreadsheetId,properties.title,developerMetadata,namedRanges,"
    "sheets(properties(sheetId,title,index,gridProperties),merges,developerMetadata,"
    "conditionalFormats,filterViews,basicFilter)"
)
"""``METADATA_FIELDS`` and ``OBJECT_FIELDS`` in one answer: what a run opens on (one request
where there were two; neither part grows with the rows)."""
VALIDATION_FIELDS = "sheets.data(startRow,startColumn,rowData.values.dataValidation)"
KIND_FIELDS = "sheets.data(startRow,startColumn,rowData.values.userEnteredValue)"
"""What tells a formula from a text starting with "=" (formula_kinds.py)."""


GOOGLE_ENDPOINT = "https://sheets.googleapis.com"


def sheet_url(key: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}/edit"


def _parsed(body: bytes) -> Any:
    """A JSON answer parsed with orjson, about twice as fast as json on a 2 MB chunk of values.

    The API sends numbers as doubles; orjson reads an integer literal beyond 64 bits as the
    double nearest to it, which is the value Sheets holds. What orjson refuses (an escaped lone
    surrogate) is parsed by json, as before.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class SheetGateway:
    """One spreadsheet, seen through gspread."""

    def __init__(
        self,
        client: Client,
        key: str,
        *,
        log: RequestLog | None = None,
        retry: RetryPolicy | None = None,
        account: str | None = None,
        endpoint: str = GOOGLE_ENDPOINT,
        token_endpoint: str | None = None,
        sheet_given_by: str = "--sheet",
        given_backup: str | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.client = client
        self.key = key
        self.log = log if log is not None else RequestLog()
        self.retry = retry or RetryPolicy()
        self.pacer = pacer if pacer is not None else Pacer(0, 0)  # none given: not paced
        self.account = account
        self.endpoint = endpoint
        self.token_endpoint = token_endpoint
        self.is_copy = False  # a gateway to a backup copy (see other())
        self.sheet_given_by = sheet_given_by  # where the user named the spreadsheet, for messages
        self.given_backup = given_backup  # the key passed with --backup, if any
        self.notify: Callable[[str], None] = lambda line: None  # waits worth telling the user
        self._http = client.http_client

    def other(self, key: str) -> SheetGateway:
        """A gateway to another spreadsheet sharing this one's client and request log."""
        other = SheetGateway(
            self.client,
            key,
            log=self.log,
            retry=self.retry,
            account=self.account,
            endpoint=self.endpoint,
            token_endpoint=self.token_endpoint,
            sheet_given_by=self.sheet_given_by,
            given_backup=self.given_backup,
            pacer=self.pacer,  # the same account's quota
        )
        other.notify = self.notify
        other.is_copy = True
        return other

    # reads ---------------------------------------------------------------------------------

    def metadata(self) -> SpreadsheetInfo:
        return self._info(self._get(METADATA_FIELDS))

    def opening(self) -> tuple[SpreadsheetInfo, dict[str, Any]]:
        """The metadata, and the objects (:meth:`objects`, without the validation rules) from
        the same answer: one spreadsheets.get."""
        raw = self._get(OPENING_FIELDS)
        return self._info(raw), raw

    def _get(self, fields: str) -> dict[str, Any]:
        return dict(
            self._call(
                "spreadsheets.get",
                lambda: self._http.fetch_sheet_metadata(self.key, params={"fields": fields}),
            )
        )

    def _info(self, raw: dict[str, Any]) -> SpreadsheetInfo:
        sheets = {}
        for sheet in raw.get("sheets", []):
            props = sheet["properties"]
            grid = props.get("gridProperties", {})
            sheets[props["title"]] = SheetInfo(
                sheet_id=props["sheetId"],
                title=props["title"],
                row_count=grid.get("rowCount", 0),
                column_count=grid.get("columnCount", 0),
                merges=tuple(sheet.get("merges", ())),
                stamps=Stamps.parse(sheet.get("developerMetadata", []), props["sheetId"]),
            )
        return SpreadsheetInfo(
            key=self.key,
            title=raw.get("properties", {}).get("title", self.key),
            sheets=sheets,
            stamps=Stamps.parse(raw.get("developerMetadata", [])),
        )

    def read(self, ranges: list[str]) -> list[list[list[Any]]]:
        """Values of each range as stored (formulas as ``Formula``, numbers as numbers, text as
        ``str``), rows ragged."""
        value_ranges, _, equals_strings = self.batch_get(ranges)
        found = [value_range.get("values", []) for value_range in value_ranges]
        if equals_strings:
            for value_range, values in zip(value_ranges, found, strict=True):
                prefix, cells = str(value_range["range"]).rsplit("!", 1)
                corner = a1_range_to_grid_range(cells)
                first_row = corner.get("startRowIndex", 0) + 1
                kinds = FormulaKinds(
                    functools.partial(self.lookup_entered_texts, prefix),
                    first_row + len(values) - 1,
                )
                kinds.mark(values, first_row, corner.get("startColumnIndex", 0))
        return found

    def file(self, key: str) -> dict[str, Any]:
        """Drive metadata of a spreadsheet copy (a backup given by hand); refuses anything else."""
        found: dict[str, Any] = self._call(
            "drive.files.get",
            lambda: self._http.request(
                "get",
                f"{DRIVE_FILES_API_V3_URL}/{key}",
                params={"supportsAllDrives": True, "fields": "id,name,mimeType,trashed"},
            ).json(),
            target=key,
        )
        if found.get("trashed") or found.get("mimeType", SPREADSHEET_MIME) != SPREADSHEET_MIME:
            raise SheetStateError(
                f"--backup {key} ({found.get('name', '?')}) is "
                + ("in the Drive trash" if found.get("trashed") else "not a Google Sheet")
                + ": pass the key of a spreadsheet copy, or leave --backup out"
            )
        return found

    def lookup_entered_texts(self, prefix: str, spans: list[Span]) -> list[dict[int, str]]:
        """The ``"="`` cells of each column span as entered (formula_kinds.py), one request."""
        ranges = [
            f"{prefix}!{letter}{first}:{letter}{last}"
            for column, first, last in spans
            for letter in [column_letter(column)]
        ]
        grids = self.grid_data(ranges, KIND_FIELDS)
        starts = [(g.get("startRow", 0) + 1, g.get("startColumn", 0)) for g in grids]
        if starts != [(first, column) for column, first, _ in spans]:
            raise TransientApiError(
                f"spreadsheets.get answered {len(grids)} ranges for the {len(spans)} asked "
                f"({', '.join(ranges)}); run again"
            )
        return [
            entered_texts(grid, first) for grid, (_, first, _) in zip(grids, spans, strict=True)
        ]

    def objects(self, validated_rows: str, found: dict[str, Any] | None = None) -> dict[str, Any]:
        """The spreadsheet's named ranges and each tab's conditional formats, filter views and
        basic filter (``found``: as :meth:`opening` read them), with the data validation rules
        of the cells of ``validated_rows`` (an A1 range; a rule is a property of each cell):
        spreadsheets.get requests (one with ``found``) whose answers do not grow with the rows."""
        found = dict(found) if found is not None else self._get(OBJECT_FIELDS)
        found["sheets"] = [dict(sheet) for sheet in found.get("sheets", [])]  # "data" added below
        data = self.grid_data([validated_rows], VALIDATION_FIELDS)
        title = validated_rows.rsplit("!", 1)[0].strip("'").replace("''", "'")
        for sheet in found.get("sheets", []):
            if sheet.get("properties", {}).get("title") == title:
                sheet["data"] = data
        return dict(found)

    def grid_data(self, ranges: list[str], fields: str) -> list[dict[str, Any]]:
        """The GridData of ``ranges`` (all on one sheet), one spreadsheets.get."""
        raw = self._call(
            "spreadsheets.get",
            lambda: self._http.fetch_sheet_metadata(
                self.key, params={"ranges": ranges, "fields": fields}
            ),
        )
        sheets = raw.get("sheets") or [{}]
        return list(sheets[0].get("data", []))

    def batch_get(self, ranges: list[str]) -> tuple[list[dict[str, Any]], int, int]:
        """The value ranges, the answer's size, and how many of its strings may start with
        ``=`` at most (formulas, or text the kinds lookup tells apart; ``"=`` in the JSON)."""

        def get() -> tuple[list[dict[str, Any]], int, int]:
            response = self._http.request(
                "get",
                SPREADSHEET_VALUES_BATCH_URL % self.key,
                params={"ranges": ranges, "valueRenderOption": "FORMULA"},
            )
            body = response.content
            return _parsed(body).get("valueRanges", []), len(body), body.count(b'"=')

        return self._call("values.batchGet", get)

    # writes --------------------------------------------------------------------------------

    def batch_update(
        self,
        requests_: list[dict[str, Any]],
        *,
        already_applied: Callable[[], bool],
        before_resend: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Send one all-or-nothing batchUpdate.

        When its answer is lost, ``already_applied`` (a look at the stamp) decides whether it is
        sent again, so a write is never applied twice. ``before_resend`` runs after the wait,
        right before it is sent again, and may refuse (raise) a write the sheet no longer fits.
        """
        body = {"requests": requests_}
        self.log.bytes_up += len(orjson.dumps(body))
        return self._call(
            "spreadsheets.batchUpdate",
            lambda: self._post(SPREADSHEET_BATCH_UPDATE_URL % self.key, body),
            already_applied=already_applied,
            before_resend=before_resend,
        )

    def write_by_data_filter(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        """One values.batchUpdateByDataFilter (RAW): each DataFilterValueRange lands on the
        range its filter matches when Google applies it, wherever that range is by then. Sent
        again when its answer is lost: the same values written twice are written once."""
        body = {"valueInputOption": "RAW", "data": data}
        self.log.bytes_up += len(orjson.dumps(body))
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/values:batchUpdateByDataFilter"
        answer: dict[str, Any] = self._call(
            "values.batchUpdateByDataFilter",
            lambda: self._post(url, body),
        )
        return answer

    def _post(self, url: str, body: dict[str, Any]) -> Any:
        """POST ``body`` as compact JSON (what ``bytes_up`` counts; gspread's ``json=`` sends
        a space after every comma and colon, ~1.3x the bytes of a column of defaults)."""
        headers = {"Content-Type": "application/json"}
        return self._http.request("post", url, data=orjson.dumps(body), headers=headers).json()

    def copy(self, name: str, folder: str | None = None, *, not_this: str | None = None) -> str:
        """A Drive copy of the whole spreadsheet named ``name``, in ``folder`` (a shared
        drive's folder, ``parents=[folder]``) or the account's My Drive; the copy's key.

        When the answer is lost, the newest spreadsheet of that name is taken for the copy
        instead of copying again, unless it is ``not_this`` (a copy of that name found before,
        and not wanted): then the copy did not land and is sent again.
        """
        found: list[str] = []

        def made() -> bool:
            found[:] = [key for key in [self.find_copy(name, folder)] if key and key != not_this]
            return bool(found)

        body: dict[str, Any] = {"name": name, "mimeType": SPREADSHEET_MIME}
        if folder:
            body["parents"] = [folder]
        response = self._call(
            "drive.files.copy",
            lambda: self._http.request(
                "post",
                f"{DRIVE_FILES_API_V3_URL}/{self.key}/copy",
                json=body,
                params={"supportsAllDrives": True},
            ).json(),
            already_applied=made,
            refused=(lambda error: self._folder_refused(folder, error)) if folder else None,
        )
        return str(response.get("id") or found[0])

    def _folder_refused(
        self, folder: str, error: gspread.exceptions.APIError
    ) -> SheetAccessError | None:
        """Drive refused a copy into ``folder``: the spreadsheet opened, so the folder is the
        cause (Drive answers 404 "File not found: <folder>." for a folder the account cannot
        see, 403 for a shared drive it may not add files to). None for a storage-quota 403
        (the folder is not a shared drive's) and a 401: said as everywhere."""
        reason = _reason(error)
        if error.code not in (403, 404) or reason == "storageQuotaExceeded":
            return None
        who = self.account or "the account in use"
        said = f"{error.code} {reason or error.error.get('status', '')}".strip()
        return SheetAccessError(
            f"Drive refused the backup copy in --backup-folder {folder} ({said}: "
            f"{error.error.get('message', '')}). Check that {folder} is the id of a shared "
            f"drive, or of a folder in one (the last part of its URL), and that {who} is a "
            "member of that shared drive as Contributor or above; or choose --backup-kind tab "
            "or local"
        )

    def copy_sheet_to(
        self, sheet_id: int, destination: str, *, already_copied: Callable[[], bool]
    ) -> dict[str, Any]:
        """sheets.copyTo: this spreadsheet's tab ``sheet_id`` copied into spreadsheet
        ``destination`` as a new tab; its SheetProperties. When the answer is lost,
        ``already_copied`` (a look at the destination's tabs) decides whether it is sent again,
        so no second copy is left; ``{}`` is returned then."""
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/sheets/{sheet_id}:copyTo"
        copied: dict[str, Any] = self._call(
            "spreadsheets.sheets.copyTo",
            lambda: self._http.request(
                "post", url, json={"destinationSpreadsheetId": destination}
            ).json(),
            already_applied=already_copied,
        )
        return copied

    def find_copy(self, name: str, folder: str | None = None) -> str | None:
        """The key of the newest spreadsheet on Drive named exactly ``name`` (in ``folder``,
        searched over every drive the account is in, when given), or None."""
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        query = f"name = '{quoted}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false"
        params: dict[str, Any] = {
            "orderBy": "createdTime desc",
            "pageSize": 1,
            "fields": "files(id)",
            "supportsAllDrives": True,
            "includeItemsFromAllDrives": True,
        }
        if folder:
            query += f" and '{folder}' in parents"
            params["corpora"] = "allDrives"
        listed = self._call(
            "drive.files.list",
            lambda: self._http.request(
                "get", DRIVE_FILES_API_V3_URL, params={"q": query, **params}
            ).json(),
        )
        files = listed.get("files", [])
        return str(files[0]["id"]) if files else None

    # plumbing ------------------------------------------------------------------------------

    def _call(
        self,
        kind: str,
        send: Callable[[], T],
        *,
        already_applied: Callable[[], bool] | None = None,
        before_resend: Callable[[], None] | None = None,
        target: str | None = None,
        refused: Callable[[gspread.exceptions.APIError], Exception | None] | None = None,
    ) -> T:
        last = ""
        quota_waited = 0.0
        for attempt in range(self.retry.attempts):
            if attempt and before_resend is not None:
                before_resend()
            self.pacer.wait_turn(kind, self.notify)
            with self.log.lock:
                self.log.by_kind[kind] += 1
            quota = False  # a quota refusal: not applied, and waited out for the whole window
            try:
                return send()
            except gspread.exceptions.APIError as error:
                rate_limited = _reason(error) in DRIVE_RATE_LIMITS
                if error.code not in RETRYABLE_STATUS and not rate_limited:
                    said = refused(error) if refused is not None else None
                    raise (said or self._refusal(error, target or self.key)) from None
                status = _reason(error) if rate_limited else error.error.get("status", "")
                last = f"{error.code} {status}".strip()
                retry_after = error.response.headers.get("Retry-After")
                quota = error.code == 429 or rate_limited
                if quota:
                    with self.log.lock:
                        self.log.quota_refusals += 1
            except google.auth.exceptions.RefreshError as error:
                if not error.retryable:
                    raise self._token_refused(error) from None
                last = f"token refresh failed ({error.__class__.__name__})"
                retry_after = None
            except google.auth.exceptions.TransportError:
                where = self.token_endpoint or "of the credentials"
                last = (
                    f"could not reach the token endpoint {where}: check token_uri in the "
                    "--credentials file, and the network"
                )
                retry_after = None
            except (requests.ConnectionError, requests.Timeout) as error:
                last = f"no answer from {self.endpoint} ({error.__class__.__name__})"
                retry_after = None
            if already_applied is not None and not quota and already_applied():
                return {}  # type: ignore[return-value]
            if attempt + 1 < self.retry.attempts:
                with self.log.lock:
                    self.log.retries += 1
                delay = self.retry.delay(attempt, retry_after, quota=quota)
                if quota and not retry_after:
                    delay = min(delay, self.retry.quota_bound_seconds - quota_waited)
                    quota_waited += delay
                why = "quota exceeded, " if quota else ""
                asked = " as the API asked" if retry_after else ""
                self.notify(
                    f"{kind}: {why}{last}; waiting {delay:.1f} s{asked} "
                    f"(retry {attempt + 1} of {self.retry.attempts - 1})"
                )
                self.retry.sleep(delay)
        raise TransientApiError(
            f"{kind} on spreadsheet {self.key} failed {self.retry.attempts} times "
            f"(last: {last}). Nothing half-done was kept: run the same command again to resume."
        )

    def _refusal(self, error: gspread.exceptions.APIError, key: str) -> Exception:
        message = error.error.get("message", str(error))
        if error.code == 401:
            return CredentialsError(
                f"the API rejected the credentials (401): {message} "
                "Check --credentials, or create a new key for the service account."
            )
        who = self.account or "the account in use"
        if PROTECTED_MESSAGE in message:
            return SheetAccessError(
                f"the write touches a protected range or sheet ({error.code}), so nothing was "
                f"written: add {who} to the editors of the protection, or remove it (Data > "
                "Protect sheets and ranges in Google Sheets), then run the same command again"
            )
        if error.code == 403:
            return self._forbidden(error, key, who)
        if error.code == 404:
            return self._not_found(key, who)
        return SheetStateError(f"the Sheets API refused the request ({error.code}): {message}")

    def _forbidden(
        self, error: gspread.exceptions.APIError, key: str, who: str
    ) -> SheetAccessError | CredentialsError:
        """A 403 told apart by Google's reason (Drive "Resolve errors",
        developers.google.com/drive/api/guides/handle-errors, and the reports cited below);
        Drive's rate limits never get here: they are retried (:meth:`_call`)."""
        reason = _reason(error)
        message = error.error.get("message", "")
        if reason == "storageQuotaExceeded":
            return StorageQuotaError(
                f"{who} cannot own the backup copy (403 storageQuotaExceeded): Google gives a "
                "service account no Drive storage of its own (\"Service accounts don't have "
                'storage quota ... they must upload files and folders into shared drives"). '
                "Choose another backup: --backup-folder FOLDER_ID (a folder of a shared drive "
                "the account may add files to), --backup-kind tab (a hidden, protected copy of "
                "the worksheet in the same spreadsheet), --backup-kind local (the local snapshot "
                "alone), --backup-fallback tab|local to fall back to one of those when this "
                "happens, --backup KEY with a copy made by hand, or run with a user's credentials"
            )
        if reason in API_DISABLED:  # gspread issue 1286: "... has not been used in project"
            return CredentialsError(
                f"the credentials' Cloud project may not use this API (403 {reason}): "
                f"{message} Enable the Google Sheets API and the Google Drive API for it "
                "(APIs & Services > Library), wait a few minutes, then run the same command again"
            )
        if reason == "insufficientPermissions" or SCOPES_MISSING in message:
            return CredentialsError(
                f"the credentials' token lacks a scope this tool needs (403 {reason}): make "
                "them for the scopes https://www.googleapis.com/auth/spreadsheets and "
                "https://www.googleapis.com/auth/drive (a service-account key has both)"
            )
        shown = reason or error.error.get("status", "") or "PERMISSION_DENIED"
        return SheetAccessError(
            f"{who} has no access to spreadsheet {key}, or may only view it (403 {shown}): "
            f"share {sheet_url(key)} with {who} as Editor (Share button in Google Sheets)"
        )

    def _not_found(self, key: str, who: str) -> SheetAccessError:
        """A 404, said in the terms of where the key came from: the spreadsheet setting, the
        --backup option, or the backup copy the migration recorded in its stamp."""
        where = f"(404) at {self.endpoint}"
        if key == self.given_backup:
            return SheetAccessError(
                f"the backup copy {key} was not found {where}, tried "
                f"{sheet_url(key)}: check --backup (a key such as 1AbC...xyz or the full "
                "https://docs.google.com/spreadsheets/d/KEY/edit URL), or leave it out and the "
                "tool makes the copy"
            )
        if self.is_copy or key != self.key:
            return SheetAccessError(
                f"the backup copy {key} recorded by the migration's stamp is gone (404 at "
                f"{self.endpoint}): it was deleted, or {who} can no longer open it. Restore it "
                "from the Drive trash (drive.google.com > Trash > Restore), or share it with "
                f'{who} again, then run the same command again (docs/runbook.md: "the backup copy '
                "... recorded by the migration's stamp is gone\")"
            )
        return SheetAccessError(
            f"spreadsheet {key} was not found {where}, tried {sheet_url(key)}: check "
            f"{self.sheet_given_by} (a key such as 1AbC...xyz or the full "
            "https://docs.google.com/spreadsheets/d/KEY/edit URL)"
        )

    def _token_refused(self, error: google.auth.exceptions.RefreshError) -> CredentialsError:
        reason = str(error.args[0] if error.args else error)[:160]
        who = self.account or "the credentials in use"
        return CredentialsError(
            f"the token endpoint refused {who} ({reason}): check token_uri and private_key in "
            "the --credentials file, or create a new key (IAM > Service accounts > Keys)"
        )


def _reason(error: gspread.exceptions.APIError) -> str:
    """Google's reason for a refusal: Drive's ``errors[0].reason``, else an ErrorInfo's."""
    for item in error.error.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    for detail in error.error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return ""
