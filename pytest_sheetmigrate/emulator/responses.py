"""The thin HTTP layer of the local Sheets server: a WSGI app over ``Store`` / ``SheetsBackend``.

For an emulated Sheets or Drive request it counts the request, applies the fault rules, checks
the bearer token (and quota), checks the request against Google's discovery documents
(``discovery.check_request``), maps the path and query string to the backend operation's kwargs,
runs it through the store and renders the result as JSON. An ``ApiError`` becomes Google's error
JSON in the shape of the API it came from (Sheets or Drive). No API semantics live here.

Answers of the emulated APIs (errors included) are pretty-printed as Google's are, byte for
byte as in the recordings (2-space indent, ``": "``, non-ASCII as UTF-8, a final newline),
unless the request has the standard parameter ``prettyPrint=false`` (then compact JSON). A
request body over 10,485,760 bytes is refused as Google refuses it, from its Content-Length
before the body is read (a chunked body is read up to the limit).

Also served on the same origin: ``POST /token`` (google-auth's service-account JWT-bearer
exchange) and the control API under ``/_emulator/`` — neither is counted in the stats nor
subject to faults or quota; their answers are compact JSON.

Not implemented: request-body compression, ``alt=`` media variants, resumable uploads, Drive
permission updates (``PATCH .../permissions/<id>``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from . import discovery, exceptions
from .exceptions import ApiError
from .faults import FaultRuleError, FaultRules, Stats
from .interleave import Interleaving
from .quotas import Limit, Quotas, QuotaSettings, Refusal
from .store import Store
from .urls import Route, url_map

log = logging.getLogger(__name__)

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ISSUED_TOKEN_PREFIX = "ya29.emulator."
TOKEN_LIFETIME_S = 3599
_JSON = "application/json; charset=UTF-8"
# Google's request size limit ("Request payload size exceeds the limit: 10485760 bytes.").
MAX_PAYLOAD_BYTES = 10_485_760
# Drive's media upload (gspread's import_csv) is not held to it: uploads go to a separate
# endpoint with its own, far larger limits.
_UNLIMITED_BODY = frozenset({"drive_files_import"})


class ConnectionDropped(ConnectionAbortedError):
    """Raised out of the WSGI app after its socket was shut down on purpose (a fault).

    werkzeug's request handler treats ``ConnectionError`` as "the client went away": it sends
    nothing and logs nothing, so the client sees a connection closed without any answer.
    """


def drop_connection(environ: Mapping[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionDropped("fault injected: connection dropped")


# -- accounts -------------------------------------------------------------------------------


AccountSpec = str | Mapping[str, str]


class Accounts:
    """Bearer tokens and the account e-mails they stand for.

    With no mapping (and sharing off) every bearer token is accepted. A mapping's value is the
    account's e-mail, or ``{"email": ..., "type": "service_account" | "user"}`` to declare its
    kind (:attr:`service_accounts`). Tokens this server issues at ``/token`` encode the
    account's e-mail, so they stay valid across restarts; they are not signed, and the JWT
    assertion's signature is not verified either: this is a local emulator. Such a token is not
    made a service account's (on Google every JWT-bearer service-account token is one): declare
    the account for that.
    """

    def __init__(self, tokens: Mapping[str, AccountSpec] | None) -> None:
        self.tokens: dict[str, str] | None = None
        self.service_accounts: set[str] = set()
        if tokens is None:
            return
        self.tokens = {}
        for token, spec in tokens.items():
            if isinstance(spec, str):
                self.tokens[token] = spec
                continue
            email, kind = spec.get("email"), spec.get("type", "user")
            if not isinstance(email, str) or kind not in ("user", "service_account"):
                raise ValueError(
                    f'account {token!r}: expected "<e-mail>" or '
                    '{"email": "<e-mail>", "type": "user" | "service_account"}'
                )
            self.tokens[token] = email
            if kind == "service_account":
                self.service_accounts.add(email)

    def issue(self, email: str) -> str:
        encoded = base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")
        return ISSUED_TOKEN_PREFIX + encoded

    def email_for(self, token: str) -> str | None:
        if self.tokens is not None and token in self.tokens:
            return self.tokens[token]
        if token.startswith(ISSUED_TOKEN_PREFIX):
            encoded = token.removeprefix(ISSUED_TOKEN_PREFIX)
            try:
                return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
        return None


def _invalid_credentials() -> ApiError:
    return ApiError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    )


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise exceptions.unauthenticated()
    return token


# -- request parsing: path + query + body -> backend kwargs ---------------------------------


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"true", "1"}


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise exceptions.invalid_argument(
            f"Invalid value at '{name}' (TYPE_INT32), \"{value}\""
        ) from None


def _body(request: Request) -> dict[str, Any]:
    checked = request.environ.get(_CHECKED_BODY)
    if checked is not None:  # parsed and made canonical by the strictness check
        return dict(checked)
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise exceptions.invalid_argument(
            "Invalid JSON payload received. Unexpected token."
        ) from None
    if not isinstance(body, dict):
        raise exceptions.invalid_argument(
            "Invalid JSON payload received. Expected an object at the top level."
        )
    return body


_CHECKED_BODY = "sheetmigrate.checked_body"


def _json_or_none(request: Request) -> Any:
    """The JSON body for the strictness check (cached for the parser), or None if the body is
    empty, not JSON (``_body`` refuses it then) or a media upload."""
    if request.mimetype not in ("", "application/json"):
        return None
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def _read_options(request: Request, prefix: str = "") -> dict[str, Any]:
    args = request.args
    if prefix:
        return {
            "response_value_render_option": args.get("responseValueRenderOption"),
            "response_date_time_render_option": args.get("responseDateTimeRenderOption"),
        }
    return {
        "major_dimension": args.get("majorDimension"),
        "value_render_option": args.get("valueRenderOption"),
        "date_time_render_option": args.get("dateTimeRenderOption"),
    }


Parser = Callable[[Request, dict[str, Any]], dict[str, Any]]


def _all_drives(request: Request) -> dict[str, Any]:
    return {"supports_all_drives": _flag(request.args.get("supportsAllDrives"))}


def _sid(path: dict[str, Any]) -> dict[str, Any]:
    return {"spreadsheet_id": path["spreadsheet_id"]}


def _with_body(request: Request, path: dict[str, Any]) -> dict[str, Any]:
    return {**path, "body": _body(request)}


PARSERS: dict[str, Parser] = {
    "spreadsheets_create": lambda r, p: {"body": _body(r)},
    "spreadsheets_get": lambda r, p: {
        **_sid(p),
        "ranges": r.args.getlist("ranges"),
        "include_grid_data": _flag(r.args.get("includeGridData")),
        "fields": r.args.get("fields"),
    },
    "spreadsheets_batch_update": _with_body,
    "values_get": lambda r, p: {**_sid(p), "range": p["range"], **_read_options(r)},
    "values_batch_get": lambda r, p: {
        **_sid(p),
        "ranges": r.args.getlist("ranges"),
        **_read_options(r),
    },
    "values_update": lambda r, p: {
        **_sid(p),
        "range": p["range"],
        "body": _body(r),
        "value_input_option": r.args.get("valueInputOption"),
        "include_values_in_response": _flag(r.args.get("includeValuesInResponse")),
        **_read_options(r, "response"),
    },
    "values_batch_update": _with_body,
    "values_append": lambda r, p: {
        **_sid(p),
        "range": p["range"],
        "body": _body(r),
        "value_input_option": r.args.get("valueInputOption"),
        "insert_data_option": r.args.get("insertDataOption"),
        "include_values_in_response": _flag(r.args.get("includeValuesInResponse")),
        **_read_options(r, "response"),
    },
    "values_clear": lambda r, p: {**_sid(p), "range": p["range"]},
    "values_batch_clear": _with_body,
    "values_batch_update_by_data_filter": _with_body,
    "developer_metadata_get": lambda r, p: {**p},
    "developer_metadata_search": _with_body,
    "sheets_copy_to": _with_body,
    "drive_files_create": lambda r, p: {"body": _body(r), **_all_drives(r)},
    "drive_files_get": lambda r, p: {**p, "fields": r.args.get("fields"), **_all_drives(r)},
    "drive_files_copy": lambda r, p: {**_with_body(r, p), **_all_drives(r)},
    "drive_files_delete": lambda r, p: {**p, **_all_drives(r)},
    "drive_files_list": lambda r, p: {
        "q": r.args.get("q"),
        "page_size": _int(r.args.get("pageSize"), "page_size"),
        "page_token": r.args.get("pageToken"),
        "fields": r.args.get("fields"),
        "corpora": r.args.get("corpora"),
        "drive_id": r.args.get("driveId"),
        "include_items_from_all_drives": _flag(r.args.get("includeItemsFromAllDrives")),
    },
    "drive_files_export": lambda r, p: {**p, "mime_type": r.args.get("mimeType")},
    "drive_files_import": lambda r, p: {
        **p,
        "data": r.get_data(cache=False).decode("utf-8", errors="replace"),
        "content_type": r.mimetype or None,
    },
    "drive_comments_list": lambda r, p: {**p},
    "drive_permissions_create": _with_body,
    "drive_permissions_list": lambda r, p: {**p},
    "drive_permissions_delete": lambda r, p: {**p},
}


def _with_fields(parser: Parser) -> Parser:
    """A parser that also passes the standard ``fields`` parameter (a partial response)."""
    return lambda r, p: {**parser(r, p), "fields": r.args.get("fields")}


for _operation in (
    "spreadsheets_create",
    "spreadsheets_batch_update",
    "developer_metadata_get",
    "developer_metadata_search",
    "sheets_copy_to",
    "values_get",
    "values_batch_get",
    "values_update",
    "values_batch_update",
    "values_append",
    "values_clear",
    "values_batch_clear",
    "values_batch_update_by_data_filter",
    "drive_files_create",
    "drive_files_copy",
):
    PARSERS[_operation] = _with_fields(PARSERS[_operation])


# -- rendering --------------------------------------------------------------------------------


def encode_json(obj: Any, *, pretty: bool = False) -> bytes:
    """UTF-8 JSON encoded once by orjson (a whole-sheet answer of 74 MB takes about a tenth of
    a second compact). ``pretty`` is Google's pretty form: orjson's 2-space indent, which is
    byte for byte what every JSON answer in the recordings (../shared/fidelity/) is, plus the
    final newline Google sends. What orjson refuses (an int past 64 bits, a lone surrogate) is
    encoded by the standard library instead, with non-ASCII escaped."""
    try:
        if pretty:
            options = orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
            return orjson.dumps(obj, option=options)
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        if pretty:
            return json.dumps(obj, indent=2).encode() + b"\n"
        return json.dumps(obj, separators=(",", ":")).encode()


def json_response(
    body: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    pretty: bool = False,
) -> Response:
    """A JSON answer, sent with its length."""
    return Response(
        encode_json(body, pretty=pretty),
        status=status,
        headers=dict(headers or {}),
        content_type=_JSON,
    )


def error_response(error: ApiError, api: str, *, pretty: bool = True) -> Response:
    headers = {}
    if error.code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
    return json_response(
        error.to_json("drive" if api == "drive" else "sheets"), error.code, headers, pretty=pretty
    )


def pretty_print(request: Request) -> bool:
    """The standard ``prettyPrint`` parameter: answers are pretty unless it is false."""
    value = request.args.get("prettyPrint")
    return value is None or value.strip().lower() not in {"false", "0"}


def check_payload_size(request: Request, operation: str) -> None:
    """Refuse a body over Google's limit: by its Content-Length, without reading it. A body
    without one (chunked) is read up to one byte past the limit, and kept for the parsers."""
    if operation in _UNLIMITED_BODY:
        return
    if request.content_length is not None:
        if request.content_length > MAX_PAYLOAD_BYTES:
            raise exceptions.payload_too_large(MAX_PAYLOAD_BYTES)
        return
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return
    data = bytearray()
    while len(data) <= MAX_PAYLOAD_BYTES and (chunk := environ["wsgi.input"].read(1 << 20)):
        data += chunk
    if len(data) > MAX_PAYLOAD_BYTES:
        raise exceptions.payload_too_large(MAX_PAYLOAD_BYTES)
    # The body, read, handed to werkzeug as an ordinary sized one.
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    del environ["wsgi.input_terminated"]
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def quota_error(refusal: Refusal) -> ApiError:
    """Google's answer past a quota: Sheets' 429, or Drive's 403 rate-limit errors."""
    if refusal.limit.api == "drive":
        return exceptions.drive_rate_limit_exceeded(per_user=refusal.limit.per_user)
    return exceptions.quota_exceeded(refusal.limit)


