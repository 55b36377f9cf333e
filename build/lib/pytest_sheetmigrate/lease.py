"""One migration at a time: a lease kept in the spreadsheet's developer metadata.

The lease names its holder (user@host, pid) and an expiry. A second run is refused with the
holder's name; a lease whose holder process on this host is dead is taken over at once, one from
another host once it has expired. Every write of a step renews it; the last write releases it.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import LockHeldError
from .stamp import Stamps, create_metadata_request, delete_metadata_request

LEASE_KEY = "sheetmigrate.lease"
LEASE_SECONDS = 15 * 60

_HELD_HERE: set[str] = set()
"""The runs of this process that hold their lease now. A lease naming this process with another
run was left by a run that is over (its release lost), like one whose process is dead."""


@dataclass(frozen=True)
class Lease:
    holder: str  # user@host
    host: str
    pid: int
    run: str
    expires: str  # UTC, ISO 8601

    @classmethod
    def mine(cls, seconds: int = LEASE_SECONDS) -> Lease:
        host = socket.gethostname()
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        return cls(
            holder=f"{_user()}@{host}",
            host=host,
            pid=os.getpid(),
            run=uuid.uuid4().hex,
            expires=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    @classmethod
    def parse(cls, value: str) -> Lease | None:
        try:
            return cls(**json.loads(value))
        except (ValueError, TypeError):
            return None

    def renewed(self, seconds: int = LEASE_SECONDS) -> Lease:
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        return replace(self, expires=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @property
    def expired(self) -> bool:
        return datetime.now(UTC) >= datetime.strptime(self.expires, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )

    @property
    def holder_is_dead(self) -> bool:
        """True when the holder ran on this host and its process is gone (or, in this very
        process, its run is over)."""
        if self.host != socket.gethostname():
            return False
        if self.pid == os.getpid():
            return self.run not in _HELD_HERE
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def describe(self) -> str:
        return f"{self.holder} (pid {self.pid}) until {self.expires}"


def leases(stamps: Stamps) -> list[tuple[int, Lease | None]]:
    return [(metadata_id, Lease.parse(value)) for metadata_id, value in stamps.all(LEASE_KEY)]


def take_requests(stamps: Stamps, mine: Lease, *, force: bool = False) -> list[dict[str, Any]]:
    """The requests that take the lease, or LockHeldError naming the live holder.

    ``force`` (``--break-lock``) removes any other lease, live or not.
    """
    requests = []
    for metadata_id, held in leases(stamps):
        alive = held is not None and not (held.expired or held.holder_is_dead)
        if alive and not force and held is not None and held.run != mine.run:
            raise LockHeldError(
                f"another migration holds the lease on this spreadsheet: {held.describe()}. "
                "Wait for it to finish; if that run is dead, run again with --break-lock."
            )
        requests.append(delete_metadata_request(metadata_id))
    requests.append(create_metadata_request(LEASE_KEY, mine.to_json()))
    return requests


def confirm(stamps: Stamps, mine: Lease) -> None:
    """After taking the lease: when two runs raced, the one with the smallest run id keeps it
    (run ids are random, so either may win; both agree which)."""
    live = [lease for _, lease in leases(stamps) if lease is not None and not lease.expired]
    if not any(lease.run == mine.run for lease in live):
        raise LockHeldError("the lease was taken by another run before this one: run again later")
    winner = min(live, key=lambda lease: lease.run)
    if winner.run != mine.run:
        raise LockHeldError(
            f"another migration started at the same moment holds the lease: {winner.describe()}"
        )


def hold(mine: Lease) -> None:
    """Record that this process's run ``mine`` holds the lease (taken and confirmed)."""
    _HELD_HERE.add(mine.run)


def let_go(mine: Lease) -> None:
    """Record that run ``mine`` is over, whether or not its release reached the sheet."""
    _HELD_HERE.discard(mine.run)


def held_by(stamps: Stamps, mine: Lease) -> bool:
    """Whether the stamps hold a lease of run ``mine`` (a lost answer's check)."""
    return any(held is not None and held.run == mine.run for _, held in leases(stamps))


def release_requests(stamps: Stamps, mine: Lease) -> list[dict[str, Any]]:
    return [
        delete_metadata_request(metadata_id)
        for metadata_id, lease in leases(stamps)
        if lease is not None and lease.run == mine.run
    ]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
