"""The embedded server: the local Sheets server a run starts for itself (``--sheets-api embedded``).

Its state lives in a git-ignored folder, so the demo sheet keeps its migration between runs until
``python -m pytest_sheetmigrate.demo reset``. The demo spreadsheet is created on first use, under
its fixed key, with ordinary journaled operations (not counted as API requests). Those are several
operations, so a run killed between them would leave a half-made demo: the marker file
``demo-seeded`` is written (and fsynced) after the last of them, and a start that does not find it
deletes what an unfinished seed left and seeds the demo again.

One data folder, one server. The first run on a data folder takes its lock (``emulator/data_lock``)
and serves it; a second run of the same project at the same time (another pytest session, or
``python -m pytest_sheetmigrate.emulator --data`` on the folder) does not start a server of its
own but attaches to the running one, found by the URL recorded beside the lock and checked alive.
Attaching, rather than refusing, makes two sessions behave as they would on Google: they see the
same sheet, so a second migration meets the first's lease (LockHeldError), and neither session's
writes are erased by the other's compaction. An attached session holds a shared lock on
``attached.lock``; the session that owns the server takes it exclusively before it stops, so it
serves until every attached session is done (and says so while it waits).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

import requests

from .demo import (
    DEMO_KEY,
    SUMMARY,
    SUMMARY_ROWS,
    TOTAL_COLUMN,
    WORKSHEET,
    spreadsheet_body,
    total_formulas,
    values,
)
from .emulator.data_lock import LOCK_NAME, DataFolderInUse, Holder, read_holder
from .emulator.exceptions import ApiError
from .emulator.server import EmulatorServer
from .errors import SheetAccessError

SEEDED_MARKER = "demo-seeded"  # in the data folder; written last, so it proves a finished seed
ATTACHED_LOCK = "attached.lock"  # shared by the sessions using another session's server
START_WAIT_SECONDS = 60.0  # for a server that holds the folder but does not listen yet
POLL_SECONDS = 0.1

Notify = Callable[[str], None]


class OwnServer:
    """The embedded server this run started; it stops once no other session uses it."""

    def __init__(self, server: EmulatorServer, data_dir: Path) -> None:
        self.server = server
        self.data_dir = data_dir
        self.url = server.url

    def stop(self, notify: Notify = lambda line: None) -> None:
        try:
            attached = _wait_for_attached_sessions(self.data_dir, notify)
        finally:
            self.server.stop()
        os.close(attached)


class AttachedServer:
    """The embedded server of another process on the same data folder, used by this run."""

    def __init__(self, url: str, shared_lock: int, holder: Holder) -> None:
        self.url = url
        self.holder = holder
        self._shared_lock: int | None = shared_lock

    def stop(self, notify: Notify = lambda line: None) -> None:
        if self._shared_lock is not None:
            os.close(self._shared_lock)  # the owner may stop now
            self._shared_lock = None


def start_embedded(data_dir: Path, spreadsheet_key: str) -> OwnServer | AttachedServer:
    """The server of ``data_dir``: started here, or the one another process runs on it."""
    deadline = time.monotonic() + START_WAIT_SECONDS
    while True:
        try:
            server = EmulatorServer(data_dir=data_dir)
        except DataFolderInUse as in_use:
            attached = _attach(data_dir)
            if attached is not None:
                return attached
            if time.monotonic() > deadline:
                raise SheetAccessError(_not_serving(in_use)) from None
            time.sleep(POLL_SECONDS)
            continue
        try:
            if spreadsheet_key == DEMO_KEY and not _demo_seeded(server, data_dir):
                _seed_demo(server)
                _write_marker(data_dir / SEEDED_MARKER)
            server.start()
        except BaseException:
            server.stop()
            raise
        return OwnServer(server, data_dir)


def _attach(data_dir: Path) -> AttachedServer | None:
    """Use the server that holds ``data_dir`` if it listens; None while it starts or stops."""
    fd = os.open(data_dir / ATTACHED_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # refused while the owner stops
    except BlockingIOError:
        os.close(fd)
        return None
    # Held from here, so the owner cannot stop between the look below and this run's requests.
    holder = read_holder(data_dir / LOCK_NAME)
    if holder.url is None or not _listening(holder.url):
        os.close(fd)
        return None
    return AttachedServer(holder.url, fd, holder)


def _listening(url: str) -> bool:
    try:
        with requests.Session() as session:
            session.trust_env = False  # loopback: no proxy
            return session.get(f"{url}/_emulator/stats", timeout=5).ok
    except requests.RequestException:
        return False


def _not_serving(in_use: DataFolderInUse) -> str:
    return (
        f"the embedded server's data folder {in_use.data_dir} is locked by "
        f"{in_use.holder.describe()}, which has not served it for {START_WAIT_SECONDS:.0f} s: "
        "wait for that process to finish or stop it (a killed process frees the folder at "
        "once), then run again"
    )


def _wait_for_attached_sessions(data_dir: Path, notify: Notify) -> int:
    """Block until no other session uses this server; returns the lock that keeps new ones out."""
    fd = os.open(data_dir / ATTACHED_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if not told:
                notify(
                    "another pytest session uses this run's embedded server: waiting for it to "
                    "finish before stopping the server"
                )
                told = True
            time.sleep(POLL_SECONDS)


def _demo_seeded(server: EmulatorServer, data_dir: Path) -> bool:
    """The demo exists and its seed finished; an unfinished one is deleted here."""
    if not _exists(server, DEMO_KEY):
        return False
    if (data_dir / SEEDED_MARKER).exists():
        return True
    if _has_developer_metadata(server):  # seeded before the marker existed: its last step landed
        _write_marker(data_dir / SEEDED_MARKER)
        return True
    server.store.execute("drive_files_delete", {"file_id": DEMO_KEY}, None)
    return False


def _exists(server: EmulatorServer, key: str) -> bool:
    try:
        server.store.execute("drive_files_get", {"file_id": key, "fields": "id"}, None)
    except ApiError:
        return False
    return True


def _has_developer_metadata(server: EmulatorServer) -> bool:
    every_entry = {"dataFilters": [{"developerMetadataLookup": {"visibility": "DOCUMENT"}}]}
    found = server.store.execute(
        "developer_metadata_search", {"spreadsheet_id": DEMO_KEY, "body": every_entry}, None
    )
    return bool(found.get("matchedDeveloperMetadata"))


def _write_marker(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as marker:
        marker.write(f"{DEMO_KEY}\n")
        marker.flush()
        os.fsync(marker.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _seed_demo(server: EmulatorServer) -> None:
    run = server.store.execute
    body, metadata = spreadsheet_body()
    run("spreadsheets_create", {"body": body, "spreadsheet_id": DEMO_KEY}, None)
    writes = [
        (f"{WORKSHEET}!A1", values(), "RAW"),  # RAW: text stays text
        (f"{WORKSHEET}!{TOTAL_COLUMN}2", total_formulas(), "USER_ENTERED"),  # formulas as formulas
        (f"{SUMMARY}!A1", SUMMARY_ROWS, "USER_ENTERED"),
    ]
    for cells, rows, input_option in writes:
        run(
            "values_update",
            {
                "spreadsheet_id": DEMO_KEY,
                "range": cells,
                "body": {"values": rows},
                "value_input_option": input_option,
                "include_values_in_response": None,
                "response_value_render_option": None,
                "response_date_time_render_option": None,
            },
            None,
        )
    run(
        "spreadsheets_batch_update",
        {"spreadsheet_id": DEMO_KEY, "body": {"requests": metadata}},
        None,
    )
