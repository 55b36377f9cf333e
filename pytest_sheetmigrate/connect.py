"""Opening the gateway a run uses: Google, a local server at a URL, or the embedded one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

from .credentials import account_of, load_credentials, token_uri_of
from .errors import SheetAccessError
from .gateway import GOOGLE_ENDPOINT, SheetGateway
from .pacing import Pacer
from .request_log import RetryPolicy
from .settings import EMBEDDED, Settings, without_userinfo
from .transport import sheets_client


@contextmanager
def open_gateway(
    settings: Settings, notify: Callable[[str], None] = lambda line: None
) -> Iterator[SheetGateway]:
    """A gateway to ``settings.sheet``; the embedded server lives as long as the context.
    ``notify`` hears the waits worth telling the user (a retry, another session's server)."""
    if settings.sheets_api == EMBEDDED:
        from .embedded import start_embedded

        server = start_embedded(settings.embedded_data_dir, settings.spreadsheet_key)
        gateway = SheetGateway(
            sheets_client(server.url),
            settings.spreadsheet_key,
            retry=_retry(settings),
            endpoint=server.url,
            **_gateway_options(settings),
        )
        gateway.notify = notify
        try:
            yield gateway
        finally:
            server.stop(gateway.notify)  # waits for another session using this one's server
        return
    base_url = settings.base_url
    credentials = load_credentials(settings.credentials, local_server=base_url is not None)
    if base_url is not None:
        _refuse_unreachable(base_url)
    gateway = SheetGateway(
        sheets_client(base_url, credentials),
        settings.spreadsheet_key,
        account=account_of(credentials),
        token_endpoint=token_uri_of(credentials),
        endpoint=without_userinfo(base_url) if base_url else GOOGLE_ENDPOINT,  # for messages
        retry=_retry(settings),
        **_gateway_options(settings),
    )
    gateway.notify = notify
    yield gateway


def _gateway_options(settings: Settings) -> dict[str, Any]:
    """Where keys came from, so a 404 names the setting to fix (the spreadsheet's, --backup,
    or neither: a stamp's), and the pace of requests (--reads-per-minute, --writes-per-minute)."""
    return {
        "sheet_given_by": settings.sheet_given_by,
        "given_backup": settings.backup,
        "pacer": Pacer(settings.reads_per_minute, settings.writes_per_minute),
    }


def _retry(settings: Settings) -> RetryPolicy:
    return RetryPolicy(base_seconds=settings.retry_base_seconds)


def _refuse_unreachable(base_url: str) -> None:
    try:
        with requests.Session() as session:
            session.trust_env = False  # like the transport: no proxy for this endpoint
            session.get(base_url, timeout=5)
    except requests.RequestException:
        raise SheetAccessError(
            f"cannot reach the Sheets API at {without_userinfo(base_url)}: start the local server "
            f"(python -m pytest_sheetmigrate.emulator --port ...) or fix --sheets-api"
        ) from None
