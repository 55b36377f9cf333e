"""``EmulatorServer``: the local Sheets server on a threaded werkzeug server in a daemon thread.

    with EmulatorServer() as server:          # 127.0.0.1, a free port, state in memory
        client = sheets_client(server.url)    # pytest_sheetmigrate.transport
        ...

``data_dir`` makes the state durable (see ``store.py``); ``stop()`` then compacts it. A server
runs once: to restart on the same state, build a new one on the same ``data_dir``. A data folder
has one server at a time: the server holds the folder's lock from construction to ``stop()``
(``data_lock.py``), and a second one on the same folder raises ``DataFolderInUse`` naming the first.

Quotas are off by default (the test suite and the demo would take hours at Google's limits):
``quotas="google"`` turns on Google's defaults, a ``QuotaSettings`` sets each limit (see
``quotas.py``). ``quota_per_minute=N`` (older) is the per-user read and write limit N.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .accounts import Accounts, AccountSpec
from .app import EmulatorApp
from .backend import SheetsBackend
from .data_lock import DataFolderLock
from .interleave import Edit
from .quotas import QuotaSettings
from .store import Store


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the per-request access log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # another host name: it may resolve to any interface
        return False


def quota_settings(
    quotas: QuotaSettings | Literal["google", "off"] | None, quota_per_minute: int | None
) -> QuotaSettings | None:
    """The server's quota settings from its arguments (``None``: no quota)."""
    if quotas == "google":
        settings: QuotaSettings | None = QuotaSettings.google()
    elif quotas is None or quotas == "off":
        settings = None
    elif isinstance(quotas, QuotaSettings):
        settings = quotas
    else:
        raise ValueError(f"quotas must be 'google', 'off' or a QuotaSettings, got {quotas!r}")
    if quota_per_minute is not None:
        base = settings or QuotaSettings()
        settings = replace(base, read_per_user=quota_per_minute, write_per_user=quota_per_minute)
    return settings


class EmulatorServer:
    """The local Google Sheets API v4 + Drive v3 server, in-process."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | os.PathLike[str] | None = None,
        sharing: bool = False,
        accounts: Mapping[str, AccountSpec] | None = None,
        quotas: QuotaSettings | Literal["google", "off"] | None = None,
        quota_per_minute: int | None = None,
        latency_ms: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        known = Accounts(accounts)
        self.backend = SheetsBackend(sharing=sharing, service_accounts=known.service_accounts)
        # Taken before the state is read: a second server on the folder would fork it.
        self.data_lock = DataFolderLock(data_dir) if data_dir is not None else None
        try:
            self.store = Store(self.backend, data_dir)
        except BaseException:
            self.release_data_folder()
            raise
        self.app = EmulatorApp(
            self.store,
            sharing=sharing,
            accounts=accounts,
            quotas=quota_settings(quotas, quota_per_minute),
            latency_ms=latency_ms,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``), once started."""
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.port}"

    def interleave(self, after: int, edit: Edit | None) -> None:
        """Test-only: run ``edit`` (a function of the store) once, after emulated request
        ``after`` counted from now is applied (0: before the first); see ``interleave.py``.
        ``app.interleaving`` then holds the routes of the requests counted and what ran."""
        self.app.interleaving.set(after, edit)

    def start(self) -> str:
        if self._server is not None:
            return self.url
        if self._stopped:
            raise RuntimeError("an EmulatorServer runs once: build a new one on the same data_dir")
        if not is_loopback(self.host):
            print(
                f"warning: the Sheets emulator binds {self.host}, reachable from other machines;"
                " it has no authentication",
                file=sys.stderr,
            )
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sheets-emulator:{self._server.port}",
            daemon=True,
        )
        self._thread.start()
        if self.data_lock is not None:
            self.data_lock.record(url=self.url)  # a second process may now use this server
        return self.url

    def stop(self) -> None:
        """Stop serving, then compact the state (with a data dir)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = self._thread = None
            if self.data_lock is not None:
                self.data_lock.record(url=None)  # no longer serving; compacting
        self._stopped = True
        try:
            self.store.close()
        finally:
            self.release_data_folder()

    def release_data_folder(self) -> None:
        """Let another server have the data folder (stop() does it after the last compaction)."""
        if self.data_lock is not None:
            self.data_lock.release()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where: Any = self.url if self._server is not None else "stopped"
        return f"<EmulatorServer {where}>"
