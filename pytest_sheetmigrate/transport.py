"""A ``gspread.Client`` aimed at Google or at any Sheets-compatible base URL.

gspread builds absolute ``https://sheets.googleapis.com/...`` and ``https://www.googleapis.com/...``
URLs. To aim it elsewhere (the local Sheets server), a requests transport adapter mounted on its
session rewrites those origins — and google-auth's ``https://oauth2.googleapis.com`` token
endpoint — to the base URL; gspread itself is unmodified. Proxy settings from the environment are
ignored (``trust_env = False``), so a corporate proxy never sees loopback traffic.
"""

from __future__ import annotations

from typing import Any, cast

import gspread
import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from requests.adapters import HTTPAdapter

from .errors import CredentialsError

GOOGLE_ORIGINS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
)


class BaseUrlAdapter(HTTPAdapter):
    """Sends requests for Google's API origins to ``base_url`` instead (path and query kept)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        url = request.url or ""
        for origin in GOOGLE_ORIGINS:
            if url == origin or url.startswith(origin + "/"):
                request.url = self.base_url + url[len(origin) :]
                break
        return super().send(request, *args, **kwargs)


def _aim(session: requests.Session, base_url: str) -> requests.Session:
    session.trust_env = False
    adapter = BaseUrlAdapter(base_url)
    for origin in GOOGLE_ORIGINS:
        session.mount(origin, adapter)
    return session


def sheets_client(
    base_url: str | None,
    credentials: Credentials | None = None,
    *,
    token: str = "local-token",
) -> gspread.Client:
    """A gspread client for Google (``base_url=None``) or for the server at ``base_url``.

    Against a base URL: with ``credentials`` (for example service-account credentials), every
    request carries their token and the token exchange goes to the base URL too when their
    ``token_uri`` is Google's; without, every request carries the static ``Bearer <token>``.
    """
    if base_url is None:
        if credentials is None:
            raise CredentialsError(
                "no credentials for the Google Sheets API: pass a service-account file "
                "or aim the tool at a local Sheets server"
            )
        return _compact(gspread.Client(auth=credentials))
    if credentials is None:
        session = _aim(requests.Session(), base_url)
        session.headers["Authorization"] = f"Bearer {token}"
        return _compact(gspread.Client(auth=cast(Credentials, None), session=session))
    token_session = _aim(requests.Session(), base_url)
    authorized = AuthorizedSession(credentials, auth_request=Request(token_session))
    return _compact(gspread.Client(auth=credentials, session=_aim(authorized, base_url)))


def _compact(client: gspread.Client) -> gspread.Client:
    """Ask for answers without pretty-printing: ``prettyPrint`` is one of the standard query
    parameters of every Google API ("Returns response with indentations and line breaks.
    Default: true"), and the pretty form is about 1.6x the bytes over the recordings in
    ../shared/fidelity (google-behaviour.md). Sent on every request of the session, Sheets and
    Drive alike; gspread's own query parameters are merged with it."""
    client.http_client.session.params = {"prettyPrint": "false"}
    return client
