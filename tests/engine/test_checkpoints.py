"""The checkpoint cache: one sealed file per step, private, bound to one spreadsheet and schema.

What checkpoints.py does with a file it did not write as it is: a corrupted one (not JSON, or not
a checkpoint's fields) and one edited since (its seal no longer matches) are ignored with a
warning, the sheet's stamps deciding what is done; one of another spreadsheet or schema is
refused with CheckpointError (exit 4), since resuming from it would mix two migrations.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import stat
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from live_sheet import DEMO_ROWS, LiveSheet
from live_sheet import SCHEMA as SCHEMA_FILE

from pytest_sheetmigrate.checkpoints import STEPS, Checkpoint, CheckpointStore, step_file_name
from pytest_sheetmigrate.errors import SETUP_MISTAKE, CheckpointError
from pytest_sheetmigrate.results import StepStatus
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.settings import Mode

KEY = "spreadsheet-key"
SCHEMA = "3.0:Operaciones"
IGNORED = "ignored: the spreadsheet's own stamps decide what is done"
OpenRun = Callable[..., AbstractContextManager[Run]]


def checkpoint(step: str = "verify", **details: object) -> Checkpoint:
    return Checkpoint(
        step=step,
        spreadsheet=KEY,
        schema=SCHEMA,
        started="2026-01-01T10:00:00Z",
        finished="2026-01-01T10:00:05Z",
        detected="ran",
        details={"passed": True, **details},
    )


def store(directory: Path, spreadsheet: str = KEY, schema: str = SCHEMA) -> CheckpointStore:
    return CheckpointStore(directory, spreadsheet, schema)


def migrate(run: Run) -> None:
    run.backup()
    run.columns()
    run.init(run.verify())


# -- the files -----------------------------------------------------------------------------------


def test_a_saved_checkpoint_loads_back_equal_with_its_seal(tmp_path: Path):
    saved = checkpoint(rows=40, messages={"row_count_preserved": "40 rows"})

    path = store(tmp_path).save(saved)
    loaded = store(tmp_path).load("verify")

    assert loaded == saved
    assert loaded is not None and loaded.seal == loaded.digest() != ""
    assert path == tmp_path / "step_3_verify.json"


def test_each_step_has_its_numbered_file_name():
    assert [step_file_name(step) for step in STEPS] == [
        "step_1_backup.json",
        "step_2_columns.json",
        "step_3_verify.json",
        "step_4_init.json",
        "step_5_test.json",
    ]


def test_a_checkpoint_file_is_private_and_no_temporary_file_stays_beside_it(tmp_path: Path):
    directory = tmp_path / "new" / "checkpoints"

    path = store(directory).save(checkpoint())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in directory.iterdir()] == ["step_3_verify.json"]


def test_saving_again_replaces_the_step_s_file(tmp_path: Path):
    store(tmp_path).save(checkpoint(rows=1))
    store(tmp_path).save(checkpoint(rows=2))

    loaded = store(tmp_path).load("verify")

    assert loaded is not None and loaded.details["rows"] == 2


def test_a_step_never_checkpointed_loads_as_none_without_a_warning(tmp_path: Path):
    checkpoints = store(tmp_path)

    assert checkpoints.load("init") is None
    assert checkpoints.warnings == []


def test_discard_removes_the_step_s_file_and_tolerates_a_missing_one(tmp_path: Path):
    checkpoints = store(tmp_path)
    checkpoints.save(checkpoint("init"))

    checkpoints.discard("init")
    checkpoints.discard("init")

    assert not checkpoints.path("init").exists()


# -- files the tool did not write as they are ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"step": "verify", "spreadsh', "JSONDecodeError"),  # truncated
        ("[1, 2, 3]", "TypeError"),  # JSON, not a checkpoint
        ('{"step": "verify", "colour": "blue"}', "TypeError"),  # unknown and missing fields
    ],
    ids=["truncated", "a list", "other fields"],
)
def test_a_corrupted_checkpoint_is_ignored_with_a_warning_naming_the_file(
    tmp_path: Path, content: str, error: str
):
    checkpoints = store(tmp_path)
    checkpoints.path("verify").write_text(content)

    assert checkpoints.load("verify") is None
    assert checkpoints.warnings == [
        f"{tmp_path / 'step_3_verify.json'} is corrupted ({error}); {IGNORED}"
    ]


def test_a_checkpoint_edited_by_hand_no_longer_matches_its_seal_and_is_ignored(tmp_path: Path):
    checkpoints = store(tmp_path)
    path = checkpoints.save(checkpoint(passed=False))
    edited = json.loads(path.read_text())
    edited["details"]["passed"] = True
    path.write_text(json.dumps(edited))

    assert checkpoints.load("verify") is None
    assert checkpoints.warnings == [
        f"{path} does not match its seal (edited since the tool wrote it, or written by an older "
        f"version); {IGNORED}"
    ]


@pytest.mark.parametrize(
    ("spreadsheet", "schema"),
    [("another-key", SCHEMA), (KEY, "4.0:Operaciones"), (KEY, "3.0:Another tab")],
    ids=["another spreadsheet", "another schema", "another worksheet"],
)
def test_a_checkpoint_of_another_migration_is_refused_with_the_way_out(
    tmp_path: Path, spreadsheet: str, schema: str
):
    store(tmp_path).save(checkpoint())

    with pytest.raises(CheckpointError) as refused:
        store(tmp_path, spreadsheet, schema).load("verify")

    assert refused.value.exit_code == SETUP_MISTAKE
    assert str(refused.value) == (
        f"{tmp_path / 'step_3_verify.json'} belongs to another migration (spreadsheet {KEY}, "
        f"schema {SCHEMA}), not to spreadsheet {spreadsheet} with schema {schema}. Use another "
        f"--checkpoint-dir, or delete {tmp_path} if that migration is finished."
    )


def test_a_checkpoint_that_cannot_be_written_says_the_sheet_s_stamps_keep_the_progress(
    tmp_path: Path,
):
    (tmp_path / "logs").write_text("a file where the directory should be")
    checkpoints = store(tmp_path / "logs" / "checkpoints")

    with pytest.raises(CheckpointError) as refused:
        checkpoints.save(checkpoint())

    assert str(refused.value).startswith(
        f"cannot write the checkpoint {tmp_path / 'logs' / 'checkpoints' / 'step_3_verify.json'} ("
    )
    assert "run the same command again and it resumes from them" in str(refused.value)


# -- the checkpoints a migration of the live sheet leaves ---------------------------------------


def test_a_migration_leaves_one_sealed_checkpoint_per_step_bound_to_its_sheet(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run(Mode.MIGRATE) as run:
        migrate(run)
        run.record.tests["test_the_migrated_sheet"] = "passed"  # the suite's outcome
        run.test()  # step 5

    directory = live_sheet.folder / "logs" / "checkpoints"
    assert sorted(p.name for p in directory.iterdir()) == [step_file_name(s) for s in STEPS]
    reread = store(directory, live_sheet.key, SCHEMA)
    loaded = {step: reread.load(step) for step in STEPS}
    assert reread.warnings == []
    assert {c.spreadsheet for c in loaded.values() if c} == {live_sheet.key}
    backup = loaded["backup"]
    assert backup is not None and backup.details["rows"] == DEMO_ROWS
    assert backup.details["snapshot"]["row_count"] == DEMO_ROWS
    assert backup.details["requests_used"]["total"] > 0
    verify = loaded["verify"]
    assert verify is not None and verify.details["passed"] is True
    assert {stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()} == {0o600}


def test_the_local_backup_of_step_1_is_private_and_sealed_by_its_sha256(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run(Mode.MIGRATE) as run:
        run.backup()

    loaded = store(live_sheet.folder / "logs" / "checkpoints", live_sheet.key).load("backup")
    assert loaded is not None
    local = Path(loaded.details["local_snapshot"])
    data = gzip.decompress(local.read_bytes())
    assert hashlib.sha256(data).hexdigest() == loaded.details["local_snapshot_sha256"]
    assert len(data.splitlines()) == DEMO_ROWS + 1, "the header and every data row"
    assert stat.S_IMODE(local.stat().st_mode) == 0o600


DAMAGE = {
    "truncated": (lambda text: text[: len(text) // 2], "JSONDecodeError"),
    "bytes overwritten": (lambda text: "\x00\ufffd" + text[3:], "JSONDecodeError"),
    "not a checkpoint": (lambda text: "[1, 2, 3]", "TypeError"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_checkpoint_is_warned_about_and_the_rerun_finds_every_step_done_on_the_sheet(
    live_sheet: LiveSheet, open_run: OpenRun, damage: str
):
    with open_run(Mode.MIGRATE) as run:
        migrate(run)
    path = live_sheet.folder / "logs" / "checkpoints" / "step_1_backup.json"
    damaged, error = DAMAGE[damage]
    path.write_text(damaged(path.read_text()))
    writes, values = live_sheet.stats()["mutating_requests"], live_sheet.values()

    with open_run(Mode.MIGRATE) as rerun:
        backup = rerun.backup()
        columns = rerun.columns()
        verification = rerun.verify()
        init = rerun.init(verification)
        warnings = list(rerun.context.checkpoints.warnings)

    assert [backup.status, columns.status, verification.status, init.status] == [
        StepStatus.DONE
    ] * 4
    assert warnings == [f"{path} is corrupted ({error}); {IGNORED}"]
    assert live_sheet.stats()["mutating_requests"] == writes, "nothing written"
    assert live_sheet.values() == values
    assert json.loads(path.read_text())["step"] == "backup", "saved again from the sheet"


def test_a_checkpoint_of_another_spreadsheet_stops_the_backup_before_any_write(
    live_sheet: LiveSheet, open_run: OpenRun
):
    directory = live_sheet.folder / "logs" / "checkpoints"
    store(directory).save(checkpoint("backup"))  # of spreadsheet KEY, not of the live sheet
    before = live_sheet.values()

    with open_run(Mode.MIGRATE) as run, pytest.raises(CheckpointError) as refused:
        run.backup()

    assert f"belongs to another migration (spreadsheet {KEY}, schema {SCHEMA}), not to " + (
        f"spreadsheet {live_sheet.key} with schema {SCHEMA}"
    ) in str(refused.value)
    assert live_sheet.stats()["mutating_requests"] == 0
    assert live_sheet.values() == before


def test_a_checkpoint_of_another_schema_stops_the_backup_before_any_write(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run(Mode.MIGRATE) as run:
        migrate(run)
    newer = SCHEMA_FILE.read_text(encoding="utf-8").replace('name = "3.0"', 'name = "3.1"')
    schema = live_sheet.folder / "v3.1.toml"
    schema.write_text(newer + '\n[[columns]]\nname = "Turno"\ntype = "string"\n')
    writes, before = live_sheet.stats()["mutating_requests"], live_sheet.values()

    with (
        open_run(Mode.MIGRATE, schema_path=schema) as newer_migration,
        pytest.raises(CheckpointError) as refused,
    ):
        newer_migration.backup()

    assert "belongs to another migration (spreadsheet " in str(refused.value)
    assert "schema 3.0:Operaciones), not to spreadsheet " in str(refused.value)
    assert str(refused.value).endswith(
        "with schema 3.1:Operaciones. Use another "
        + (
            f"--checkpoint-dir, or delete {live_sheet.folder / 'logs' / 'checkpoints'} if that "
            "migration is finished."
        )
    )
    assert live_sheet.stats()["mutating_requests"] == writes
    assert live_sheet.values() == before


# -- no secret in what the run leaves on disk ----------------------------------------------------

ACCESS_TOKEN = "ya29.a0AfH6SMC-engine-test-access-token-0123456789"
REFRESH_TOKEN = "1//0g-engine-test-refresh-token-abcdefghijklmnop"
CLIENT_SECRET = "GOCSPX-engine-test-client-secret-0123456789"


def test_no_token_or_client_secret_is_written_to_the_checkpoints_or_the_local_backup(
    live_sheet: LiveSheet, open_run: OpenRun
):
    """A user's OAuth credentials file (gspread's authorized_user.json) with a live access
    token: the local server accepts any bearer token, so the run uses this one for real."""
    expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    credentials = live_sheet.folder / "authorized_user.json"
    credentials.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "1234-engine.apps.googleusercontent.com",
                "client_secret": CLIENT_SECRET,
                "refresh_token": REFRESH_TOKEN,
                "token": ACCESS_TOKEN,
                "expiry": expiry,
            }
        )
    )

    with open_run(Mode.MIGRATE, credentials=credentials) as run:
        migrate(run)

    written = [p for p in (live_sheet.folder / "logs").rglob("*") if p.is_file()]
    assert len(written) >= 5, "four checkpoints and the local backup"
    contents = {
        p.name: gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        for p in written
    }
    leaks = [
        (name, secret)
        for name, data in contents.items()
        for secret in (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET)
        if secret.encode() in data
    ]
    assert leaks == []
