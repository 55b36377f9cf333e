"""Settings: what a run targets and how, from command-line options, environment and ini keys.

Precedence: command line, then environment variable, then ini key (``sheetmigrate_*``), then the
default. Every path (schema, credentials, checkpoint and report directories) follows one rule:
``~`` is the home directory, a relative path is relative to the rootdir. The pytest layer
supplies a lookup function; a script can build ``Settings`` directly.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError

EMBEDDED = "embedded"
GOOGLE = "google"


class BackupKind(StrEnum):
    """Where step 1 puts the backup (docs/configuration.md, "Where the backup goes")."""

    DRIVE = "drive"  # a Drive copy: in the account's My Drive, or in --backup-folder
    TAB = "tab"  # a hidden, protected tab of the same spreadsheet
    LOCAL = "local"  # the local snapshot alone


class Mode(StrEnum):
    MIGRATE = "migrate"
    DRY_RUN = "dry run"
    VALIDATE = "validate"
    ROLLBACK = "rollback"

    @property
    def writes(self) -> bool:
        return self in (Mode.MIGRATE, Mode.ROLLBACK)


@dataclass(frozen=True)
class Option:
    """One setting: its command-line flag, ini key, environment variable and help text."""

    name: str
    help: str
    env: str | None = None
    default: str | None = None
    metavar: str = "VALUE"  # what the value is, for --help

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "sheetmigrate_" + self.name


OPTIONS = (
    Option("sheet", "spreadsheet key or URL", env="SHEETMIGRATE_SHEET", metavar="KEY_OR_URL"),
    Option(
        "schema", "path of the target schema TOML file", env="SHEETMIGRATE_SCHEMA", metavar="PATH"
    ),
    Option(
        "sheets_api",
        "'google' (default), 'embedded' (the bundled local server, state in .sheetmigrate/) "
        "or the base URL of a Sheets-compatible server such as http://127.0.0.1:8123",
        env="SHEETMIGRATE_API",
        default=GOOGLE,
        metavar="API",
    ),
    Option(
        "credentials",
        "service-account JSON file (default: GOOGLE_APPLICATION_CREDENTIALS, then "
        "application default credentials)",
        env="SHEETMIGRATE_CREDENTIALS",
        metavar="JSON_FILE",
    ),
    Option(
        "checkpoint_dir", "checkpoint cache directory", default="logs/checkpoints", metavar="DIR"
    ),
    Option("report_dir", "report directory", default="logs/migration", metavar="DIR"),
    Option(
        "backup",
        "key of a backup copy made earlier by hand (checked, not remade)",
        metavar="KEY_OR_URL",
    ),
    Option(
        "backup_kind",
        "where step 1 puts the backup: 'drive' (default: a Drive copy, which needs a user's "
        "credentials or --backup-folder), 'tab' (a hidden, protected copy of the worksheet in "
        "the same spreadsheet) or 'local' (the local snapshot alone)",
        default=BackupKind.DRIVE.value,
        metavar="drive|tab|local",
    ),
    Option(
        "backup_folder",
        "id of a shared-drive folder to make the Drive copy in (what a service account can "
        "write: it owns no Drive file of its own)",
        metavar="FOLDER_ID",
    ),
    Option(
        "backup_fallback",
        "'tab' or 'local': the backup kind to use when Google refuses the Drive copy for "
        "storage quota (default: none, the run stops and says so)",
        metavar="tab|local",
    ),
    Option(
        "accept_formula_changes",
        "'all': migrate although formulas, rules or named ranges would change meaning (the "
        "plan lists them; the acceptance is recorded in the report)",
        metavar="all",
    ),
    Option(
        "retry_base_seconds",
        "first backoff of a retried request, in seconds; it doubles with each attempt, with "
        "full jitter, up to 30 s (tests use a tiny value)",
        env="SHEETMIGRATE_RETRY_BASE_SECONDS",
        default="0.5",
        metavar="SECONDS",
    ),
    Option(
        "reads_per_minute",
        "Sheets read requests sent a minute at most (default 60, Google's per-user quota; "
        "'off' or 0: not paced)",
        default="60",
        metavar="N",
    ),
    Option(
        "writes_per_minute",
        "Sheets write requests sent a minute at most (default 60, Google's per-user quota; "
        "'off' or 0: not paced)",
        default="60",
        metavar="N",
    ),
)

FLAGS = {
    "migrate": "migrate the sheet for real: backup, columns, verify, init, then the suite",
    "dry_run": "with --migrate: read, plan and verify in memory; send no write at all",
    "rollback": "restore the worksheet from the migration's backup and remove its stamps",
    "force_rollback": "with --rollback: restore the backup even though the rows changed since "
    "the migration",
    "break_lock": "remove another run's migration lease first (only when that run is dead)",
}
"""The mode flags (``--migrate``, ``--dry-run`` ...) and their help texts: ``run.Flags``' fields."""

Lookup = Callable[[Option], str | None]


