"""One data folder, one server: an exclusive lock on ``DIR/server.lock`` for the server's life.

Two servers on one ``--data`` folder would each load the state, each keep a journal of their own
writes, and the last to compact would erase the other's. So a server on a data folder first takes
``fcntl.flock(LOCK_EX | LOCK_NB)`` on the folder's lock file and keeps it until it stops. The OS
drops the lock when the process ends, however it ends (a SIGKILL leaves no stale lock). The lock
file also says who holds it: ``{"pid", "command", "url"}`` (``url`` once the server listens), so a
second process can name the holder or use the server that is running (see ``embedded.py``).

The file is never deleted: unlinking a lock file lets a late opener lock the old inode while a
new one locks a new file. Its content is only read by a process that failed to take the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_NAME = "server.lock"


@dataclass(frozen=True)
class Holder:
    """The process that holds a data folder's lock, as it recorded itself."""

    pid: int | None
    command: str
    url: str | None  # None while it starts (loads the state, seeds) and once it stopped

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid else "another process"
        return f"{who} ({self.command})" if self.command else who


class DataFolderInUse(RuntimeError):
    """Another process serves this data folder."""

    def __init__(self, data_dir: Path, holder: Holder) -> None:
        self.data_dir = data_dir
        self.holder = holder
        where = f" at {holder.url}" if holder.url else ""
        super().__init__(
            f"the data folder {data_dir} is served by {holder.describe()}{where}: one data folder "
            "has one server. Use that server (--sheets-api with its URL), stop it first, or give "
            "this one another --data folder."
        )


class DataFolderLock:
    """The exclusive lock of one data folder, held from construction until :meth:`release`."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / LOCK_NAME
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataFolderInUse(self.data_dir, read_holder(self.path)) from None
        self._fd: int | None = fd
        self.record(url=None)

    def record(self, *, url: str | None) -> None:
        """Say who holds the lock, and where it serves (``url``, once it listens)."""
        assert self._fd is not None, "the lock was released"
        record = {"pid": os.getpid(), "command": _command(), "url": url}
        data = json.dumps(record).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)  # the holder is gone: nobody to name, no URL to use
        os.close(fd)  # closing drops the flock


def read_holder(path: Path) -> Holder:
    """Who a lock file names; empty or half-written (the holder is writing it): no one known."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}
    if not isinstance(raw, dict):
        raw = {}
    pid, command, url = raw.get("pid"), raw.get("command"), raw.get("url")
    return Holder(
        pid=pid if isinstance(pid, int) else None,
        command=command if isinstance(command, str) else "",
        url=url if isinstance(url, str) else None,
    )


def _command() -> str:
    """This process as a person would name it: ``pytest --migrate``, ``python -m ...emulator``."""
    first, *args = sys.argv or [""]
    path = Path(first)
    if path.name == "__main__.py":  # python -m <package>
        package = path.parent.name
        name = {"pytest": "pytest", "emulator": "python -m pytest_sheetmigrate.emulator"}.get(
            package, f"python -m {package}"
        )
    else:
        name = path.name or "python"
    return " ".join([name, *args])[:200]
