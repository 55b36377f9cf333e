"""A step's write that a Ctrl-C does not abandon, and what an interrupted run says about it.

The API applies a batchUpdate it has received whether or not its client still waits for the
answer (unverified: no public source found says Google cancels a request whose client went
away, and the Sheets API has no cancel; the local server applies it). A run interrupted while its
write is in flight cannot tell from its side whether the write landed, and a release of its lease
sent at once could be overtaken by that write, which renews the lease (every other host locked
out for 15 minutes). So a step's write is sent from a thread of its own: KeyboardInterrupt stops
the run's main thread, not the request, and no retry is sent after it. On its way out the run
waits for that request to end (bounded), reads the sheet afresh, and knows: the step's stamp
rides in the same batchUpdate, so its presence says whether the write landed.
``LiveWriter.close`` (writer.py) does this; :func:`interrupted_message` words it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .stamp import Stamps

SETTLE_SECONDS = 60.0  # how long an interrupted run waits for its write's answer


class _InterruptedRun(Exception):
    """Raised in the write's thread instead of a retry once the run was interrupted."""


class WriteInFlight:
    """One step's batchUpdate, sent (with its retries) from its own thread."""

    def __init__(
        self,
        step: str,
        applied: Callable[[Stamps], bool],
        send: Callable[[Callable[[], None]], dict[str, Any]],
    ) -> None:
        """``send(before_resend)`` sends the write; ``before_resend`` refuses a retry once the
        run is interrupted."""
        self.step = step
        self.applied = applied
        self.interrupted = threading.Event()
        self._outcome: list[tuple[bool, Any]] = []
        # Waited on rather than Thread.join: a join interrupted by Ctrl-C marks the thread as
        # stopped although it still runs (CPython 3.11, bpo-45274's fix).
        self._done = threading.Event()
        threading.Thread(
            target=self._run, args=(send,), name=f"sheetmigrate-{step}-write", daemon=True
        ).start()

    def _run(self, send: Callable[[Callable[[], None]], dict[str, Any]]) -> None:
        try:
            self._outcome.append((True, send(self._refuse_resend_once_interrupted)))
        except BaseException as error:  # handed to the run's thread
            self._outcome.append((False, error))
        finally:
            self._done.set()

    def _refuse_resend_once_interrupted(self) -> None:
        if self.interrupted.is_set():
            raise _InterruptedRun(f"the run was interrupted: the {self.step} write is not resent")

    def answer(self) -> dict[str, Any]:
        """The write's answer, or its error; a KeyboardInterrupt leaves it in flight."""
        try:
            self._done.wait()
        except KeyboardInterrupt:
            self.interrupted.set()
            raise
        done, value = self._outcome[0]
        if not done:
            raise value
        return value  # type: ignore[no-any-return]

    def settle(self, seconds: float = SETTLE_SECONDS) -> bool:
        """Wait (at most ``seconds``; a second Ctrl-C stops waiting) for the write to end."""
        with contextlib.suppress(KeyboardInterrupt):
            self._done.wait(seconds)
        return self._done.is_set()


@dataclass(frozen=True)
class InterruptedWrite:
    """What the sheet says, read afresh, of the write an interrupted run had in flight."""

    step: str
    landed: bool
    settled: bool  # False: no answer within SETTLE_SECONDS, it may still land


def interrupted_message(
    step: str | None, write: InterruptedWrite | None, rerun: str, *, released: bool
) -> str:
    """What an interrupted run says: the step, whether its write landed, that rerunning is safe.

    ``step`` is the step that did not finish (None: every step did); ``write`` what the sheet
    says of the write in flight, if there was one."""
    step = write.step if write is not None else step
    lease = "; the lease this run held is released" if released else ""
    if write is None and step is None:
        return (
            f"interrupted in the validation suite, after every step finished{lease}. Running "
            f"{rerun} again is safe: it finds every step done."
        )
    where = f"during the {step} step"
    if write is None:
        return (
            f"interrupted {where}, with no write in flight: the sheet holds the steps that "
            f"finished, nothing of this one{lease}. Running {rerun} again is safe: it resumes "
            f"at {step}."
        )
    if not write.settled:
        return (
            f"interrupted {where}, while its write was in flight, and the write had no answer "
            f"within {SETTLE_SECONDS:.0f} s: it may still land{lease}. Running {rerun} again is "
            f"safe: it finds {step} done if it landed, else runs it again (a lease the write "
            "renews names this dead run and is taken over at once on this host)."
        )
    if write.landed:
        return (
            f"interrupted {where}, while its write was in flight: the write landed (the sheet "
            f"shows {step} done){lease}. Running {rerun} again is safe: it finds {step} done "
            "and goes on from there."
        )
    return (
        f"interrupted {where}, while its write was in flight: the write did not land (the sheet "
        f"has none of it: a batchUpdate applies all or nothing){lease}. Running {rerun} again is "
        f"safe: it runs {step} again."
    )