# Drive answers a delete with 204 and an empty body, whatever the backend returns.
_NO_CONTENT = frozenset({"drive_files_delete", "drive_permissions_delete"})


def _render(operation: str, result: Any, kwargs: dict[str, Any], pretty: bool) -> Response:
    if result is None or operation in _NO_CONTENT:
        return Response(b"", status=204, content_type="text/html")
    if isinstance(result, bytes | str):
        data = result.encode() if isinstance(result, str) else result
        return Response(data, content_type=kwargs.get("mime_type") or "application/octet-stream")
    return json_response(result, pretty=pretty)


def _fault_429(api: str, mutating: bool) -> ApiError:
    """An injected 429: Sheets' per-user quota error at Google's default (60), or Drive's 429
    ("Additional rate limit checks on the Drive backend might also generate a 429")."""
    if api == "drive":
        return exceptions.drive_rate_limit_exceeded(per_user=False, code=429)
    return exceptions.quota_exceeded(
        Limit("sheets", "write" if mutating else "read", per_user=True, value=60)
    )


_HTTP_FAULTS: dict[str, Callable[[str, bool], ApiError]] = {
    "http_429": _fault_429,
    "http_500": lambda api, mutating: exceptions.internal(),
    "http_503": lambda api, mutating: exceptions.unavailable(),
}


