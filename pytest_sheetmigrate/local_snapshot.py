"""The local backup snapshot: the rows as read before the migration, compressed, mode 0600.

Each line is one row as a JSON array: numbers as numbers, booleans as booleans, text as strings,
and a formula as ``{"formula": "=J2*K2"}``, so the file tells a formula from a text that starts
with "=". A forced rollback restores from it when the Drive copy is gone (restore.py), each cell as
its kind, after checking the file's sha256 (:func:`content_sha256`).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import orjson

from .cell_types import Formula
from .errors import LocalWriteError
from .stamp import utc_now


def local_snapshot_path(report_dir: Path, spreadsheet_key: str, sheet_id: int) -> Path:
    """``backup_<key>_gid<sheetId>_<time>.jsonl.gz``: the worksheet's id (the ``gid`` of its
    URL) tells apart the snapshots of two tabs of one spreadsheet."""
    moment = utc_now().replace(":", "")
    return report_dir / f"backup_{spreadsheet_key}_gid{sheet_id}_{moment}.jsonl.gz"


class LocalSnapshot:
    """The rows as read, gzip-compressed JSON lines, mode 0600, with their sha256.

    Compression level 1: at 100,000 x 65 cells level 9 took 22 s of a 75 s run; level 1 takes
    about 1 s for a file a third larger.
    """

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        with self._written():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.raw = os.fdopen(fd, "wb")
        self.file = gzip.GzipFile(fileobj=self.raw, mode="wb", compresslevel=1)
        self.sha = hashlib.sha256()
        self.write([header])

    def write(self, rows: list[list[Any]]) -> None:
        data = b"".join(
            orjson.dumps(row, default=_kinded, option=orjson.OPT_PASSTHROUGH_SUBCLASS) + b"\n"
            for row in rows
        )  # UTF-8 JSON lines
        self.sha.update(data)
        with self._written():
            self.file.write(data)

    def close(self) -> dict[str, Any]:
        with self._written():
            self.file.close()
            self.raw.flush()
            os.fsync(self.raw.fileno())
            self.raw.close()
        return {"local_snapshot": str(self.path), "local_snapshot_sha256": self.sha.hexdigest()}

    @contextmanager
    def _written(self) -> Iterator[None]:
        """A full disk or a read-only folder: the partial file removed, a message with the fix."""
        try:
            yield
        except OSError as error:
            self._discard()
            raise LocalWriteError(
                f"cannot write the local backup snapshot {self.path} ({error.strerror}): free "
                "space on its disk, or pass --report-dir with a directory that has room. The "
                "sheet was not changed (a Drive copy already made is found and reused): run the "
                "same command again."
            ) from None

    def _discard(self) -> None:
        for handle in (getattr(self, "file", None), getattr(self, "raw", None)):
            with suppress(OSError):
                if handle is not None:
                    handle.close()
        with suppress(OSError):
            self.path.unlink(missing_ok=True)


def read_rows(path: Path, first_row: int, last_row: int) -> list[list[Any]]:
    """Sheet rows ``first_row..last_row`` of a local snapshot (its first line is the header,
    row 1), formulas as ``Formula``; streamed (:func:`each_row`), so only those rows are held."""
    return list(itertools.islice(each_row(path), first_row - 1, last_row))


def each_row(path: Path) -> Iterator[list[Any]]:
    """Every row of a local snapshot, the header first, formulas as ``Formula``; streamed."""
    with gzip.open(path, "rb") as file:
        for line in file:
            yield [_unkinded(cell) for cell in orjson.loads(line)]


def content_sha256(path: Path) -> str:
    """The sha256 of the snapshot's uncompressed lines: what :meth:`LocalSnapshot.close`
    recorded, so a file changed or cut short since is told apart."""
    sha = hashlib.sha256()
    with gzip.open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _unkinded(cell: Any) -> Any:
    return Formula(cell["formula"]) if isinstance(cell, dict) else cell


def _kinded(value: object) -> object:
    """A cell orjson does not write as it is: a formula (a str subclass)."""
    if isinstance(value, Formula):
        return {"formula": str(value)}
    raise TypeError(f"unexpected cell value {value!r}")
