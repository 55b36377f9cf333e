"""Checkpoints: the local cache of what each step did (``logs/checkpoints/step_3_verify.json``).

The sheet is the source of truth (its stamps); a checkpoint only saves work and records details
(ids, digests, counts, requests used, UTC times). Files are written atomically (temp file, fsync,
rename) with mode 0600. A truncated or corrupted file is ignored with a warning; a file written for
another spreadsheet or schema is refused, because resuming from it would mix two migrations. Each
file carries a seal (a digest of its content): one edited since the tool wrote it (a hand-set
``"passed": true``) no longer matches its seal and is ignored with a warning, like a corrupted one.
What a checkpoint saves must still be bound to the sheet: the migration keeps, with each result,
the stamps it was computed under and trusts it only while the sheet still has them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CheckpointError

STEPS = ("backup", "columns", "verify", "init", "test")


def step_file_name(step: str) -> str:
    return f"step_{STEPS.index(step) + 1}_{step}.json"


@dataclass
class Checkpoint:
    step: str
    spreadsheet: str
    schema: str
    started: str
    finished: str
    detected: str  # "ran" | "found done on the sheet"
    details: dict[str, Any] = field(default_factory=dict)
    seal: str = ""  # the digest of the fields above, as the tool wrote them

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def digest(self) -> str:
        content = {name: value for name, value in self.__dict__.items() if name != "seal"}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass
class CheckpointStore:
    directory: Path
    spreadsheet: str
    schema: str
    warnings: list[str] = field(default_factory=list)

    def path(self, step: str) -> Path:
        return self.directory / step_file_name(step)

    def load(self, step: str) -> Checkpoint | None:
        path = self.path(step)
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            checkpoint = Checkpoint(**raw)
        except (ValueError, TypeError, OSError) as error:
            self.warnings.append(
                f"{path} is corrupted ({error.__class__.__name__}); ignored: "
                "the spreadsheet's own stamps decide what is done"
            )
            return None
        if checkpoint.spreadsheet != self.spreadsheet or checkpoint.schema != self.schema:
            raise CheckpointError(
                f"{path} belongs to another migration (spreadsheet {checkpoint.spreadsheet}, "
                f"schema {checkpoint.schema}), not to spreadsheet {self.spreadsheet} with schema "
                f"{self.schema}. Use another --checkpoint-dir, or delete {self.directory} "
                "if that migration is finished."
            )
        if checkpoint.seal != checkpoint.digest():
            self.warnings.append(
                f"{path} does not match its seal (edited since the tool wrote it, or written by "
                "an older version); ignored: the spreadsheet's own stamps decide what is done"
            )
            return None
        return checkpoint

    def save(self, checkpoint: Checkpoint) -> Path:
        path = self.path(checkpoint.step)
        checkpoint.seal = checkpoint.digest()
        try:
            write_private_atomically(path, json.dumps(checkpoint.to_dict(), indent=2).encode())
        except OSError as error:
            raise self._unwritable(path, error) from None
        return path

    def discard(self, step: str) -> None:
        try:
            self.path(step).unlink(missing_ok=True)
        except OSError as error:
            raise self._unwritable(self.path(step), error) from None

    def _unwritable(self, path: Path, error: OSError) -> CheckpointError:
        """A full disk or a read-only directory met while writing a checkpoint."""
        return CheckpointError(
            f"cannot write the checkpoint {path} ({error.strerror}): free space on its disk or "
            "make it writable, or pass --checkpoint-dir with another directory. What the step "
            "did to the sheet is recorded in the sheet's own stamps: run the same command again "
            "and it resumes from them."
        )


def write_private_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
