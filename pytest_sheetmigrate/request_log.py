"""The requests a run sends: counted by kind (``RequestLog``, the run record's), and retried
(``RetryPolicy``: exponential backoff with full jitter, a quota refusal waited out). Used by the
gateway, which sends every request."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestLog:
    """What a run sent: requests by kind and bytes uploaded."""

    by_kind: Counter[str] = field(default_factory=Counter)
    bytes_up: int = 0
    retries: int = 0
    quota_refusals: int = 0
    """429s and Drive's rate-limit 403s received (the pacer's goal: none)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Held to count: a prefetching thread may send while the caller does."""

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_kind": dict(self.by_kind),
            "bytes_up": self.bytes_up,
            "retries": self.retries,
            "quota_refusals": self.quota_refusals,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded; honours Retry-After.

    A quota refusal without ``Retry-After`` (Google sends none; its "Usage limits" page: "use
    an exponential backoff algorithm. After 1 minute, you can execute requests again") waits
    longer, to cover the one-minute window: 4, 8, 16, 32, 64 times ``base_seconds``, each up to
    10% longer at random; at the default 0.5 s that is 2, 4, 8, 16 and 32 s, 62 to 68.2 s in
    all, never more than :attr:`quota_bound_seconds` (70 s) for one request.
    """

    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def quota_bound_seconds(self) -> float:
        """The most a request waits in all for quota refusals without Retry-After."""
        return 140 * self.base_seconds

    def delay(self, attempt: int, retry_after: str | None, *, quota: bool = False) -> float:
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), self.cap_seconds)
        if quota:
            return self.base_seconds * 4 * 2**attempt * random.uniform(1.0, 1.1)
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))
