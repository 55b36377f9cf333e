"""The steps of a migration, as objects over one context and one writer.

Each step answers ``done_on_sheet()`` (is it done, as the sheet says?) and ``run(...)``, which
builds its requests, hands them to the writer and returns its typed outcome, the next step's
input: backup → columns → verify → init → test (and rollback, rollback.py). A new kind of step (a
rename, a drop, a transform) is one more class here.
"""

from .backup import BackupOutcome, BackupStep
from .columns import ColumnsOutcome, ColumnsStep
from .init import InitOutcome, InitStep
from .suite import TestStep
from .verify import VerifyStep

__all__ = [
    "BackupOutcome",
    "BackupStep",
    "ColumnsOutcome",
    "ColumnsStep",
    "InitOutcome",
    "InitStep",
    "TestStep",
    "VerifyStep",
]
