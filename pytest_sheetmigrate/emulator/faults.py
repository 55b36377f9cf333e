"""Request counters, injected faults, a per-token quota: what the control API steers.

Nothing here knows HTTP. The request handler asks, for every emulated API request (Sheets and
Drive; never ``/token`` nor ``/_emulator/...``):

1. :meth:`Stats.count` — counted on arrival, whatever its fate (faulted, refused, failed);
2. :meth:`FaultRules.next` — which fault, if any, hits this request;
3. :meth:`Quota.admit` — whether the token still has quota this minute.

Fault kinds (see :data:`KINDS`): ``http_429``, ``http_500``, ``http_503`` answer an error without
applying the request; ``reset`` drops the connection before applying it; ``apply_then_reset``
applies it and drops the answer; ``blackout`` drops this request and every later one until the
rules are deleted; ``latency`` delays the request by ``ms`` milliseconds (it combines with the
other kinds; the first non-latency rule that fires wins).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

KINDS = frozenset(
    {"http_429", "http_500", "http_503", "reset", "apply_then_reset", "blackout", "latency"}
)


class FaultRuleError(ValueError):
    """A fault rule posted to the control API is malformed."""


class Stats:
    """Thread-safe counters of emulated API requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._mutating = 0
            self._bytes_in = 0
            self._bytes_out = 0
            self._by_endpoint: Counter[str] = Counter()

    def count(self, template: str, *, mutating: bool, bytes_in: int) -> None:
        with self._lock:
            self._requests += 1
            self._mutating += mutating
            self._bytes_in += bytes_in
            self._by_endpoint[template] += 1

    def add_bytes_out(self, n: int) -> None:
        with self._lock:
            self._bytes_out += n

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "mutating_requests": self._mutating,
                "bytes_in": self._bytes_in,
                "bytes_out": self._bytes_out,
                "by_endpoint": dict(self._by_endpoint),
            }


@dataclass
class FaultRule:
    """One rule: fires on the ``at``-th request, or on each request with probability ``rate``."""

    kind: str
    at: int | None = None
    rate: float | None = None
    ms: int = 0
    rng: random.Random | None = None

    @classmethod
    def from_json(cls, raw: Any) -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultRuleError(f"a rule must be an object, got {raw!r}")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise FaultRuleError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        at, rate = raw.get("at"), raw.get("rate")
        if (at is None) == (rate is None):
            raise FaultRuleError(f"rule {raw!r} needs exactly one of 'at' or 'rate'")
        if at is not None and (not isinstance(at, int) or at < 1):
            raise FaultRuleError(f"'at' must be an integer >= 1 (1-based), got {at!r}")
        if rate is not None and (not isinstance(rate, int | float) or not 0 <= rate <= 1):
            raise FaultRuleError(f"'rate' must be a number between 0 and 1, got {rate!r}")
        ms = raw.get("ms", 0)
        if kind == "latency" and (not isinstance(ms, int) or ms < 0):
            raise FaultRuleError(f"a latency rule needs 'ms' >= 0, got {ms!r}")
        seed = raw.get("seed", 0)
        return cls(
            kind=kind,
            at=at,
            rate=None if rate is None else float(rate),
            ms=ms if kind == "latency" else 0,
            rng=random.Random(seed) if rate is not None else None,
        )

    def fires(self, number: int) -> bool:
        if self.at is not None:
            return number == self.at
        assert self.rng is not None and self.rate is not None
        return self.rng.random() < self.rate


@dataclass(frozen=True)
class Decision:
    """What happens to one request: an extra delay and at most one fault kind."""

    latency_ms: int = 0
    kind: str | None = None


class FaultRules:
    """The rules currently set, and the count of requests seen since they were set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seen = 0
        self._blackout = False

    def set(self, raw_rules: Any) -> int:
        """Replace the rules (validated first: a bad list changes nothing); restart counting."""
        if not isinstance(raw_rules, list):
            raise FaultRuleError('expected {"rules": [...]}')
        rules = [FaultRule.from_json(raw) for raw in raw_rules]
        with self._lock:
            self._rules, self._seen, self._blackout = rules, 0, False
        return len(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules, self._seen, self._blackout = [], 0, False

    def next(self) -> Decision:
        """Count one emulated request and decide its fate."""
        with self._lock:
            self._seen += 1
            if self._blackout:
                return Decision(kind="blackout")
            latency, kind = 0, None
            for rule in self._rules:
                # Every rule is asked, so each seeded rule draws once per request.
                if not rule.fires(self._seen):
                    continue
                if rule.kind == "latency":
                    latency += rule.ms
                elif kind is None:
                    kind = rule.kind
            if kind == "blackout":
                self._blackout = True
            return Decision(latency_ms=latency, kind=kind)


class Quota:
    """Requests per minute per token, over a sliding 60-second window.

    A refused request does not use quota. :meth:`admit` returns ``None`` when the request may
    go ahead, else the whole seconds to wait (for ``Retry-After``).
    """

    WINDOW_S = 60.0

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            raise ValueError(f"quota must be at least 1 request per minute, got {per_minute}")
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()

    def admit(self, token: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(token, deque())
            while times and times[0] <= now - self.WINDOW_S:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, int(times[0] + self.WINDOW_S - now + 0.999))
            times.append(now)
            return None