@dataclass(frozen=True)
class Settings:
    sheet: str
    schema_path: Path
    sheets_api: str
    credentials: Path | None
    checkpoint_dir: Path
    report_dir: Path
    backup: str | None
    mode: Mode
    rootdir: Path
    break_lock: bool = False
    retry_base_seconds: float = 0.5
    reads_per_minute: int = 60
    """Pace of Sheets read requests (pacing.py); 0: not paced."""
    writes_per_minute: int = 60
    backup_kind: BackupKind = BackupKind.DRIVE
    backup_folder: str | None = None
    """The shared-drive folder the Drive copy is made in (None: the account's My Drive)."""
    backup_fallback: BackupKind | None = None
    """The kind used when the Drive copy is refused for storage quota (None: refused)."""
    accept_formula_changes: bool = False
    """Go ahead although the columns step changes what formulas or objects mean."""
    sheet_given_by: str = "--sheet"
    """Where the spreadsheet was named (``--sheet``, ``SHEETMIGRATE_SHEET`` or the ini key), for
    messages that ask to check it."""

    @property
    def spreadsheet_key(self) -> str:
        """The key, also when a full spreadsheet URL was given."""
        return key_of_sheet(self.sheet, "--sheet")

    @property
    def base_url(self) -> str | None:
        """Base URL of a local Sheets-compatible server, None for Google itself.

        For ``embedded`` the caller starts the server and passes its URL instead.
        """
        return None if self.sheets_api in (GOOGLE, EMBEDDED) else self.sheets_api.rstrip("/")

    @property
    def embedded_data_dir(self) -> Path:
        return self.rootdir / ".sheetmigrate" / "embedded"

    @property
    def target(self) -> str:
        """Where the run points, for the report header: never a secret."""
        where = {GOOGLE: "Google Sheets API", EMBEDDED: "embedded local server"}
        shown = where.get(self.sheets_api) or without_userinfo(self.sheets_api)
        return f"{self.spreadsheet_key} on {shown}"

    @property
    def backup_shown(self) -> str:
        """The backup this run makes, for the report header."""
        if self.backup:
            return f"the copy {self.backup} given"
        shown = {
            BackupKind.DRIVE: "Drive copy",
            BackupKind.TAB: "hidden protected tab",
            BackupKind.LOCAL: "local snapshot only",
        }[self.backup_kind]
        if self.backup_folder:
            shown += f" in shared-drive folder {self.backup_folder}"
        if self.backup_fallback:
            shown += f" (storage quota: fall back to {self.backup_fallback.value})"
        return shown


