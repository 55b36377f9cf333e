"""Settings resolved from the command line, the environment, the ini keys and the defaults; each
value checked, with a message that says the fix; paths taken relative to the rootdir."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_sheetmigrate.errors import SETUP_MISTAKE, ConfigError
from pytest_sheetmigrate.settings import (
    OPTIONS,
    BackupKind,
    Mode,
    Option,
    Settings,
    check_writable_directory,
    key_of_sheet,
    resolve,
)

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
ROOT = Path("/srv/project")
REQUIRED = {"sheet": KEY, "schema": "tests/v3.0/schema.toml"}


@pytest.fixture(autouse=True)
def no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in OPTIONS:
        if option.env:
            monkeypatch.delenv(option.env, raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)


def given(values: dict[str, str | None]):
    """A lookup (command line or ini keys) answering ``values`` by option name."""

    def lookup(option: Option) -> str | None:
        return values.get(option.name)

    return lookup


def resolved(command_line: dict[str, str | None], ini: dict[str, str | None] | None = None):
    return resolve(given(command_line), Mode.MIGRATE, ROOT, ini=given(ini or {}))


def refusal(command_line: dict[str, str | None]) -> str:
    with pytest.raises(ConfigError) as refused:
        resolved(command_line)
    assert refused.value.exit_code == SETUP_MISTAKE, "a setup mistake: pytest's usage error"
    return str(refused.value)


# -- precedence ----------------------------------------------------------------------------------


def test_the_command_line_beats_the_environment_which_beats_the_ini_key(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SHEETMIGRATE_SHEET", "from-the-environment")
    ini = {"sheet": "from-the-ini", "schema": "schema.toml"}

    command_line = resolved({"sheet": "from-the-command-line"}, ini)
    environment = resolved({}, ini)
    monkeypatch.delenv("SHEETMIGRATE_SHEET")
    ini_key = resolved({}, ini)

    assert (command_line.sheet, command_line.sheet_given_by) == ("from-the-command-line", "--sheet")
    assert (environment.sheet, environment.sheet_given_by) == (
        "from-the-environment",
        "SHEETMIGRATE_SHEET",
    )
    assert (ini_key.sheet, ini_key.sheet_given_by) == (
        "from-the-ini",
        "the ini key sheetmigrate_sheet",
    )


def test_an_empty_value_counts_as_not_given_so_the_next_source_decides(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SHEETMIGRATE_API", "http://127.0.0.1:8123")

    settings = resolved({**REQUIRED, "sheets_api": ""})

    assert settings.sheets_api == "http://127.0.0.1:8123"


def test_the_defaults_apply_when_nothing_names_a_setting():
    settings = resolved(REQUIRED)

    assert settings.sheets_api == "google"
    assert settings.checkpoint_dir == ROOT / "logs" / "checkpoints"
    assert settings.report_dir == ROOT / "logs" / "migration"
    assert settings.retry_base_seconds == 0.5
    assert (settings.credentials, settings.backup, settings.break_lock) == (None, None, False)
    assert settings.mode is Mode.MIGRATE


def test_an_option_without_an_environment_variable_is_read_from_the_ini_key(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SHEETMIGRATE_CHECKPOINT_DIR", "/not/read")  # no such variable exists

    settings = resolved(REQUIRED, {"checkpoint_dir": "cache/steps"})

    assert settings.checkpoint_dir == ROOT / "cache" / "steps"


def test_the_retry_backoff_comes_from_its_environment_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SHEETMIGRATE_RETRY_BASE_SECONDS", "0.01")

    assert resolved(REQUIRED).retry_base_seconds == 0.01
    assert resolved({**REQUIRED, "retry_base_seconds": "2"}).retry_base_seconds == 2.0


def test_each_option_has_its_flag_and_ini_key():
    flags = {option.name: (option.flag, option.ini) for option in OPTIONS}

    assert flags["sheets_api"] == ("--sheets-api", "sheetmigrate_sheets_api")
    assert flags["retry_base_seconds"] == (
        "--retry-base-seconds",
        "sheetmigrate_retry_base_seconds",
    )


# -- each bad value, and what its message says to do --------------------------------------------


def test_no_spreadsheet_is_refused_naming_the_three_ways_to_give_one():
    message = refusal({"schema": "schema.toml"})

    assert message.startswith(
        "no spreadsheet given: pass --sheet KEY_OR_URL, set SHEETMIGRATE_SHEET"
    )
    assert "sheetmigrate_sheet = ..." in message


def test_no_schema_is_refused_with_an_example_path():
    message = refusal({"sheet": KEY})

    assert message.startswith("no schema given: pass --schema PATH (for example tests/v3.0/")


@pytest.mark.parametrize("api", ["googel", "ftp://127.0.0.1:8123", "127.0.0.1:8123"])
def test_a_sheets_api_that_is_neither_google_embedded_nor_a_url_is_refused(api: str):
    message = refusal({**REQUIRED, "sheets_api": api})

    assert message == (
        f"--sheets-api {api!r} is not understood: use 'google', 'embedded', "
        "or a base URL such as http://127.0.0.1:8123"
    )


def test_a_url_that_names_no_spreadsheet_is_refused_with_the_url_to_give():
    message = refusal({**REQUIRED, "sheet": "https://docs.google.com/document/d/"})

    assert message.startswith("--sheet https://docs.google.com/document/d/ is not the URL of a")
    assert "(https://docs.google.com/spreadsheets/d/KEY/edit)" in message


def test_a_backup_url_that_names_no_spreadsheet_is_refused_naming_backup():
    message = refusal({**REQUIRED, "backup": "https://example.com/no/key"})

    assert message.startswith("--backup https://example.com/no/key is not the URL of a spreadsheet")


@pytest.mark.parametrize("seconds", ["0", "-1", "61", "half a second", "nan"])
def test_a_retry_backoff_outside_zero_to_sixty_seconds_is_refused(seconds: str):
    message = refusal({**REQUIRED, "retry_base_seconds": seconds})

    assert message == (
        f"--retry-base-seconds {seconds!r} is not a number of seconds between 0 and 60: "
        "pass for example 0.5"
    )


# -- paths, keys and where the run points -------------------------------------------------------


def test_every_path_is_relative_to_the_rootdir_wherever_it_was_given(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SHEETMIGRATE_CREDENTIALS", "secrets/sa.json")

    settings = resolved(
        {**REQUIRED, "report_dir": "out/reports"}, {"checkpoint_dir": "/var/cache/steps"}
    )

    assert settings.schema_path == ROOT / "tests" / "v3.0" / "schema.toml"
    assert settings.credentials == ROOT / "secrets" / "sa.json"
    assert settings.report_dir == ROOT / "out" / "reports"
    assert settings.checkpoint_dir == Path("/var/cache/steps"), "an absolute path stays"


def test_a_tilde_is_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("HOME", str(tmp_path))

    settings = resolved({**REQUIRED, "schema": "~/schemas/3.0.toml"})

    assert settings.schema_path == tmp_path / "schemas" / "3.0.toml"


def test_google_application_credentials_counts_after_the_credentials_setting(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "adc.json")

    assert resolved(REQUIRED).credentials == ROOT / "adc.json"
    assert resolved({**REQUIRED, "credentials": "sa.json"}).credentials == ROOT / "sa.json"


def test_a_spreadsheet_url_gives_its_key_and_a_key_is_kept_without_its_spaces():
    settings = resolved({**REQUIRED, "sheet": URL, "backup": URL})

    assert settings.spreadsheet_key == KEY
    assert settings.backup == KEY, "the backup is kept as its key"
    assert key_of_sheet(f"  {KEY} ", "--sheet") == KEY
    assert resolved({**REQUIRED, "sheet": f" {KEY} "}).sheet == KEY


def test_key_of_sheet_names_the_setting_it_refuses():
    with pytest.raises(ConfigError, match=r"^--backup https://x/y is not the URL"):
        key_of_sheet("https://x/y", "--backup")


def test_base_url_is_the_local_server_s_without_its_trailing_slash():
    local = resolved({**REQUIRED, "sheets_api": "http://127.0.0.1:8123/"})

    assert local.base_url == "http://127.0.0.1:8123"
    assert resolved(REQUIRED).base_url is None, "Google"
    assert resolved({**REQUIRED, "sheets_api": "embedded"}).base_url is None


def test_the_embedded_server_keeps_its_state_under_the_rootdir():
    assert resolved(REQUIRED).embedded_data_dir == ROOT / ".sheetmigrate" / "embedded"


@pytest.mark.parametrize(
    ("api", "where"),
    [
        ("google", "Google Sheets API"),
        ("embedded", "embedded local server"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_the_target_names_the_key_and_the_api_and_never_the_credentials(
    monkeypatch: pytest.MonkeyPatch, api: str, where: str
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "keys/private-sa.json")

    settings = resolved({**REQUIRED, "sheet": URL, "sheets_api": api})

    assert settings.target == f"{KEY} on {where}"
    assert "private-sa" not in settings.target and "docs.google.com" not in settings.target


def test_only_migrate_and_rollback_write():
    assert [mode for mode in Mode if mode.writes] == [Mode.MIGRATE, Mode.ROLLBACK]


def test_break_lock_and_the_mode_are_the_caller_s():
    settings = resolve(given(REQUIRED), Mode.ROLLBACK, ROOT, break_lock=True)

    assert (settings.mode, settings.break_lock) == (Mode.ROLLBACK, True)
    assert isinstance(settings, Settings)


# -- directories the run writes to --------------------------------------------------------------


def test_a_writable_directory_is_created_with_its_parents_and_left_empty(tmp_path: Path):
    directory = tmp_path / "logs" / "checkpoints"

    check_writable_directory(directory, "--checkpoint-dir")

    assert directory.is_dir()
    assert list(directory.iterdir()) == [], "the probe file is gone"


def test_a_directory_that_cannot_be_made_is_refused_naming_its_option(tmp_path: Path):
    (tmp_path / "logs").write_text("a file where the directory should be")

    with pytest.raises(ConfigError) as refused:
        check_writable_directory(tmp_path / "logs" / "migration", "--report-dir")

    assert str(refused.value).startswith(f"cannot write to {tmp_path / 'logs' / 'migration'} (")
    assert str(refused.value).endswith(
        "make it a writable directory or pass --report-dir with another one"
    )


# -- where the backup goes --------------------------------------------------------------------


def test_the_backup_is_a_drive_copy_unless_another_kind_is_chosen():
    default = resolved(REQUIRED)
    tab = resolved({**REQUIRED, "backup_kind": "TAB"})
    local = resolved(REQUIRED, ini={"backup_kind": "local", "backup_fallback": None})
    folder = resolved({**REQUIRED, "backup_folder": " 0ABackups ", "backup_fallback": "tab"})

    assert (default.backup_kind, default.backup_folder, default.backup_fallback) == (
        BackupKind.DRIVE,
        None,
        None,
    )
    assert tab.backup_kind is BackupKind.TAB and local.backup_kind is BackupKind.LOCAL
    assert folder.backup_folder == "0ABackups" and folder.backup_fallback is BackupKind.TAB


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"backup_kind": "cloud"}, "--backup-kind = 'cloud' is not a backup kind"),
        ({"backup_kind": "tab", "backup_folder": "0A"}, "a folder is only for the Drive copy"),
        ({"backup_kind": "local", "backup": "1Copy"}, "--backup names a copy made by hand"),
        ({"backup_fallback": "drive"}, "the fallback of a Drive copy refused for storage quota"),
        ({"backup_kind": "tab", "backup_fallback": "local"}, "but the backup kind is 'tab'"),
    ],
)
def test_backup_choices_that_do_not_go_together_are_refused(changes: dict[str, str], said: str):
    assert said in refusal({**REQUIRED, **changes})
