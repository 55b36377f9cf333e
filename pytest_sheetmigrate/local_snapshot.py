"""The local backup snapshot: the rows as read before the migration, compressed, mode 0600."""

from __future__ import annotations

import gzip
import hashlib
import os
import queue
import threading
from pathlib import Path
from typing import Any

import orjson

from .stamp import utc_now


def local_snapshot_path(report_dir: Path, spreadsheet_key: str) -> Path:
    return report_dir / f"backup_{spreadsheet_key}_{utc_now().replace(':', '')}.jsonl.gz"


class LocalSnapshot:
    """The rows as read, gzip-compressed JSON lines, mode 0600, with their sha256.

    Compressing and hashing happen on a writer thread (zlib and hashlib release the GIL), a
    bounded queue apart from the digests of the same rows; memory stays flat. Compression level
    1: at 100,000 x 65 cells level 9 took 22 s of a 75 s run; level 1 about 1 s for a file a
    third larger.
    """

    def __init__(self, path: Path, header: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.path = path
        self.raw = os.fdopen(fd, "wb")
        self.file = gzip.GzipFile(fileobj=self.raw, mode="wb", compresslevel=1)
        self.sha = hashlib.sha256()
        self.pending: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.writer = threading.Thread(target=self._drain, name="local-snapshot", daemon=True)
        self.writer.start()
        self.write([header])

    def write(self, rows: list[list[Any]]) -> None:
        self._raise_failure()
        self.pending.put(b"".join(orjson.dumps(row) + b"\n" for row in rows))  # UTF-8 lines

    def close(self) -> dict[str, Any]:
        self.pending.put(None)
        self.writer.join()
        self._raise_failure()
        self.file.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        return {"local_snapshot": str(self.path), "local_snapshot_sha256": self.sha.hexdigest()}

    def _drain(self) -> None:
        while (data := self.pending.get()) is not None:
            if self.failure is None:
                try:
                    self.sha.update(data)
                    self.file.write(data)
                except BaseException as error:  # handed to the reading thread
                    self.failure = error

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure
