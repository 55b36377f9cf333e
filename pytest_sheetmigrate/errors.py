"""The one exception tree of pytest-sheetmigrate.

Every message says what is wrong and what to do about it. The pytest layer reports a
``SheetMigrateError`` by its message alone, never a traceback: at configure time as a usage error,
during the session as the failure of the step (or test) that met it, the later steps skipped.
Anything else is a bug and keeps its traceback.

Each class carries the session's exit code (docs/ci.md): 4, pytest's usage error, for a setup
mistake, whenever it is found (an option, the schema file, the credentials, a spreadsheet,
worksheet or URL that is not there, no access, a local directory that cannot be written); 1 for
what the run found in the sheet or the API (its data or layout, a check, another run's lease,
retries exhausted).

    SheetMigrateError                   exit
    ├── ConfigError                     4   options, ini keys, environment variables
    │   └── SchemaError                 4   the schema TOML file
    ├── CredentialsError                4   service-account file, application default credentials
    ├── SheetAccessError                4   401, 403, 404, a missing worksheet, an unreachable API
    │   └── StorageQuotaError           4   a Drive copy refused: the account owns no Drive file
    ├── CheckpointError                 4   the local checkpoint cache is unusable
    ├── LocalWriteError                 4   a report or local snapshot cannot be written
    ├── SheetStateError                 1   the sheet is not what the migration can work on
    │   ├── ConcurrentChangeError       1   rows or columns changed while the migration ran
    │   ├── LockHeldError               1   another run holds the migration lease
    │   └── UnreadableFormulaError      1   a formula the tokenizer cannot read
    ├── TransientApiError               1   429 / 5xx / dropped connection, retries exhausted
    └── VerificationError               1   a check found lost or changed data
"""

from __future__ import annotations

SETUP_MISTAKE = 4  # pytest.ExitCode.USAGE_ERROR (no pytest import here)
FOUND_IN_THE_RUN = 1  # pytest.ExitCode.TESTS_FAILED


class SheetMigrateError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code = FOUND_IN_THE_RUN


class ConfigError(SheetMigrateError):
    """An option, ini key or environment variable is missing or wrong."""

    exit_code = SETUP_MISTAKE


class SchemaError(ConfigError):
    """The schema TOML file cannot be used."""


class CredentialsError(SheetMigrateError):
    """Credentials are missing, unreadable or rejected."""

    exit_code = SETUP_MISTAKE


class SheetAccessError(SheetMigrateError):
    """The API refused access (401, 403), or what the run names is not there (a spreadsheet,
    worksheet or backup copy) or cannot be reached."""

    exit_code = SETUP_MISTAKE


class StorageQuotaError(SheetAccessError):
    """Drive refused a file the account would own (403 storageQuotaExceeded): a service
    account has no Drive storage. The backup step may fall back when the user allowed it."""


class SheetStateError(SheetMigrateError):
    """The live sheet is in a state the migration cannot work on."""


class ConcurrentChangeError(SheetStateError):
    """The rows, or the columns a step writes, changed between the read and a mutating step."""


class LockHeldError(SheetStateError):
    """Another run holds the migration lease."""


class UnreadableFormulaError(SheetStateError):
    """A formula the tokenizer cannot read (unbalanced, or not a formula)."""


class CheckpointError(SheetMigrateError):
    """The checkpoint cache cannot be used (unwritable, or from another migration)."""

    exit_code = SETUP_MISTAKE


class LocalWriteError(SheetMigrateError):
    """A local file (a report, the local snapshot) cannot be written: read-only, disk full."""

    exit_code = SETUP_MISTAKE


class TransientApiError(SheetMigrateError):
    """A transient API failure outlasted the retries."""


class VerificationError(SheetMigrateError):
    """A verification check failed."""
