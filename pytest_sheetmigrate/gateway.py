"""The sheet gateway: the only module that calls gspread.

Everything above it speaks in rows, ranges and batches. It counts every request it sends, reads in
chunks of about 2 MB, retries what is safe to retry, and turns API refusals into errors that say
what to do.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import google.auth.exceptions
import gspread
import orjson
import requests
from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEET_VALUES_BATCH_URL
from gspread.utils import absolute_range_name

from .errors import CredentialsError, SheetAccessError, SheetStateError, TransientApiError
from .stamp import COLUMN_MARKER_KEY, Stamps

T = TypeVar("T")
_END = object()
CHUNK_BYTES = 2 * 1024 * 1024
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Drive answers its rate limits with 403 and one of these reasons ("Usage limits" guide): a pause.
DRIVE_RATE_LIMITS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})
# Google's refusal of a write into a protected range by an account that may not edit it.
PROTECTED_MESSAGE = "You are trying to edit a protected cell or object"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
METADATA_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties(sheetId,title,index,gridProperties),merges,developerMetadata),"
    "developerMetadata"
)
LAYOUT_FIELDS = (
    "sheets(properties.sheetId,data(rowData.values(userEnteredValue,formattedValue),"
    "columnMetadata.developerMetadata(metadataKey,metadataValue)))"
)


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


def _header_text(cell: dict[str, Any]) -> str:
    """A header cell's text as a FORMULA read gives it: its string or formula, else as shown."""
    entered = cell.get("userEnteredValue", {})
    for kind in ("stringValue", "formulaValue"):
        if kind in entered:
            return str(entered[kind])
    return str(cell.get("formattedValue", ""))


def prefetched(items: Iterator[T]) -> Generator[T, None, None]:
    """``items``, each next one fetched in a background thread while the caller works on this one.

    So the server prepares the next chunk while this one is digested. One item ahead at most
    (memory: one chunk more), taken from ``items`` in order by a single thread, so the requests
    sent and their order do not change. An error fetching an item is raised here, when that item
    is asked for. A caller that stops early leaves the item being fetched to finish and be
    dropped (one request more than it used).
    """
    asks: queue.SimpleQueue[bool] = queue.SimpleQueue()
    answers: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def fetch() -> None:
        while asks.get():
            try:
                answers.put((True, next(items, _END)))
            except BaseException as error:  # handed to the caller's thread
                answers.put((False, error))
                return

    threading.Thread(target=fetch, name="sheetmigrate-prefetch", daemon=True).start()
    asks.put(True)
    try:
        while True:
            fetched, item = answers.get()
            if not fetched:
                raise item
            if item is _END:
                return
            asks.put(True)
            yield item
    finally:
        asks.put(False)


@dataclass
class RequestLog:
    """What a run sent: requests by kind and bytes uploaded."""

    by_kind: Counter[str] = field(default_factory=Counter)
    bytes_up: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Held to count: a prefetching thread may send while the caller does."""

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_kind": dict(self.by_kind),
            "bytes_up": self.bytes_up,
            "retries": self.retries,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded; honours Retry-After."""

    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), self.cap_seconds)
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: int
    title: str
    row_count: int
    column_count: int
    merges: tuple[dict[str, Any], ...]
    stamps: Stamps = Stamps(())
    """The worksheet's own (sheet-located) stamps."""


@dataclass(frozen=True)
class SpreadsheetInfo:
    key: str
    title: str
    sheets: dict[str, SheetInfo]
    stamps: Stamps
    """The spreadsheet-level items: the lease, and the stamps older versions wrote there."""

    def stamps_of(self, sheet_id: int, *, legacy: bool) -> Stamps:
        """What the migration of worksheet ``sheet_id`` sees (:meth:`Stamps.for_worksheet`),
        found by its id, which stays when the tab is renamed or moved."""
        own = [sheet.stamps for sheet in self.sheets.values() if sheet.sheet_id == sheet_id]
        return self.stamps.for_worksheet(own[0] if own else Stamps((), sheet_id), legacy=legacy)

    def after(
        self, requests: list[dict[str, Any]], replies: list[dict[str, Any]]
    ) -> SpreadsheetInfo:
        """This spreadsheet once a batchUpdate of ``requests`` answered ``replies``: its stamps
        and each worksheet's, as they are then (no re-read)."""
        sheets = {
            title: replace(sheet, stamps=sheet.stamps.after(requests, replies))
            for title, sheet in self.sheets.items()
        }
        return replace(self, sheets=sheets, stamps=self.stamps.after(requests, replies))

    def sheet(self, title: str) -> SheetInfo:
        if title not in self.sheets:
            listed = ", ".join(repr(name) for name in self.sheets) or "none"
            raise SheetStateError(
                f"spreadsheet {self.title!r} has no worksheet {title!r} (it has {listed}): "
                "fix `worksheet` in the schema file or pick the right --sheet"
            )
        return self.sheets[title]


