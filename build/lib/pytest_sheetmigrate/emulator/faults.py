"""Request counters and injected faults: what the control API steers.

Nothing here knows HTTP. The request handler asks, for every emulated API request (Sheets and
Drive; never ``/token`` nor ``/_emulator/...``):

1. :meth:`Stats.count` — counted on arrival, whatever its fate (faulted, refused, failed);
2. :meth:`FaultRules.next` — which fault, if any, hits this request.

(Quotas are in ``quotas.py``.)

Fault kinds (see :data:`KINDS`): ``http_429``, ``http_500``, ``http_503`` answer an error without
applying the request; ``reset`` drops the connection before applying it; ``apply_then_reset``
applies it and drops the answer; ``blackout`` drops this request and every later one until the
rules are deleted; ``latency`` delays the request by ``ms`` milliseconds (it combines with the
other kinds; the first non-latency rule that fires wins). An ``http_429`` answers as Google
does, without ``Retry-After`` (no public report of Google's 429 shows one), unless the rule
asks for it with ``"retry_after": seconds``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
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
    retry_after: int | None = None
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
        retry_after = raw.get("retry_after")
        if retry_after is not None and (
            kind != "http_429" or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise FaultRuleError(
                f"'retry_after' is whole seconds >= 0 of an http_429 rule, got {retry_after!r}"
            )
        seed = raw.get("seed", 0)
        return cls(
            kind=kind,
            at=at,
            rate=None if rate is None else float(rate),
            ms=ms if kind == "latency" else 0,
            retry_after=retry_after,
            rng=random.Random(seed) if rate is not None else None,
        )

    def fires(self, number: int) -> bool:
        if self.at is not None:
            return number == self.at
        assert self.rng is not None and self.rate is not None
        return self.rng.random() < self.rate


@dataclass(frozen=True)
class Decision:
    """What happens to one request: an extra delay, at most one fault kind (and its header)."""

    latency_ms: int = 0
    kind: str | None = None
    retry_after: int | None = None


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
            latency, fired = 0, None
            for rule in self._rules:
                # Every rule is asked, so each seeded rule draws once per request.
                if not rule.fires(self._seen):
                    continue
                if rule.kind == "latency":
                    latency += rule.ms
                elif fired is None:
                    fired = rule
            if fired is None:
                return Decision(latency_ms=latency)
            if fired.kind == "blackout":
                self._blackout = True
            return Decision(latency, fired.kind, fired.retry_after)