def without_userinfo(url: str) -> str:
    """``url`` without the ``user:password@`` a server's URL may carry (RFC 3986 userinfo)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def resolve(
    lookup: Lookup,
    mode: Mode,
    rootdir: Path,
    *,
    ini: Lookup = lambda option: None,
    break_lock: bool = False,
) -> Settings:
    """Build ``Settings``, checking each value: ``lookup`` gives the command line's, then the
    environment variable counts, then ``ini`` (the ini key's), then the default."""

    def given(name: str) -> tuple[str | None, str]:
        """The value of setting ``name`` and where it was given."""
        option = next(o for o in OPTIONS if o.name == name)
        for found, where in (
            (lookup(option), option.flag),
            (os.environ.get(option.env) if option.env else None, str(option.env)),
            (ini(option), f"the ini key {option.ini}"),
        ):
            if found not in (None, ""):
                return found, where
        return option.default, "the default"

    def value(name: str) -> str | None:
        return given(name)[0]

    sheet = value("sheet")
    if not sheet:
        raise ConfigError(
            "no spreadsheet given: pass --sheet KEY_OR_URL, set SHEETMIGRATE_SHEET, "
            "or add sheetmigrate_sheet = ... to the [tool.pytest.ini_options] of pyproject.toml"
        )
    schema = value("schema")
    if not schema:
        raise ConfigError(
            "no schema given: pass --schema PATH (for example tests/v3.0/schema.toml) "
            "or add sheetmigrate_schema = ... to your pytest configuration"
        )
    api = value("sheets_api") or GOOGLE
    if api not in (GOOGLE, EMBEDDED) and not api.startswith(("http://", "https://")):
        raise ConfigError(
            f"--sheets-api {api!r} is not understood: use 'google', 'embedded', "
            "or a base URL such as http://127.0.0.1:8123"
        )
    key_of_sheet(sheet, "--sheet")  # a URL that names no spreadsheet is refused here
    credentials = value("credentials") or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    backup = value("backup")
    retry_base_seconds = _positive_seconds(
        value("retry_base_seconds") or "", "--retry-base-seconds"
    )

    accepted, accepted_where = given("accept_formula_changes")
    if accepted not in (None, "", "all"):
        raise ConfigError(
            f"{accepted_where} = {accepted!r} is not understood: the only value is 'all' "
            "(--accept-formula-changes all, or sheetmigrate_accept_formula_changes = all), which "
            "migrates although the formulas the plan lists change meaning"
        )

    kind, folder, fallback = _backup_choice(given, backup)

    def path(name: str) -> Path:
        return resolve_path(value(name) or "", rootdir)

    return Settings(
        sheet=sheet.strip(),
        schema_path=path("schema"),
        sheets_api=api,
        credentials=resolve_path(credentials, rootdir) if credentials else None,
        checkpoint_dir=path("checkpoint_dir"),
        report_dir=path("report_dir"),
        backup=key_of_sheet(backup, "--backup") if backup else None,
        mode=mode,
        rootdir=rootdir,
        break_lock=break_lock,
        retry_base_seconds=retry_base_seconds,
        reads_per_minute=_per_minute(*given("reads_per_minute")),
        writes_per_minute=_per_minute(*given("writes_per_minute")),
        backup_kind=kind,
        backup_folder=folder,
        backup_fallback=fallback,
        accept_formula_changes=accepted == "all",
        sheet_given_by=given("sheet")[1],
    )


def _backup_choice(
    given: Callable[[str], tuple[str | None, str]], backup: str | None
) -> tuple[BackupKind, str | None, BackupKind | None]:
    """The backup kind, the shared-drive folder and the fallback, checked together."""
    raw, where = given("backup_kind")
    names = ", ".join(f"'{kind.value}'" for kind in BackupKind)
    try:
        kind = BackupKind((raw or BackupKind.DRIVE.value).strip().lower())
    except ValueError:
        raise ConfigError(f"{where} = {raw!r} is not a backup kind: use one of {names}") from None
    folder, folder_where = given("backup_folder")
    if folder and kind is not BackupKind.DRIVE:
        raise ConfigError(
            f"{folder_where} names a Drive folder, but the backup kind is '{kind.value}' "
            f"({where}): a folder is only for the Drive copy; drop one of the two"
        )
    if backup and (kind is not BackupKind.DRIVE or folder):
        raise ConfigError(
            "--backup names a copy made by hand, which is checked, not made: drop it, or drop "
            "--backup-kind / --backup-folder"
        )
    raw_fallback, fallback_where = given("backup_fallback")
    fallback = None
    if raw_fallback:
        choice = raw_fallback.strip().lower()
        if choice not in (BackupKind.TAB, BackupKind.LOCAL):
            raise ConfigError(
                f"{fallback_where} = {raw_fallback!r} is not understood: the fallback of a "
                "Drive copy refused for storage quota is 'tab' or 'local'"
            )
        fallback = BackupKind(choice)
        if kind is not BackupKind.DRIVE:
            raise ConfigError(
                f"{fallback_where} is the fallback of a Drive copy, but the backup kind is "
                f"'{kind.value}' ({where}): drop it"
            )
    return kind, folder.strip() if folder else None, fallback


def resolve_path(raw: str, rootdir: Path) -> Path:
    """The one rule of every path setting, wherever it was given (option, environment variable
    or ini key): ``~`` is the home directory, and a relative path is relative to the rootdir."""
    path = Path(raw).expanduser()
    return path if path.is_absolute() else rootdir / path


def shown_path(path: Path, rootdir: Path) -> str:
    """``path`` as messages show it: relative to the rootdir when it is under it."""
    try:
        return str(path.relative_to(rootdir))
    except ValueError:
        return str(path)


def _positive_seconds(raw: str, flag: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 60:
        raise ConfigError(
            f"{flag} {raw!r} is not a number of seconds between 0 and 60: pass for example 0.5"
        )
    return seconds


def _per_minute(raw: str | None, where: str) -> int:
    """A pace: a whole number of requests a minute, 0 or 'off' for none."""
    text = (raw or "").strip().lower()
    if text == "off":
        return 0
    if not text.isdigit():
        raise ConfigError(
            f"{where} = {raw!r} is not a number of requests a minute: pass for example 60 "
            "(Google's per-user quota), a project's higher limit, or 'off'"
        )
    return int(text)


_URL_KEY = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
"""The key in a spreadsheet URL: ``.../spreadsheets/d/KEY/edit#gid=0``, also with ``/u/1/``
before ``d/`` (as the browser shows it to the second account signed in). A key is letters,
digits, ``-`` and ``_`` ("Google Sheets API overview": spreadsheetId)."""
_LEGACY_URL_KEY = re.compile(r"key=([^&#]+)")
"""The key of an old-style URL: ``.../ccc?key=KEY&usp=sharing``."""


def key_of_sheet(sheet: str, flag: str) -> str:
    """The key of a spreadsheet given as a key or as its URL.

    Read as gspread 6.2's ``utils.extract_id_from_url`` reads a URL (the ``/spreadsheets/d/``
    form first, then ``key=``), and also through ``/u/N/``, which gspread refuses.
    """
    if "/" not in sheet:
        return sheet.strip()
    found = _URL_KEY.search(sheet) or _LEGACY_URL_KEY.search(sheet)
    if found is None:
        raise ConfigError(
            f"{flag} {sheet} is not the URL of a spreadsheet: pass its key, or its URL "
            "as the browser shows it (https://docs.google.com/spreadsheets/d/KEY/edit)"
        )
    return found.group(1)


def check_writable_directory(directory: Path, flag: str) -> None:
    """Create ``directory`` if needed and prove a file can be written in it, before any write
    to the sheet depends on it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise ConfigError(
            f"cannot write to {directory} ({error.strerror}): make it a writable directory "
            f"or pass {flag} with another one"
        ) from None