@dataclass(frozen=True)
class ColumnLayout:
    """A worksheet's columns as they are now: the header row and where each marker is."""

    header: tuple[str, ...]
    markers: dict[str, tuple[int, ...]]
    """Schema name -> 0-based indexes of the columns carrying its marker (one, normally)."""

    def name_at(self, index: int) -> str:
        return self.header[index] if index < len(self.header) else ""


class SheetGateway:
    """One spreadsheet, seen through gspread."""

    def __init__(
        self,
        client: gspread.Client,
        key: str,
        *,
        log: RequestLog | None = None,
        retry: RetryPolicy | None = None,
        account: str | None = None,
        endpoint: str = GOOGLE_ENDPOINT,
        token_endpoint: str | None = None,
    ) -> None:
        self.client = client
        self.key = key
        self.log = log if log is not None else RequestLog()
        self.retry = retry or RetryPolicy()
        self.account = account
        self.endpoint = endpoint
        self.token_endpoint = token_endpoint
        self.is_copy = False  # a gateway to a backup copy (see other())
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
        )
        other.notify = self.notify
        other.is_copy = True
        return other

    # reads ---------------------------------------------------------------------------------

    def metadata(self) -> SpreadsheetInfo:
        raw = self._call(
            "spreadsheets.get",
            lambda: self._http.fetch_sheet_metadata(self.key, params={"fields": METADATA_FIELDS}),
        )
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

    def column_layout(self, sheet: str) -> ColumnLayout:
        """The header row of ``sheet`` and its column markers, read together in one request."""
        raw = self._call(
            "spreadsheets.get",
            lambda: self._http.fetch_sheet_metadata(
                self.key,
                params={"ranges": [absolute_range_name(sheet, "1:1")], "fields": LAYOUT_FIELDS},
            ),
        )
        (data,) = raw["sheets"][0].get("data", [{}])
        row = (data.get("rowData") or [{}])[0].get("values", [])
        header = tuple(_header_text(cell) for cell in row)
        markers: dict[str, list[int]] = {}
        for index, column in enumerate(data.get("columnMetadata", [])):
            for item in column.get("developerMetadata", []):
                if item.get("metadataKey") == COLUMN_MARKER_KEY:
                    markers.setdefault(item.get("metadataValue", ""), []).append(index)
        return ColumnLayout(header, {name: tuple(found) for name, found in markers.items()})

    def read(self, ranges: list[str]) -> list[list[list[Any]]]:
        """Values of each range as stored (formulas as text, numbers as numbers), rows ragged."""
        return [value_range.get("values", []) for value_range in self._batch_get(ranges)[0]]

    def iter_rows(
        self, sheet: str, first_row: int, last_row: int, columns_hint: int
    ) -> Iterator[list[list[Any]]]:
        """Rows ``first_row..last_row`` (1-based, inclusive, every column) in ~2 MB chunks.

        The first chunk is sized from ``columns_hint`` (about 12 bytes a cell), the next ones from
        the bytes the previous one took. Each chunk is padded to the rows it covers, so the
        caller can count rows by position.
        """
        rows_per_chunk = max(100, CHUNK_BYTES // (12 * max(columns_hint, 1)))
        row = first_row
        while row <= last_row:
            end = min(last_row, row + rows_per_chunk - 1)
            ranges, size = self._batch_get([absolute_range_name(sheet, f"{row}:{end}")])
            values = ranges[0].get("values", [])
            values.extend([] for _ in range(end - row + 1 - len(values)))
            yield values
            bytes_per_row = max(size / (end - row + 1), 1.0)
            rows_per_chunk = max(100, min(100_000, int(CHUNK_BYTES / bytes_per_row)))
            row = end + 1

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

    def _batch_get(self, ranges: list[str]) -> tuple[list[dict[str, Any]], int]:
        def get() -> tuple[list[dict[str, Any]], int]:
            response = self._http.request(
                "get",
                SPREADSHEET_VALUES_BATCH_URL % self.key,
                params={"ranges": ranges, "valueRenderOption": "FORMULA"},
            )
            return _parsed(response.content).get("valueRanges", []), len(response.content)

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
            lambda: self._http.batch_update(self.key, body),
            already_applied=already_applied,
            before_resend=before_resend,
        )

    def copy(self, name: str) -> str:
        """A Drive copy of the whole spreadsheet named ``name``; returns the copy's key.

        When the answer is lost, the newest spreadsheet of that name is taken for the copy
        instead of copying again (the caller compares its content with the source).
        """
        found: list[str] = []

        def made() -> bool:
            found[:] = [key for key in [self.find_copy(name)] if key]
            return bool(found)

        response = self._call(
            "drive.files.copy",
            lambda: self._http.request(
                "post",
                f"{DRIVE_FILES_API_V3_URL}/{self.key}/copy",
                json={"name": name, "mimeType": SPREADSHEET_MIME},
                params={"supportsAllDrives": True},
            ).json(),
            already_applied=made,
        )
        return str(response.get("id") or found[0])

    def find_copy(self, name: str) -> str | None:
        """The key of the newest spreadsheet on Drive named exactly ``name``, or None."""
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        query = f"name = '{quoted}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false"
        listed = self._call(
            "drive.files.list",
            lambda: self._http.request(
                "get",
                DRIVE_FILES_API_V3_URL,
                params={
                    "q": query,
                    "orderBy": "createdTime desc",
                    "pageSize": 1,
                    "fields": "files(id)",
                    "supportsAllDrives": True,
                    "includeItemsFromAllDrives": True,
                },
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
    ) -> T:
        last = ""
        for attempt in range(self.retry.attempts):
            if attempt and before_resend is not None:
                before_resend()
            with self.log.lock:
                self.log.by_kind[kind] += 1
            try:
                return send()
            except gspread.exceptions.APIError as error:
                rate_limited = _reason(error) in DRIVE_RATE_LIMITS
                if error.code not in RETRYABLE_STATUS and not rate_limited:
                    raise self._refusal(error, target or self.key) from None
                status = _reason(error) if rate_limited else error.error.get("status", "")
                last = f"{error.code} {status}".strip()
                retry_after = error.response.headers.get("Retry-After")
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
            if already_applied is not None and already_applied():
                return {}  # type: ignore[return-value]
            if attempt + 1 < self.retry.attempts:
                with self.log.lock:
                    self.log.retries += 1
                delay = self.retry.delay(attempt, retry_after)
                why = "quota exceeded, " if last.startswith("429") else ""
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
        if error.code == 403 and _reason(error) == "storageQuotaExceeded":
            return SheetAccessError(
                f"{who} cannot own the backup copy (403 storageQuotaExceeded): Google gives a "
                "service account no Drive storage of its own. Make the copy by hand (File > Make "
                "a copy in Google Sheets) and pass its key with --backup, or run with a user's "
                "credentials"
            )
        if error.code == 403:
            return SheetAccessError(
                f"{who} has no access to spreadsheet {key} (403): share {sheet_url(key)} with "
                f"{who} as Editor (Share button in Google Sheets)"
            )
        if error.code == 404:
            flag = "--sheet" if key == self.key and not self.is_copy else "--backup"
            return SheetAccessError(
                f"spreadsheet {key} was not found (404) at {self.endpoint}, tried "
                f"{sheet_url(key)}: check {flag} (a key such as 1AbC...xyz or the full "
                "https://docs.google.com/spreadsheets/d/KEY/edit URL)"
            )
        return SheetStateError(f"the Sheets API refused the request ({error.code}): {message}")

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
