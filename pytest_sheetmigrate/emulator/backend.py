"""The state model of the local Sheets API v4 + Drive v3 server: :class:`SheetsBackend`.

No HTTP here (moto's models.py). A backend is the shared state of one server
(:class:`~state.SheetsState`: files, shared drives, accounts, lock, clock) with the services
composed around it, each holding that state: :class:`~spreadsheets_ops.SpreadsheetsService`
(spreadsheets.create/get/batchUpdate, developer metadata, sheets.copyTo),
:class:`~values_ops.ValuesService` (values.*) and :class:`~drive.DriveService` (Drive files,
comments, permissions; accounts and shared drives of the control API).

:meth:`SheetsBackend.execute` runs one operation of the table (:mod:`operations`) by name,
with the keyword arguments its entry lists, under the state's lock with a given random seed and
clock, so that a journal of (operation, kwargs, caller, seed, now) replays to the same state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from . import exceptions as errors
from .drive import DriveService
from .operations import OPERATIONS, Kind
from .spreadsheets_ops import SpreadsheetsService
from .state import SheetsState
from .values_ops import ValuesService


def _names(*kinds: Kind) -> frozenset[str]:
    return frozenset(name for name, op in OPERATIONS.items() if op.kind in kinds)


class SheetsBackend:
    """All spreadsheets of one server, and every state operation on them."""

    # Derived from the operation table: the writes, and what the store journals (the writes
    # and the control operations that change the state, ``Kind.journaled``).
    MUTATING: ClassVar[frozenset[str]] = _names(Kind.MUTATING)
    JOURNALED: ClassVar[frozenset[str]] = _names(*(kind for kind in Kind if kind.journaled))

    def __init__(self, *, sharing: bool = False, service_accounts: Iterable[str] = ()) -> None:
        self.state = SheetsState(sharing=sharing, service_accounts=service_accounts)
        self.spreadsheets = SpreadsheetsService(self.state)
        self.values = ValuesService(self.state)
        self.drive = DriveService(self.state)
        self._handlers = self._bind_handlers((self.spreadsheets, self.values, self.drive))

    @staticmethod
    def _bind_handlers(services: Iterable[object]) -> dict[str, Callable[..., Any]]:
        """Each state operation's handler, bound to the service instance that defines it."""
        bound: dict[str, Callable[..., Any]] = {}
        for name, operation in OPERATIONS.items():
            if not operation.kind.on_state:
                continue
            method = operation.handler.__name__
            owners = [s for s in services if vars(type(s)).get(method) is operation.handler]
            if len(owners) != 1:
                raise TypeError(f"{name}: its handler is not a method of one state service")
            bound[name] = getattr(owners[0], method)
        return bound

    # --- running operations -------------------------------------------------------------------

    def execute(
        self,
        operation: str,
        kwargs: dict[str, Any],
        *,
        caller: str | None,
        seed: int,
        now: datetime,
    ) -> Any:
        """Run one state operation atomically and deterministically (see the module docstring)."""
        handler = self._handlers.get(operation)
        if handler is None:
            raise errors.ApiError(404, "NOT_FOUND", f"Method not found: {operation}.")
        state = self.state
        with state.lock:
            state.rng = random.Random(seed)
            state.now = now if now.tzinfo else now.replace(tzinfo=UTC)
            state.caller = caller
            try:
                return handler(**kwargs)
            finally:
                state.caller = None

    # --- the whole state ----------------------------------------------------------------------

    def dump_state(self) -> Any:
        """A picklable snapshot (committed objects are never changed in place)."""
        return self.state.dump_state()

    def load_state(self, state: Any) -> None:
        self.state.load_state(state)

    def reset(self) -> None:
        """Forget every file, shared drive and account declared since the start."""
        self.state.reset()

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        """Give an account access to a spreadsheet (sharing mode)."""
        self.state.share(file_id, email, role)
