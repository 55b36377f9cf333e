"""Per-minute request quotas like Google's: read and write buckets, per account and per project.

Nothing here knows HTTP. For every emulated API request that carries a bearer token the request
handler asks :meth:`Quotas.admit` whether the request may go ahead; a refusal names the
:class:`Limit` that was exceeded, and the HTTP layer renders Google's answer for it.

What Google documents, and what is followed here:

- Sheets ("Usage limits", https://developers.google.com/sheets/api/limits): read requests 300
  per minute per project and 60 per minute per user per project; write requests the same,
  counted separately. A write is an operation of kind ``Kind.MUTATING`` (``operations.py``).
- Drive ("Usage limits", https://developers.google.com/drive/api/guides/limits, before its May
  2026 revision): queries, 12,000 per 60 seconds per project and 12,000 per 60 seconds per user,
  reads and writes together. Not implemented: the May 2026 "quota units" model (1,000,000 units
  per minute per project, 325,000 per user, a cost per method), which applies only to projects
  created after it.
- A user is the account behind the token (its e-mail when the server knows it, else the token
  itself); the project is the whole server: every token counts against it.
- Windows: per-minute windows synchronised on the clock's minute, every count back to zero at
  the start of each minute ("quotas are refilled every minute"; Compute Engine's rate-quota page
  describes the shared mechanism: "if a project reaches a quota limit at 10:00:15, the quota
  refills at the start of the next synchronized interval, such as 10:01:00"). Unverified for
  Sheets itself.
- A refused request uses no quota, and a request is admitted only when every bucket it counts
  in has room (then it counts in all of them). In a window synchronised on the minute this
  changes nothing a client could see: the refusing bucket is full until the window ends anyway.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

Api = Literal["sheets", "drive"]

WINDOW_S = 60


@dataclass(frozen=True)
class Limit:
    """One per-minute limit, named as Google names it in its errors."""

    api: Api
    kind: Literal["read", "write", "any"]
    per_user: bool
    value: int

    @property
    def metric(self) -> str:
        """The quota metric's display name ("Read requests")."""
        return {"read": "Read requests", "write": "Write requests", "any": "Queries"}[self.kind]

    @property
    def name(self) -> str:
        """The limit's display name: "Read requests per minute per user", "... per minute"."""
        return f"{self.metric} per minute" + (" per user" if self.per_user else "")

    @property
    def quota_metric(self) -> str:
        """The metric's id (``sheets.googleapis.com/read_requests``)."""
        metric = {"read": "read_requests", "write": "write_requests", "any": "default"}[self.kind]
        return f"{self.api}.googleapis.com/{metric}"

    @property
    def quota_limit(self) -> str:
        """The limit's id (``ReadRequestsPerMinutePerUser``)."""
        scope = "PerUser" if self.per_user else "PerProject"
        return self.metric.title().replace(" ", "") + "PerMinute" + scope

    @property
    def unit(self) -> str:
        return "1/min/{project}/{user}" if self.per_user else "1/min/{project}"


@dataclass(frozen=True)
class QuotaSettings:
    """The per-minute limits of a server (``None``: no limit) and how refusals are answered.

    ``retry_after`` adds a ``Retry-After`` header (seconds to the next window) to refusals,
    which Google does not send; ``clock`` (seconds, like :func:`time.time`) is for tests.
    """

    read_per_user: int | None = None
    read_per_project: int | None = None
    write_per_user: int | None = None
    write_per_project: int | None = None
    drive_per_user: int | None = None
    drive_per_project: int | None = None
    retry_after: bool = False
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @classmethod
    def google(cls, **overrides: object) -> QuotaSettings:
        """Google's default limits (see the module docstring), with ``overrides``."""
        defaults = cls(
            read_per_user=60,
            read_per_project=300,
            write_per_user=60,
            write_per_project=300,
            drive_per_user=12_000,
            drive_per_project=12_000,
        )
        return replace(defaults, **overrides)  # type: ignore[arg-type]

    def limits(self) -> list[Limit]:
        """Every limit set, per-user ones first (the first full bucket names the refusal)."""
        table: list[tuple[Api, Literal["read", "write", "any"], bool, int | None]] = [
            ("sheets", "read", True, self.read_per_user),
            ("sheets", "write", True, self.write_per_user),
            ("drive", "any", True, self.drive_per_user),
            ("sheets", "read", False, self.read_per_project),
            ("sheets", "write", False, self.write_per_project),
            ("drive", "any", False, self.drive_per_project),
        ]
        for *_, value in table:
            if value is not None and value < 1:
                raise ValueError(f"a quota must be at least 1 request per minute, got {value}")
        return [Limit(api, kind, per_user, value) for api, kind, per_user, value in table if value]

    @property
    def enabled(self) -> bool:
        return bool(self.limits())


@dataclass(frozen=True)
class Refusal:
    """A request refused: the limit exceeded, and the whole seconds until its next window."""

    limit: Limit
    retry_after_s: int


class Quotas:
    """Thread-safe per-minute counters, one per (limit, user) for per-user limits."""

    def __init__(self, settings: QuotaSettings) -> None:
        self.settings = settings
        self._limits = settings.limits()
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[tuple[Limit, str], int] = {}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def admit(self, api: Api, *, mutating: bool, user: str) -> Refusal | None:
        """Count one request of ``user`` if every bucket it counts in has room, else refuse."""
        kind = "any" if api == "drive" else ("write" if mutating else "read")
        now = self.settings.clock()
        window = math.floor(now / WINDOW_S)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            buckets = [
                (limit, user if limit.per_user else "")
                for limit in self._limits
                if limit.api == api and limit.kind == kind
            ]
            for bucket in buckets:
                if self._counts.get(bucket, 0) >= bucket[0].value:
                    wait = max(1, math.ceil((window + 1) * WINDOW_S - now))
                    return Refusal(bucket[0], wait)
            for bucket in buckets:
                self._counts[bucket] = self._counts.get(bucket, 0) + 1
            return None
