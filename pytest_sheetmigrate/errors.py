"""The one exception tree of pytest-sheetmigrate.

Every message says what is wrong and what to do about it. The pytest layer reports a
``SheetMigrateError`` by its message alone, never a traceback: at configure time as a usage error
(exit code 4), during the session as the failure of the step (or test) that met it (exit code 1),
the later steps skipped. Anything else is a bug and keeps its traceback.

    SheetMigrateError
    ├── ConfigError                 options, ini keys, environment variables
    │   └── SchemaError             the schema TOML file
    ├── CredentialsError            service-account file, application default credentials
    ├── SheetAccessError            the API refused us: 401, 403, 404
    ├── SheetStateError             the sheet is not what the migration can work on
    │   ├── ConcurrentChangeError   rows or columns changed while the migration ran
    │   └── LockHeldError           another run holds the migration lease
    ├── CheckpointError             the local checkpoint cache is unusable
    ├── TransientApiError           429 / 5xx / dropped connection, retries exhausted
    └── VerificationError           a check found lost or changed data
"""

from __future__ import annotations


class SheetMigrateError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(SheetMigrateError):
    """An option, ini key or environment variable is missing or wrong."""


class SchemaError(ConfigError):
    """The schema TOML file cannot be used."""


class CredentialsError(SheetMigrateError):
    """Credentials are missing, unreadable or rejected."""


class SheetAccessError(SheetMigrateError):
    """The Sheets or Drive API refused access to the spreadsheet."""


class SheetStateError(SheetMigrateError):
    """The live sheet is in a state the migration cannot work on."""


class ConcurrentChangeError(SheetStateError):
    """The rows, or the columns a step writes, changed between the read and a mutating step."""


class LockHeldError(SheetStateError):
    """Another run holds the migration lease."""


class CheckpointError(SheetMigrateError):
    """The checkpoint cache cannot be used (unwritable, or from another migration)."""


class TransientApiError(SheetMigrateError):
    """A transient API failure outlasted the retries."""


class VerificationError(SheetMigrateError):
    """A verification check failed."""
