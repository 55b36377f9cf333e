"""One migration at a time: a lease kept in the spreadsheet's developer metadata.

The lease names its holder (user@host, pid) and an expiry. A second run is refused with the
holder's name; a lease whose holder process on this host is dead is taken over at once, one from
another host once it has expired. Every write of a step renews it; the last write releases it.

:class:`LeaseHolder` is the one place a run's lease lives: it takes it, gives the requests that
renew (or release) it inside each write, and gives it up when the run closes.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from collections.abc import Callable, Container
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from .errors import LockHeldError
from .gateway import SheetGateway
from .sheet_info import SpreadsheetInfo
from .stamp import Stamps, create_metadata_request, delete_metadata_request

LEASE_KEY = "sheetmigrate.lease"
LEASE_SECONDS = 15 * 60
TAKING_THE_LEASE = "lease"  # the in-flight write that takes the lease, before any step's write

Send = Callable[[Callable[[], None]], dict[str, Any]]
"""Sends one write; its argument refuses a resend once the run is interrupted (in_flight.py)."""
SendInFlight = Callable[[str, Callable[[Stamps], bool], Send], dict[str, Any]]


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

    def holder_is_dead(self, held_here: Container[str]) -> bool:
        """True when the holder ran on this host and its process is gone (or, in this very
        process, its run is over: not one of the runs ``held_here``)."""
        if self.host != socket.gethostname():
            return False
        if self.pid == os.getpid():
            return self.run not in held_here
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


def take_requests(
    stamps: Stamps, mine: Lease, *, held_here: Container[str], force: bool = False
) -> list[dict[str, Any]]:
    """The requests that take the lease, or LockHeldError naming the live holder.

    ``held_here``: the runs of this process holding a lease now. ``force`` (``--break-lock``)
    removes any other lease, live or not.
    """
    requests = []
    for metadata_id, held in leases(stamps):
        alive = held is not None and not (held.expired or held.holder_is_dead(held_here))
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


def held_by(stamps: Stamps, mine: Lease) -> bool:
    """Whether the stamps hold a lease of run ``mine`` (a lost answer's check)."""
    return any(held is not None and held.run == mine.run for _, held in leases(stamps))


def release_requests(stamps: Stamps, mine: Lease) -> list[dict[str, Any]]:
    return [
        delete_metadata_request(metadata_id)
        for metadata_id, lease in leases(stamps)
        if lease is not None and lease.run == mine.run
    ]


@dataclass(frozen=True)
class Renewal:
    """The requests that renew (or release) the lease inside a write, and the lease after it."""

    requests: list[dict[str, Any]]
    lease: Lease | None


class LeaseHolder:
    """The lease of one run on one spreadsheet: taken before the run's first write, renewed
    inside each write (:meth:`renewal`, then :meth:`landed` once the write went through),
    released by the last, and given up by :meth:`close` if the run ends holding it.

    ``held`` is the lease held (confirmed), ``taking`` one asked for and not yet confirmed.
    The runs whose holder holds a lease now are known to every holder of this process: a lease
    naming this process with another run was left by a run that is over (its release lost),
    like one whose process is dead, and is taken over at once.
    """

    _held_here: ClassVar[set[str]] = set()

    def __init__(
        self,
        gateway: SheetGateway,
        *,
        force: bool = False,
        progress: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.gateway = gateway
        self.force = force  # --break-lock
        self.progress = progress
        self.held: Lease | None = None
        self.taking: Lease | None = None

    def take(self, send: SendInFlight) -> SpreadsheetInfo | None:
        """Hold the lease (LockHeldError names the live holder); returns the spreadsheet as
        read once it is confirmed (None: held already). ``send`` sends the take in flight."""
        if self.held is not None:
            return None
        mine = Lease.mine()
        stamps = self.gateway.metadata().stamps
        requests = take_requests(stamps, mine, held_here=self._held_here, force=self.force)
        self.taking = mine  # until confirmed: close() removes whatever of the take landed

        def write(refuse_once_interrupted: Callable[[], None]) -> dict[str, Any]:
            return self.gateway.batch_update(
                requests,
                already_applied=lambda: held_by(self.gateway.metadata().stamps, mine),
                before_resend=refuse_once_interrupted,
            )

        send(TAKING_THE_LEASE, lambda s: held_by(s, mine), write)
        info = self.gateway.metadata()
        try:
            confirm(info.stamps, mine)
        except LockHeldError:
            self._give_up(mine)  # the loser of a race leaves no lease of its own behind
            self.taking = None
            raise
        self._held_here.add(mine.run)
        self.held, self.taking = mine, None
        self.progress(f"lease taken by {mine.describe()}")
        return info

    def renewal(self, stamps: Stamps, *, release: bool = False) -> Renewal:
        """The requests that renew (or release) the lease, riding on a step's own batchUpdate."""
        if self.held is None:
            return Renewal([], None)
        old = release_requests(stamps, self.held)
        if release:
            return Renewal(old, None)
        renewed = self.held.renewed()
        return Renewal([*old, create_metadata_request(LEASE_KEY, renewed.to_json())], renewed)

    def landed(self, renewal: Renewal) -> None:
        """The write carrying ``renewal`` went through (a write that failed leaves the lease
        to close())."""
        if self.held is not None and renewal.lease is None:
            self._held_here.discard(self.held.run)
        self.held = renewal.lease

    def close(self) -> None:
        """Give up a take that did not finish, and the lease if still held: every lease of the
        run that the sheet holds now (read afresh) is removed."""
        taking, self.taking = self.taking, None
        if taking is not None:  # a take that did not finish: its lease, if it landed, goes
            self._give_up(taking)
        if self.held is None:
            return
        mine, self.held = self.held, None
        self._held_here.discard(mine.run)  # released below, or left by a run that is over
        self._give_up(mine)

    def _give_up(self, mine: Lease) -> None:
        """Remove every lease of run ``mine`` that the sheet holds now (read afresh)."""
        stamps = self.gateway.metadata().stamps
        requests = release_requests(stamps, mine)
        if requests:
            self.gateway.batch_update(
                requests,
                already_applied=lambda: not held_by(self.gateway.metadata().stamps, mine),
            )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
