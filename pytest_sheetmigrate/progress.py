"""Progress of a long read: rows read of the total, requests, elapsed time, time left.

The reader (reader.py) reports each chunk to a :class:`ReadProgress`, which says a line through
the run's progress callback at most every :data:`EVERY_SECONDS`, and none for a read done
sooner. Its lines are :class:`ProgressLine`: the plugin rewrites one in place on a terminal and
prints it as a line otherwise (plugin/session.py ``announce``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

EVERY_SECONDS = 5.0
"""The least time between two progress lines of one read (and before the first)."""


class ProgressLine(str):
    """A line that the next one replaces: shown in place where the terminal allows it."""


def clock_text(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ReadProgress:
    """The progress of reading ``total`` rows of ``title``; ``requests()`` counts the run's."""

    def __init__(
        self,
        notify: Callable[[str], None],
        title: str,
        total: int,
        requests: Callable[[], int],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notify, self.title, self.total, self.requests = notify, title, total, requests
        self.clock = clock
        self.started = self.last = clock()
        self.read = 0

    def add(self, rows: int) -> None:
        """``rows`` more were read; say so when it is time."""
        self.read += rows
        now = self.clock()
        if now - self.last < EVERY_SECONDS or self.read >= self.total:
            return
        self.last = now
        self.notify(ProgressLine(self.line(now - self.started)))

    def line(self, elapsed: float) -> str:
        done = min(self.read, self.total)
        left = elapsed / done * (self.total - done) if done else 0.0
        return (
            f"reading {self.title!r}: {done:,} of {self.total:,} rows "
            f"({done * 100 // max(self.total, 1)}%), {self.requests():,} requests, "
            f"{clock_text(elapsed)} elapsed, about {clock_text(left)} left"
        )
