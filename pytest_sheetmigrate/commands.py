"""One function per command, callable from a plain script (no pytest): ``migrate``,
``dry_run``, ``validate``, ``rollback`` and ``status``.

Each takes ``Settings`` (built directly, or with ``settings.resolve``), sets the command's mode
on them, runs its steps in order on a ``run.Run`` and returns the run's ``RunRecord``
(record.py). A problem raises the ``errors.py`` exception whose message says the fix; the lease
is released either way.
``progress`` hears the lines the pytest session shows (``backup ran: ...``). The validation
suite is not run here: it is pytest code, run by ``pytest --migrate`` or ``pytest tests/v3.0``.
docs/scripting.md has a script that a test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from .chain.chain import single_schema_chain
from .connect import open_gateway
from .errors import SheetStateError
from .record import RunOutcome, RunRecord
from .run import Progress, Run, quiet
from .schema import load_schema
from .settings import Mode, Settings
from .status_read import StatusReport, read_status


def migrate(settings: Settings, *, progress: Progress = quiet) -> RunRecord:
    """Backup, columns, verify and init, for real; a step already done is recognised as done.
    A failed check raises ``VerificationError`` before init writes anything."""
    with _run(settings, Mode.MIGRATE, progress) as run:
        _migrate(run)
    return run.record


def dry_run(settings: Settings, *, progress: Progress = quiet) -> RunRecord:
    """The same steps, planned and verified in memory: no write is sent. The record's steps
    hold the request bodies each write step would send."""
    with _run(settings, Mode.DRY_RUN, progress) as run:
        _migrate(run)
    return run.record


def validate(settings: Settings, *, progress: Progress = quiet) -> RunRecord:
    """Read-only: the live sheet is at the schema's version, else ``SheetStateError``."""
    with _run(settings, Mode.VALIDATE, progress) as run:
        run.ready()
        problem = run.version_problem()
        if problem is not None:
            raise SheetStateError(problem)
    return run.record


def rollback(settings: Settings, *, force: bool = False, progress: Progress = quiet) -> RunRecord:
    """The worksheet restored from the migration's backup, its stamps removed; ``force``
    restores it even though rows changed since the migration."""
    with _run(settings, Mode.ROLLBACK, progress, force_rollback=force) as run:
        run.rollback()
    return run.record


def status(settings: Settings, *, progress: Progress = quiet) -> StatusReport:
    """Read-only: each worksheet's version, history, pending versions, drift and any lease
    (``report.lines``; ``report.exit_code(check=True)`` is 1 on a pending version or drift)."""
    chain = single_schema_chain(load_schema(settings.schema_path))
    with open_gateway(settings, notify=progress) as gateway:
        return read_status(gateway, chain)


def _migrate(run: Run) -> None:
    run.backup()
    run.columns()
    run.init(run.verify())


@contextmanager
def _run(
    settings: Settings, mode: Mode, progress: Progress, *, force_rollback: bool = False
) -> Iterator[Run]:
    """A checked run in ``mode``, closed at the end (an interruption says what it left)."""
    rerun = f"commands.{'rollback' if mode is Mode.ROLLBACK else 'migrate'}()"
    run = Run.checked(
        replace(settings, mode=mode), progress, force_rollback=force_rollback, rerun=rerun
    )
    interrupted = False
    try:
        with run.recorded(mode.value):
            yield run
        run.record.outcome = RunOutcome.PASSED
    except KeyboardInterrupt:
        interrupted, run.record.outcome = True, RunOutcome.INTERRUPTED
        raise
    except BaseException:
        run.record.outcome = RunOutcome.FAILED
        raise
    finally:
        said = run.close(interrupted=interrupted)
        if said is not None:
            progress(said)
