"""The thin HTTP layer of the local Sheets server: :class:`EmulatorApp`, a WSGI app over ``Store``.

A request's URL finds its operation in the table (:mod:`operations`, through :mod:`urls`).
For an emulated Sheets or Drive request the app counts the request (under the operation's
stats key), applies the fault rules, checks the bearer token (and the read or write quota),
checks the request against Google's discovery documents (``discovery.check_request``), reads
the operation's parameters (:mod:`params`), runs it through the store and renders the result
(:mod:`render`). No API semantics live here.

Also served on the same origin: ``POST /token`` (google-auth's service-account JWT-bearer
exchange) and the control API under ``/_emulator/`` (:mod:`control`) — neither is counted in
the stats nor subject to faults or quota; their answers are compact JSON.

Not implemented: request-body compression, ``alt=`` media variants, resumable uploads, Drive
permission updates (``PATCH .../permissions/<id>``).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from . import discovery, exceptions, params
from .accounts import Accounts, AccountSpec
from .control import OAuthError
from .exceptions import ApiError
from .faults import FaultRules, Stats
from .interleave import Interleaving
from .operations import Operation
from .quotas import Limit, Quotas, QuotaSettings, Refusal
from .render import error_response, json_response, pretty_print, quota_error, render
from .store import Store
from .urls import url_map

log = logging.getLogger(__name__)


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
            operation, path_args = url_map.bind_to_environ(environ).match()
        except HTTPException:
            error = exceptions.not_found(f"The requested URL {request.path} was not found.")
            return error_response(error, "sheets")(environ, start_response)
        if operation.api in ("control", "token"):
            response = self._control(request, operation, dict(path_args))
        else:
            response = self._emulated(request, operation, dict(path_args))
        return response(environ, start_response)

    # -- emulated Sheets / Drive requests ---------------------------------------------------

    def _emulated(
        self, request: Request, operation: Operation, path_args: dict[str, Any]
    ) -> Response:
        key, mutating = operation.stats_key, operation.mutating
        self.stats.count(key, mutating=mutating, bytes_in=request.content_length or 0)
        number = self.interleaving.arrived(key)
        decision = self.faults.next()
        delay_ms = self.latency_ms + decision.latency_ms
        if delay_ms:
            time.sleep(delay_ms / 1000)
        self.interleaving.before_applying(number, self.store)
        if decision.kind in ("reset", "blackout"):
            self.interleaving.after_applying(number, self.store)
            drop_connection(request.environ)
        if decision.kind in _HTTP_FAULTS:
            error = _HTTP_FAULTS[decision.kind](operation.api, mutating)
            response = error_response(error, operation.api, pretty=pretty_print(request))
            if decision.retry_after is not None:
                response.headers["Retry-After"] = str(decision.retry_after)
        else:
            response = self._run(request, operation, path_args)
        self.interleaving.after_applying(number, self.store)
        if decision.kind == "apply_then_reset":
            drop_connection(request.environ)
        self.stats.add_bytes_out(response.content_length or 0)
        return response

    def _run(self, request: Request, operation: Operation, path_args: dict[str, Any]) -> Response:
        pretty = pretty_print(request)
        try:
            params.check_payload_size(request, operation)
            token = _bearer_token(request)
            caller = self._caller(token)
            if self.quotas is not None:
                user = self.accounts.email_for(token) or token
                refusal = self.quotas.admit(
                    "drive" if operation.api == "drive" else "sheets",
                    mutating=operation.mutating,
                    user=user,
                )
                if refusal is not None:
                    return self._quota_refusal(refusal, operation.api, pretty)
            body = discovery.check_request(
                operation, request.args.items(multi=True), params.json_or_none(request)
            )
            if body is not None:
                request.environ[params.CHECKED_BODY] = body
            kwargs = params.parse(operation, request, path_args)
            result = self.store.execute(operation.name, kwargs, caller)
        except ApiError as error:
            return error_response(error, operation.api, pretty=pretty)
        except Exception:
            log.exception("%s failed", operation.stats_key)
            return error_response(exceptions.internal(), operation.api, pretty=pretty)
        return render(operation, result, kwargs, pretty)

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

    # -- /token and /_emulator/... ------------------------------------------------------------

    def _control(
        self, request: Request, operation: Operation, path_args: dict[str, Any]
    ) -> Response:
        """An operation on the server (run here) or on the state (run by the store)."""
        try:
            kwargs = params.parse(operation, request, path_args)
            if operation.kind.on_state:
                return json_response(self.store.execute(operation.name, kwargs, None))
            return json_response(operation.handler(self, **kwargs))
        except OAuthError as error:
            return json_response(error.body, 400)
        except ApiError as error:
            return error_response(error, "sheets")
