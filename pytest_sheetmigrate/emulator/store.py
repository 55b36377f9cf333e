"""Persistence of the local Sheets server: a snapshot plus an append-only journal.

Every API call goes through :meth:`Store.execute`, which picks the call's random seed and
timestamp and hands all five things — ``(operation, kwargs, caller, seed, now)`` — to
``SheetsBackend.execute``. Because the backend is deterministic in those five, a successful
call that changes the state (``SheetsBackend.JOURNALED``: the mutating operations and the control
API's) is made durable by appending exactly them to the journal and fsyncing it before the answer
leaves the server. Recovery loads the snapshot and replays the journal.

Files in the data directory:

``state.pickle``
    ``{"format": 2, "last_seq": n, "state": backend.dump_state()}``, replaced atomically
    (temp file, fsync, ``os.replace``, fsync of the directory); format 1 is still read.
``journal.bin``
    records ``[seq: u64][length: u32][crc32: u32][pickle payload]``; ``crc32`` covers
    ``seq`` and the payload. Records with ``seq <= last_seq`` are already in the snapshot (a
    crash between replacing the snapshot and truncating the journal leaves them behind).

A write cut short by a crash leaves a torn or corrupt last record: recovery stops at the first
bad record and truncates the journal there, so the state is the one from before that request
(its client never got an answer) or after it, never a mix.

Compaction (snapshot rewritten, journal truncated) runs when the journal passes
``compact_bytes`` and on :meth:`close`. It blocks other mutating calls while it writes; reads
go on. The grid holds only built-in objects (see :mod:`cells`), so for a 100,000 x 68 sheet
the snapshot (about 80 MB) is written in about 0.3 s and loaded in under a second. Pickle is
used for speed: the data directory must be trusted like any other pickle file.
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import struct
import threading
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "state.pickle"
JOURNAL_NAME = "journal.bin"
# 2: grid rows of plain formatted texts plus a parallel row of kinds. 1 (typed cell objects in the
# rows) still loads: Sheet.__setstate__ converts it.
SNAPSHOT_FORMAT = 2
READABLE_SNAPSHOT_FORMATS = (1, 2)
_HEADER = struct.Struct(">QII")  # seq, payload length, crc32(seq bytes + payload)
DEFAULT_COMPACT_BYTES = 256 * 1024 * 1024


class Backend(Protocol):
    """What the store needs of ``SheetsBackend`` (backend.py)."""

    # The operations that change the state (the operation table's mutating and control ones).
    JOURNALED: ClassVar[frozenset[str]]

    def execute(
        self,
        operation: str,
        kwargs: dict[str, Any],
        *,
        caller: str | None,
        seed: int,
        now: datetime,
    ) -> Any: ...

    def dump_state(self) -> Any: ...

    def load_state(self, state: Any) -> None: ...

    def reset(self) -> None: ...


class JournalReplayError(RuntimeError):
    """A journal record that succeeded once failed on replay: the backend is not deterministic."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_pickle(path: Path, obj: Any, *, fast: bool) -> None:
    """Pickle ``obj`` to ``path`` and fsync it.

    ``fast`` turns off pickle's memo: for millions of cell values the memo costs more memory
    than the state itself and doubles the time; shared immutable values are then written (and
    later loaded) once per reference.
    """
    with open(path, "wb") as out:
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = fast
        pickler.dump(obj)
        out.flush()
        os.fsync(out.fileno())


def _crc(seq_bytes: bytes, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(seq_bytes))


def encode_record(seq: int, entry: tuple[Any, ...]) -> bytes:
    payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    seq_bytes = seq.to_bytes(8, "big")
    return _HEADER.pack(seq, len(payload), _crc(seq_bytes, payload)) + payload


def read_records(data: bytes) -> tuple[list[tuple[int, tuple[Any, ...]]], int]:
    """Decode journal bytes: the good records, and the offset where the good prefix ends."""
    records: list[tuple[int, tuple[Any, ...]]] = []
    offset = 0
    while offset + _HEADER.size <= len(data):
        seq, length, crc = _HEADER.unpack_from(data, offset)
        start, end = offset + _HEADER.size, offset + _HEADER.size + length
        if end > len(data):
            break
        payload = data[start:end]
        if _crc(seq.to_bytes(8, "big"), payload) != crc:
            break
        try:
            entry = pickle.loads(payload)
        except Exception:  # a checksum collision on garbage: treat as torn
            break
        records.append((seq, entry))
        offset = end
    return records, offset


class Store:
    """Runs backend operations; with a data directory, makes the mutating ones durable."""

    def __init__(
        self,
        backend: Backend,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        compact_bytes: int = DEFAULT_COMPACT_BYTES,
    ) -> None:
        self.backend = backend
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.compact_bytes = compact_bytes
        self._lock = threading.Lock()  # orders mutations exactly as the journal records them
        self._seq = 0
        self._journal_fd: int | None = None
        self._journal_size = 0
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._recover()

    # -- running operations ------------------------------------------------------------------

    def execute(self, operation: str, kwargs: dict[str, Any], caller: str | None) -> Any:
        """Run one operation; a mutating one is journaled (and fsynced) before this returns."""
        seed = secrets.randbits(63)
        now = datetime.now(UTC)
        if operation not in self.backend.JOURNALED:
            return self.backend.execute(operation, kwargs, caller=caller, seed=seed, now=now)
        with self._lock:
            result = self.backend.execute(operation, kwargs, caller=caller, seed=seed, now=now)
            if self._journal_fd is not None:
                self._append((operation, kwargs, caller, seed, now))
                if self._journal_size >= self.compact_bytes:
                    self._compact()
            return result

    def reset(self) -> None:
        """Forget every spreadsheet, on disk too."""
        with self._lock:
            self.backend.reset()
            if self.data_dir is not None:
                self._compact()

    def compact(self) -> None:
        """Fold the journal into a fresh snapshot."""
        if self.data_dir is None:
            return
        with self._lock:
            self._compact()

    def close(self) -> None:
        """Clean stop: compact, then close the journal. Later calls run in memory only."""
        if self.data_dir is None or self._journal_fd is None:
            return
        with self._lock:
            if self._journal_size:
                self._compact()
            os.close(self._journal_fd)
            self._journal_fd = None

    # -- the files -------------------------------------------------------------------------

    def _append(self, entry: tuple[Any, ...]) -> None:
        assert self._journal_fd is not None
        record = encode_record(self._seq + 1, entry)
        os.write(self._journal_fd, record)
        os.fdatasync(self._journal_fd)
        self._seq += 1
        self._journal_size += len(record)

    def _compact(self) -> None:
        assert self.data_dir is not None
        snapshot = self.data_dir / SNAPSHOT_NAME
        temp = self.data_dir / (SNAPSHOT_NAME + ".tmp")
        saved = {
            "format": SNAPSHOT_FORMAT,
            "last_seq": self._seq,
            "state": self.backend.dump_state(),
        }
        try:
            _write_pickle(temp, saved, fast=True)
        except ValueError:  # a cycle in the state: fast mode cannot pickle it
            _write_pickle(temp, saved, fast=False)
        os.replace(temp, snapshot)
        _fsync_dir(self.data_dir)
        if self._journal_fd is not None:
            os.ftruncate(self._journal_fd, 0)
            os.lseek(self._journal_fd, 0, os.SEEK_SET)  # else the next record lands past a hole
            os.fsync(self._journal_fd)
        self._journal_size = 0

    def _recover(self) -> None:
        assert self.data_dir is not None
        snapshot = self.data_dir / SNAPSHOT_NAME
        if snapshot.exists():
            with open(snapshot, "rb") as f:
                saved = pickle.load(f)
            if saved.get("format") not in READABLE_SNAPSHOT_FORMATS:
                raise RuntimeError(
                    f"{snapshot} has format {saved.get('format')!r}, this server reads "
                    f"{READABLE_SNAPSHOT_FORMATS}: start with an empty --data directory"
                )
            self.backend.load_state(saved["state"])
            self._seq = saved["last_seq"]
        journal = self.data_dir / JOURNAL_NAME
        data = journal.read_bytes() if journal.exists() else b""
        records, good_end = read_records(data)
        for seq, (operation, kwargs, caller, seed, now) in records:
            if seq <= self._seq:
                continue
            try:
                self.backend.execute(operation, kwargs, caller=caller, seed=seed, now=now)
            except Exception as exc:
                raise JournalReplayError(
                    f"journal record {seq} ({operation}) failed on replay: {exc!r}"
                ) from exc
            self._seq = seq
        if good_end < len(data):
            log.warning(
                "%s: ignored %d bytes of a torn or corrupt record at offset %d",
                journal,
                len(data) - good_end,
                good_end,
            )
        self._journal_fd = os.open(journal, os.O_WRONLY | os.O_CREAT, 0o644)
        os.ftruncate(self._journal_fd, good_end)
        os.lseek(self._journal_fd, good_end, os.SEEK_SET)
        os.fsync(self._journal_fd)
        _fsync_dir(self.data_dir)
        self._journal_size = good_end
