"""Test-only: another writer's edit, run exactly between two requests of a client.

Off unless a test sets one (``EmulatorServer.interleave``). Once set, the server numbers every
emulated request from 1 (as the fault rules do: Sheets and Drive, never ``/token`` nor
``/_emulator/...``) and records its route. The edit runs once: before request 1 is applied when
``after`` is 0, else after request ``after`` is applied and before its answer is sent, so the
client's next request sees the edit and its last answer does not. A sequential client (gspread)
cannot tell this from an edit made between the two requests.

The edit is a function of the ``Store``: it runs ordinary backend operations (a batchUpdate, a
values update), so it changes the state as another writer's request would (formulas relocate,
developer metadata moves with its rows and columns, the journal records it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .store import Store

Edit = Callable[[Store], Any]


class Interleaving:
    """At most one pending edit, the requests counted since it was set, and what it did."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = False
        self._edit: Edit | None = None
        self._after = 0
        self.requests: list[str] = []
        """The route template of each request counted, in order (request N is ``[N - 1]``)."""
        self.ran_after: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None

    def set(self, after: int, edit: Edit | None) -> None:
        """Run ``edit`` after request ``after`` (0: before the first); restart counting.
        ``edit=None`` only counts and records the requests."""
        if after < 0:
            raise ValueError(f"'after' is a number of requests >= 0, got {after!r}")
        with self._lock:
            self._active, self._edit, self._after = True, edit, after
            self.requests, self.ran_after, self.result, self.error = [], None, None, None

    def clear(self) -> None:
        with self._lock:
            self._active, self._edit = False, None

    def arrived(self, template: str) -> int:
        """Count one request; its number (0 when no interleaving is set)."""
        with self._lock:
            if not self._active:
                return 0
            self.requests.append(template)
            return len(self.requests)

    def before_applying(self, number: int, store: Store) -> None:
        if number == 1 and self._after == 0:
            self._run(store)

    def after_applying(self, number: int, store: Store) -> None:
        if number and number == self._after:
            self._run(store)

    def _run(self, store: Store) -> None:
        with self._lock:
            edit, self._edit = self._edit, None
        if edit is None:
            return
        self.ran_after = self._after
        try:
            self.result = edit(store)
        except Exception as error:  # the test asks for it; the client's request goes on
            self.error = error
