"""Client-side pacing to Google's per-minute Sheets quotas, so a run does not meet a 429.

Google's Sheets "Usage limits" page (https://developers.google.com/workspace/sheets/api/limits):
read requests 60 per minute per user per project (300 per project), write requests the same,
counted separately; "Sheets API has per-minute quotas, and they're refilled every minute".
:class:`Pacer` keeps a sliding window per kind: a request goes when fewer than the budget were
sent in the last :data:`WINDOW_SECONDS`, else it waits for the oldest to leave the window. A
sliding window never puts more than the budget into any fixed minute either, whatever minute the
server's window starts on; the window is a second longer than Google's so that a request slowed
on its way cannot land in the minute of the one sent a minute after it. Drive requests (12,000 a
minute) are not paced.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .progress import ProgressLine

QuotaKind = Literal["read", "write"]

WINDOW_SECONDS = 61.0
"""Google's one-minute window, and a second's margin for a request's travel."""
GOOGLE_PER_MINUTE = 60
"""Google's default per-user budget, for reads and for writes."""
KIND_OF_REQUEST: dict[str, QuotaKind] = {
    "spreadsheets.get": "read",
    "values.batchGet": "read",
    "spreadsheets.batchUpdate": "write",
    "values.batchUpdateByDataFilter": "write",
}
"""The gateway's Sheets requests by the quota they count in (Google: "Read requests are calls
to any method that retrieves data ... Write requests are calls to any method that modifies")."""

OPTION_OF_KIND = {"read": "--reads-per-minute", "write": "--writes-per-minute"}


@dataclass
class Pacer:
    """Per-minute budgets of read and write requests (0: that kind is not paced)."""

    reads_per_minute: int = GOOGLE_PER_MINUTE
    writes_per_minute: int = GOOGLE_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    window_seconds: float = WINDOW_SECONDS
    waits: int = 0
    """How many times a request waited for its turn."""
    _sent: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def budget(self, kind: QuotaKind) -> int:
        return self.reads_per_minute if kind == "read" else self.writes_per_minute

    def wait_turn(self, request: str, notify: Callable[[str], None]) -> float:
        """Wait until ``request`` (a gateway request kind) fits its budget, announce each wait
        through ``notify``, and count it as sent; returns the seconds waited."""
        kind = KIND_OF_REQUEST.get(request)
        if kind is None or self.budget(kind) <= 0:
            return 0.0
        waited = 0.0
        while (wait := self._take(kind)) > 0:
            budget = self.budget(kind)
            whose = "Google's per-user quota; " if budget == GOOGLE_PER_MINUTE else ""
            notify(  # in place on a terminal, like the progress of a read: waits come often
                ProgressLine(
                    f"{request}: pacing to {budget} {kind} requests a minute ({whose}"
                    f"{OPTION_OF_KIND[kind]} sets it); waiting {wait:.1f} s for the quota"
                )
            )
            with self._lock:
                self.waits += 1
            self.sleep(wait)
            waited += wait
        return waited

    def _take(self, kind: QuotaKind) -> float:
        """Count one request of ``kind`` now and return 0, or the seconds until there is room."""
        with self._lock:
            now = self.clock()
            sent = self._sent.setdefault(kind, deque())
            while sent and sent[0] <= now - self.window_seconds:
                sent.popleft()
            if len(sent) < self.budget(kind):
                sent.append(now)
                return 0.0
            return sent[0] + self.window_seconds - now