# -- the app ---------------------------------------------------------------------------------


class EmulatorApp:
    """The WSGI application: emulated APIs, token exchange and control API on one origin."""

    def __init__(
        self,
        store: Store,
        *,
        sharing: bool = False,
        accounts: Mapping[str, AccountSpec] | None = None,
        quotas: QuotaSettings | None = None,
        latency_ms: int = 0,
    ) -> None:
        self.store = store
        self.sharing = sharing
        self.accounts = Accounts(accounts)
        self.stats = Stats()
        self.faults = FaultRules()
        self.interleaving = Interleaving()  # test-only, off unless set
        self.quotas = Quotas(quotas) if quotas is not None and quotas.enabled else None
        self.latency_ms = latency_ms

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            route, path_args = url_map.bind_to_environ(environ).match()
        except HTTPException:
            error = exceptions.not_found(f"The requested URL {request.path} was not found.")
            return error_response(error, "sheets")(environ, start_response)
        if route.api == "control":
            response = self._control(route.operation, request)
        elif route.api == "token":
            response = self._token_exchange(request)
        else:
            response = self._emulated(request, route, dict(path_args))
        return response(environ, start_response)

    # -- emulated Sheets / Drive requests ---------------------------------------------------

    def _emulated(self, request: Request, route: Route, path_args: dict[str, Any]) -> Response:
        mutating = route.operation in self.store.backend.MUTATING
        self.stats.count(route.template, mutating=mutating, bytes_in=request.content_length or 0)
        number = self.interleaving.arrived(route.template)
        decision = self.faults.next()
        delay_ms = self.latency_ms + decision.latency_ms
        if delay_ms:
            time.sleep(delay_ms / 1000)
        self.interleaving.before_applying(number, self.store)
        if decision.kind in ("reset", "blackout"):
            self.interleaving.after_applying(number, self.store)
            drop_connection(request.environ)
        if decision.kind in _HTTP_FAULTS:
            error = _HTTP_FAULTS[decision.kind](route.api, mutating)
            response = error_response(error, route.api, pretty=pretty_print(request))
            if decision.retry_after is not None:
                response.headers["Retry-After"] = str(decision.retry_after)
        else:
            response = self._run(request, route, path_args, mutating)
        self.interleaving.after_applying(number, self.store)
        if decision.kind == "apply_then_reset":
            drop_connection(request.environ)
        self.stats.add_bytes_out(response.content_length or 0)
        return response

    def _run(
        self, request: Request, route: Route, path_args: dict[str, Any], mutating: bool
    ) -> Response:
        pretty = pretty_print(request)
        try:
            check_payload_size(request, route.operation)
            token = _bearer_token(request)
            caller = self._caller(token)
            if self.quotas is not None:
                user = self.accounts.email_for(token) or token
                refusal = self.quotas.admit(
                    "drive" if route.api == "drive" else "sheets", mutating=mutating, user=user
                )
                if refusal is not None:
                    return self._quota_refusal(refusal, route.api, pretty)
            body = discovery.check_request(
                route.operation, request.args.items(multi=True), _json_or_none(request)
            )
            if body is not None:
                request.environ[_CHECKED_BODY] = body
            kwargs = PARSERS[route.operation](request, path_args)
            result = self.store.execute(route.operation, kwargs, caller)
        except ApiError as error:
            return error_response(error, route.api, pretty=pretty)
        except Exception:
            log.exception("%s failed", route.template)
            return error_response(exceptions.internal(), route.api, pretty=pretty)
        return _render(route.operation, result, kwargs, pretty)

    def _quota_refusal(self, refusal: Refusal, api: str, pretty: bool) -> Response:
        response = error_response(quota_error(refusal), api, pretty=pretty)
        assert self.quotas is not None
        if self.quotas.settings.retry_after:
            response.headers["Retry-After"] = str(refusal.retry_after_s)
        return response

    def _caller(self, token: str) -> str | None:
        """The account e-mail for ``token`` in sharing mode, else None; 401 for unknown tokens."""
        if self.accounts.tokens is None and not self.sharing:
            return None
        email = self.accounts.email_for(token)
        if email is None:
            raise _invalid_credentials()
        return email if self.sharing else None

    # -- POST /token ---------------------------------------------------------------------------

    def _token_exchange(self, request: Request) -> Response:
        """google-auth's service-account grant. The assertion's signature is NOT verified."""
        grant_type = request.form.get("grant_type")
        if grant_type != JWT_BEARER_GRANT:
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Invalid grant_type: {grant_type}",
                },
                400,
            )
        issuer = _jwt_issuer(request.form.get("assertion", ""))
        if issuer is None:
            return json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT: no 'iss' claim."},
                400,
            )
        return json_response(
            {
                "access_token": self.accounts.issue(issuer),
                "expires_in": TOKEN_LIFETIME_S,
                "token_type": "Bearer",
            }
        )

    # -- /_emulator/... -----------------------------------------------------------------------

    def _control(self, operation: str, request: Request) -> Response:
        try:
            if operation == "reset":
                self.store.reset()
                self.faults.clear()
                self.stats.reset()
                if self.quotas is not None:
                    self.quotas.reset()
                return json_response({})
            if operation == "stats_get":
                return json_response(self.stats.to_json())
            if operation == "stats_reset":
                self.stats.reset()
                return json_response({})
            if operation == "faults_set":
                return json_response({"rules": self.faults.set(_body(request).get("rules"))})
            if operation == "faults_clear":
                self.faults.clear()
                return json_response({})
            if operation == "seed_spreadsheet":
                return json_response(self._seed(_body(request)))
            if operation == "accounts_declare":
                body = _body(request)
                return json_response(
                    self.store.execute(
                        "emulator_declare_account",
                        {"email": body.get("email"), "type": body.get("type", "user")},
                        None,
                    )
                )
            if operation == "drives_create":
                body = _body(request)
                kwargs = {"name": body.get("name", "Shared drive"), "members": body.get("members")}
                if body.get("id"):
                    kwargs["drive_id"] = str(body["id"])
                return json_response(self.store.execute("emulator_create_drive", kwargs, None))
        except FaultRuleError as error:
            return error_response(exceptions.invalid_argument(str(error)), "sheets")
        except ApiError as error:
            return error_response(error, "sheets")
        raise AssertionError(f"no control operation {operation!r}")

    def _seed(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Create a spreadsheet from ``{"title", "owner"?, "sheets": [{"title", "values", ...}]}``.

        The spreadsheet is built with ordinary (journaled) backend operations, values written
        RAW; the grid is at least 1000 x 26 and grows to fit the values.
        """
        sheets = spec.get("sheets") or [{"title": "Sheet1"}]
        owner = spec.get("owner") if self.sharing else None
        body: dict[str, Any] = {
            "properties": {"title": spec.get("title", "Untitled spreadsheet")},
            "sheets": [
                {
                    "properties": {
                        "title": sheet.get("title", f"Sheet{n}"),
                        "gridProperties": {
                            "rowCount": sheet.get("rowCount")
                            or max(1000, len(sheet.get("values") or [])),
                            "columnCount": sheet.get("columnCount")
                            or max(26, max(map(len, sheet.get("values") or [[]]))),
                        },
                    }
                }
                for n, sheet in enumerate(sheets, start=1)
            ],
        }
        created = self.store.execute("spreadsheets_create", {"body": body, "seeded": True}, owner)
        spreadsheet_id = created["spreadsheetId"]
        for sheet, props in zip(sheets, body["sheets"], strict=True):
            if sheet.get("values"):
                title = props["properties"]["title"].replace("'", "''")
                self.store.execute(
                    "values_update",
                    {
                        "spreadsheet_id": spreadsheet_id,
                        "range": f"'{title}'!A1",
                        "body": {"values": sheet["values"]},
                        "value_input_option": "RAW",
                        "include_values_in_response": None,
                        "response_value_render_option": None,
                        "response_date_time_render_option": None,
                    },
                    owner,
                )
        return {"spreadsheetId": spreadsheet_id}


def _jwt_issuer(assertion: str) -> str | None:
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) and issuer else None
