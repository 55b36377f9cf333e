"""The engine's stateful flow through its one layer, ``run.Run``, on the live local server,
without pytest's plugin.

``open`` → ``backup`` → ``columns`` → ``verify`` → ``init`` → ``close``, and ``rollback`` (with
``force_rollback``): what each step leaves on the sheet (columns, values, stamps,
the lease), what a rerun finds done, what a dry run would send, and what is refused with the sheet
unchanged (another run's lease, rows changed under the run, a rollback that would lose data).
The engine-level counterparts of tests/plugin's test_migrate, test_rerun, test_done_by_hand,
test_lease and test_rollback, which check the same through pytester runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from live_sheet import DEMO_ROWS, SCHEMA, LiveSheet, open_run_on

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.errors import (
    ConcurrentChangeError,
    LockHeldError,
    SheetStateError,
    TransientApiError,
    VerificationError,
)
from pytest_sheetmigrate.results import StepName, StepResult, StepStatus, Verification
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode
from pytest_sheetmigrate.stamp import Stamps, create_metadata_request, delete_metadata_request

OpenRun = Callable[..., AbstractContextManager[Run]]
V3 = load_schema(SCHEMA)
KEY = demo.header().index("TAG_SPOOL")
LEASE_KEY = "sheetmigrate.lease"
NEW_KEY = "SP-NEW"


def migrate(run: Run) -> tuple[StepResult, StepResult, Verification, StepResult]:
    """The four steps, in order, as a migration run calls them."""
    backup = run.backup()
    columns = run.columns()
    verification = run.verify()
    return backup, columns, verification, run.init(verification)


def writes(sheet: LiveSheet) -> int:
    return sheet.stats()["mutating_requests"]


def by_header(sheet: LiveSheet) -> dict[str, list[Any]]:
    """Each named column of the worksheet: its data rows, as stored (unformatted)."""
    rows = sheet.values("UNFORMATTED_VALUE")
    header, data = rows[0], [row for row in rows[1:] if any(cell != "" for cell in row)]
    return {name: [row[i] if i < len(row) else "" for row in data] for i, name in enumerate(header)}


def demo_keys() -> list[str]:
    return [row[KEY] for row in demo.rows(DEMO_ROWS)]


def assert_migrated(sheet: LiveSheet, keys: list[Any]) -> None:
    """At schema 3.0 (header, stamp), version 0 on every row, holding exactly ``keys``."""
    now = by_header(sheet)
    assert list(now) == V3.header
    assert now["TAG_SPOOL"] == keys
    assert now["version"] == [0] * len(keys)
    assert Stamps.parse(sheet.metadata(), 0).schema_version == "3.0"


def stamps_and_values(sheet: LiveSheet) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """The worksheet's cells (formulas as text) and every stamp's key and value."""
    stamps = sorted((m["metadataKey"], m.get("metadataValue", "")) for m in sheet.metadata())
    return sheet.values("FORMULA"), stamps


def append_row(sheet: LiveSheet, key: str = NEW_KEY) -> None:
    """What the application does while a migration runs: a new row, a copy of row 3."""
    worksheet = sheet.spreadsheet().worksheet(demo.WORKSHEET)
    row = worksheet.get("3:3", value_render_option="UNFORMATTED_VALUE")[0]
    row[worksheet.row_values(1).index("TAG_SPOOL")] = key
    worksheet.append_row(row, value_input_option="RAW")


def set_cell(sheet: LiveSheet, column: str, row: int, value: Any) -> None:
    """Write ``value`` by hand into the column headed ``column`` (found where it is now)."""
    worksheet = sheet.spreadsheet().worksheet(demo.WORKSHEET)
    worksheet.update_cell(row, worksheet.row_values(1).index(column) + 1, value)


def with_repeated_key() -> list[list[Any]]:
    """The demo values with data row 7 repeating row 6's key (a check fails on it)."""
    values = [demo.header(), *demo.rows(DEMO_ROWS)]
    values[7][KEY] = values[6][KEY]
    return values


def v3_values(version: object) -> list[list[Any]]:
    """The demo rows laid out as schema 3.0, as if someone had added the columns by hand."""
    rows = []
    for old in demo.rows(DEMO_ROWS):
        by_name = dict(zip(demo.header(), old, strict=True))
        rows.append([by_name.get(name, version if name == "version" else "") for name in V3.header])
    return [V3.header, *rows]


def reseeded(live_sheet: LiveSheet, values: list[list[Any]]) -> LiveSheet:
    """Another spreadsheet on the same server, holding ``values``, with this test's folder."""
    return LiveSheet.seeded(live_sheet.url, live_sheet.folder, values=values)


def opened(
    sheet: LiveSheet, mode: Mode = Mode.MIGRATE, **settings: Any
) -> AbstractContextManager[Run]:
    """The engine on another spreadsheet than the fixture's ``live_sheet``."""
    return open_run_on(sheet, mode, **settings)


# -- the flow ------------------------------------------------------------------------------------


def test_the_four_steps_add_the_columns_set_version_zero_on_every_row_and_stamp_each_step(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as run:
        backup, columns, verification, init = migrate(run)

    assert [backup.status, columns.status, verification.status, init.status] == [StepStatus.RAN] * 4
    assert verification.passed and len(verification.results) == 7
    assert (columns.summary, init.summary) == (
        "added Ocupado_Por at F, Fecha_Ocupacion at G, version at BP",
        f"wrote version on {DEMO_ROWS} rows",
    )
    values = live_sheet.values()
    assert values[0] == V3.header
    assert len(values) == DEMO_ROWS + 1, "the trailing empty rows stay empty"
    assert_migrated(live_sheet, demo_keys())
    stamps = Stamps.parse(live_sheet.metadata(), 0)
    assert all(stamps.step("3.0", step) for step in ("backup", "columns", "init"))
    assert stamps.step("3.0", "backup")["backup"] == backup.details["backup"]


def test_every_existing_cell_stays_under_its_column(live_sheet: LiveSheet, open_run: OpenRun):
    with open_run() as run:
        migrate(run)

    after = by_header(live_sheet)
    for name, column in zip(demo.header(), zip(*demo.rows(DEMO_ROWS), strict=True), strict=True):
        assert after[name] == list(column), name


def test_a_rerun_finds_every_step_done_and_sends_no_write(live_sheet: LiveSheet, open_run: OpenRun):
    with open_run() as run:
        migrate(run)
    migrated, written = live_sheet.values(), writes(live_sheet)

    with open_run() as rerun:
        results = migrate(rerun)

    assert [result.status for result in results] == [StepStatus.DONE] * 4
    assert results[2].passed
    assert writes(live_sheet) == written
    assert live_sheet.values() == migrated


def test_a_dry_run_sends_no_write_and_its_results_carry_the_request_bodies(
    live_sheet: LiveSheet, open_run: OpenRun
):
    before = stamps_and_values(live_sheet)

    with open_run(Mode.DRY_RUN) as dry:
        backup, columns, verification, init = migrate(dry)
        planned = dry.result_snapshot()
        lease = dry.writer.lease

    assert writes(live_sheet) == 0
    assert stamps_and_values(live_sheet) == before
    assert not (live_sheet.folder / "logs" / "checkpoints").exists(), "a dry run saves none"
    assert lease is None, "a dry run takes no lease"
    assert (backup.status, columns.status, init.status) == (StepStatus.PLANNED,) * 3
    assert verification.status is StepStatus.PLANNED and verification.passed
    assert columns.summary == "would add Ocupado_Por at F, Fecha_Ocupacion at G, version at BP"
    kinds = [next(iter(request)) for request in columns.requests]
    assert kinds.count("insertDimension") >= 1 and "createDeveloperMetadata" in kinds
    (write,) = [r["repeatCell"] for r in init.requests if "repeatCell" in r]
    assert write["range"]["startColumnIndex"] == V3.header.index("version")
    assert (write["range"]["startRowIndex"], write["range"]["endRowIndex"]) == (1, DEMO_ROWS + 1)
    assert write["cell"] == {"userEnteredValue": {"numberValue": 0}}
    stamped = [
        r["createDeveloperMetadata"]["developerMetadata"]["metadataKey"]
        for r in init.requests
        if "createDeveloperMetadata" in r
    ]
    assert stamped == [
        "sheetmigrate.step.3.0.init",
        "sheetmigrate.schema_version",
        "sheetmigrate.history.3.0",
    ]
    assert list(planned.header) == V3.header and planned.row_count == DEMO_ROWS


def without_stamps(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The requests but the step stamps (their time and run id differ from run to run)."""

    def stamp(request: dict[str, Any]) -> bool:
        made = request.get("createDeveloperMetadata", {}).get("developerMetadata", {})
        return made.get("metadataKey", "").startswith("sheetmigrate.step.")

    return [request for request in requests if not stamp(request)]


def test_the_columns_a_dry_run_plans_are_those_the_migration_then_sends(
    open_run: OpenRun,
):
    with open_run(Mode.DRY_RUN) as dry:
        dry.backup()
        planned = dry.columns()
    with open_run() as run:
        run.backup()
        sent = run.columns()

    assert without_stamps(planned.requests) == without_stamps(sent.requests)
    assert len(without_stamps(sent.requests)) < len(sent.requests), "the stamp rode along"


def test_a_read_only_run_refuses_to_write(live_sheet: LiveSheet, open_run: OpenRun):
    with open_run(Mode.VALIDATE) as validation, pytest.raises(SheetStateError) as refused:
        validation.backup()

    assert str(refused.value).startswith("this run is validate, read-only: nothing may be written")
    assert writes(live_sheet) == 0


def test_a_script_s_own_write_may_refuse_to_be_sent_again(live_sheet: LiveSheet, open_run: OpenRun):
    refused = []

    def refuse() -> None:
        refused.append("before the resend")
        raise ConcurrentChangeError("the sheet changed while the write waited")

    with open_run() as run:
        run.take_lease()
        live_sheet.faults({"kind": "http_500", "at": 1})  # the write's first send
        with pytest.raises(ConcurrentChangeError, match="the sheet changed while the write"):
            run.write(
                [create_metadata_request("app.note", "written once", 0)],
                applied=lambda stamps: False,
                before_resend=refuse,
            )
        live_sheet.faults()

    assert refused == ["before the resend"]
    assert "app.note" not in [item["metadataKey"] for item in live_sheet.metadata()]
    assert leases(live_sheet) == []


# -- steps done by hand before the tool ran ------------------------------------------------------


def test_columns_added_by_hand_are_found_done_and_their_default_is_still_written(
    live_sheet: LiveSheet,
):
    by_hand = reseeded(live_sheet, v3_values(""))

    with opened(by_hand) as run:
        _, columns, verification, init = migrate(run)

    assert (columns.status, columns.summary) == (
        StepStatus.DONE,
        "every schema column is already in place",
    )
    assert verification.passed and init.status is StepStatus.RAN
    assert_migrated(by_hand, demo_keys())


def test_a_sheet_migrated_by_hand_only_gets_its_backup_and_version_recorded(
    live_sheet: LiveSheet,
):
    by_hand = reseeded(live_sheet, v3_values(0))
    copy = reseeded(live_sheet, v3_values(0))
    written = writes(live_sheet)

    with opened(by_hand, backup=copy.key) as run:
        backup, columns, _, init = migrate(run)

    assert backup.status is StepStatus.DONE and copy.key in backup.summary
    assert columns.status is StepStatus.DONE
    assert (init.status, init.summary) == (
        StepStatus.RAN,
        "wrote no default, only the schema version 3.0",
    )
    assert writes(live_sheet) - written == 3, "the lease, the backup stamp, the init stamp"
    assert by_hand.values("UNFORMATTED_VALUE") == v3_values(0)
    assert Stamps.parse(by_hand.metadata(), 0).schema_version == "3.0"


def test_columns_added_by_hand_get_their_default_when_init_resumes_after_verify(
    live_sheet: LiveSheet,
):
    by_hand = reseeded(live_sheet, v3_values(""))
    with opened(by_hand) as run:
        migrate(run)
    # Put the sheet and the cache back to where a run stopped after verify, before init:
    (live_sheet.folder / "logs" / "checkpoints" / "step_4_init.json").unlink()
    stamps = Stamps.parse(by_hand.metadata(), 0)
    doomed = [stamps.get("sheetmigrate.step.3.0.init"), stamps.get("sheetmigrate.schema_version")]
    by_hand.spreadsheet().batch_update(
        {"requests": [delete_metadata_request(found[0]) for found in doomed if found]}
    )
    by_hand.spreadsheet().worksheet(demo.WORKSHEET).batch_clear([f"BP2:BP{DEMO_ROWS + 1}"])

    with opened(by_hand) as rerun:
        _, _, verification, init = migrate(rerun)

    assert len(doomed) == 2 and all(doomed)
    assert verification.status is StepStatus.DONE
    assert (init.status, init.summary) == (StepStatus.RAN, f"wrote version on {DEMO_ROWS} rows")
    assert_migrated(by_hand, demo_keys())


# -- the lease -----------------------------------------------------------------------------------


def leases(sheet: LiveSheet) -> list[dict[str, Any]]:
    return [json.loads(v) for k, _, v in Stamps.parse(sheet.metadata()).items if k == LEASE_KEY]


def hold_lease(sheet: LiveSheet, *, host: str, pid: int, minutes: int) -> None:
    """A lease of another run, as it would have written it."""
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    value = {
        "holder": f"alice@{host}",
        "host": host,
        "pid": pid,
        "run": "0" * 32,
        "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    sheet.spreadsheet().batch_update(
        {"requests": [create_metadata_request(LEASE_KEY, json.dumps(value))]}
    )


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_lease_is_held_from_the_first_write_and_released_by_the_last(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as run:
        run.backup()
        during = leases(live_sheet)
        held = run.writer.lease
        run.columns()
        run.init(run.verify())
        after_init = leases(live_sheet)

    assert [(lease["pid"], lease["host"]) for lease in during] == [
        (os.getpid(), socket.gethostname())
    ]
    assert held is not None and during[0]["run"] == held.run
    assert after_init == [], "init's write released it"


def test_a_second_engine_is_refused_the_lease_with_the_holder_named(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as first:
        first.backup()
        header, written = live_sheet.values()[0], writes(live_sheet)
        with open_run() as second:
            assert second.backup().status is StepStatus.DONE, "the first one's, no write"
            with pytest.raises(LockHeldError) as refused:
                second.columns()
        assert writes(live_sheet) == written, "the second engine wrote nothing"
        assert [lease["run"] for lease in leases(live_sheet)] == [first.writer.lease.run]

    message = str(refused.value)
    assert message.startswith("another migration holds the lease on this spreadsheet: ")
    assert f"@{socket.gethostname()} (pid {os.getpid()}) until " in message, "the first engine"
    assert message.endswith("run again with --break-lock.")
    assert live_sheet.values()[0] == header
    assert leases(live_sheet) == [], "the first engine's close released it"


def test_a_live_lease_of_another_host_is_refused_and_left_in_place(
    live_sheet: LiveSheet, open_run: OpenRun
):
    hold_lease(live_sheet, host="other-host", pid=4242, minutes=10)
    before = live_sheet.values()

    with open_run() as run, pytest.raises(LockHeldError) as refused:
        run.backup()

    assert "holds the lease on this spreadsheet: alice@other-host (pid 4242) until " in str(
        refused.value
    )
    assert live_sheet.values() == before
    assert [lease["holder"] for lease in leases(live_sheet)] == ["alice@other-host"]


@pytest.mark.parametrize(
    ("host", "minutes"),
    [(socket.gethostname(), 10), ("other-host", -1)],
    ids=["a dead process on this host", "expired, from another host"],
)
def test_a_lease_left_by_a_run_that_is_over_is_taken_over_and_released_at_the_end(
    live_sheet: LiveSheet, open_run: OpenRun, host: str, minutes: int
):
    hold_lease(
        live_sheet, host=host, pid=dead_pid() if host != "other-host" else 4242, minutes=minutes
    )

    with open_run() as run:
        *_, init = migrate(run)

    assert init.status is StepStatus.RAN
    assert leases(live_sheet) == []


def test_break_lock_takes_over_a_live_lease(live_sheet: LiveSheet, open_run: OpenRun):
    hold_lease(live_sheet, host="other-host", pid=4242, minutes=10)

    with open_run(break_lock=True) as run:
        *_, init = migrate(run)

    assert init.status is StepStatus.RAN
    assert leases(live_sheet) == []


def first_batch_update(sheets_server: EmulatorServer, live_sheet: LiveSheet) -> int:
    """The number, counted from the end of ``open``, of the backup step's first batchUpdate
    (the one that takes the lease), as a rehearsal on a copy of the sheet sends it."""
    rehearsal = reseeded(live_sheet, [demo.header(), *demo.rows(DEMO_ROWS)])
    with opened(rehearsal, checkpoint_dir=live_sheet.folder / "rehearsal") as run:
        sheets_server.interleave(0, None)  # count and record from here
        run.backup()
    routes = list(sheets_server.app.interleaving.requests)
    sheets_server.app.interleaving.clear()
    return next(n for n, route in enumerate(routes, 1) if route.endswith(":batchUpdate"))


def test_the_loser_of_two_simultaneous_starts_removes_its_own_lease(
    sheets_server: EmulatorServer, live_sheet: LiveSheet, open_run: OpenRun
):
    """Another run takes the lease right after this one's take lands, before it confirms;
    run ids decide, and "0" * 32 is the smallest, so the other run wins (issue 11, defect 17)."""
    take = first_batch_update(sheets_server, live_sheet)
    expires = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    alice = {"holder": "alice@other-host", "host": "other-host", "pid": 4242}
    theirs = json.dumps({**alice, "run": "0" * 32, "expires": expires})

    def another_run_takes_the_lease(store: Any) -> None:  # the local server's state store
        body = {"requests": [create_metadata_request(LEASE_KEY, theirs)]}
        store.execute(
            "spreadsheets_batch_update", {"spreadsheet_id": live_sheet.key, "body": body}, None
        )

    before = live_sheet.values()
    try:
        with open_run() as run, pytest.raises(LockHeldError) as refused:
            sheets_server.interleave(take, another_run_takes_the_lease)
            run.backup()
        ran, error = sheets_server.app.interleaving.ran_after, sheets_server.app.interleaving.error
    finally:
        sheets_server.app.interleaving.clear()

    assert (ran, error) == (take, None), "the other run's take ran where it should"
    assert str(refused.value).startswith(
        "another migration started at the same moment holds the lease: alice@other-host (pid 4242)"
    )
    assert [lease["holder"] for lease in leases(live_sheet)] == ["alice@other-host"]
    assert live_sheet.values() == before


def test_a_run_stopped_by_a_failed_check_initialises_nothing_and_leaves_no_lease(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as run:
        run.backup()
        run.columns()
        set_cell(live_sheet, "Fecha_Creacion", 5, "x")  # another program, after the columns step
        verification = run.verify()
        with pytest.raises(VerificationError) as refused:
            run.init(verification)

    assert not verification.passed
    assert str(refused.value).startswith(
        "verification failed (backup_matches_source, existing_data_unchanged"
    )
    assert str(refused.value).endswith("): nothing initialised")
    assert set(by_header(live_sheet)["version"]) == {""}
    assert leases(live_sheet) == []


# -- rows changed under the run ------------------------------------------------------------------


def test_rows_changed_between_backup_and_columns_are_refused_with_the_sheet_unchanged(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as run:
        run.backup()
        append_row(live_sheet)
        changed = stamps_and_values(live_sheet)
        with pytest.raises(ConcurrentChangeError) as refused:
            run.columns()
        assert stamps_and_values(live_sheet) == changed, "the backup's lease and stamp, no more"

    assert str(refused.value).startswith(
        f"the rows of 'Operaciones' changed while the migration ran ({DEMO_ROWS} data rows at the "
        f"start, {DEMO_ROWS + 1} now): nothing was written in this step. Run pytest --migrate again"
    )
    assert leases(live_sheet) == [], "released by close()"


def stop_before(step: str, sheet: LiveSheet, run: Run) -> None:
    """Run the steps before ``step``, append a row, then run ``step``: refused, as each is."""
    run.backup()
    if step == "columns":
        append_row(sheet)
        with pytest.raises(ConcurrentChangeError):
            run.columns()
        return
    run.columns()
    if step == "verify":
        append_row(sheet)
        verification = run.verify()
        assert "1 row added" in verification.results["row_count_preserved"].message
        with pytest.raises(VerificationError):
            run.init(verification)
        return
    verification = run.verify()
    append_row(sheet)
    with pytest.raises(ConcurrentChangeError, match="the rows of 'Operaciones' changed"):
        run.init(verification)


@pytest.mark.parametrize("step", ["columns", "verify", "init"])
def test_a_rerun_after_rows_were_added_starts_over_from_a_new_backup_and_keeps_the_old_one(
    live_sheet: LiveSheet, open_run: OpenRun, step: str
):
    with open_run() as stopped:
        stop_before(step, live_sheet, stopped)
        old = stopped.writer.stamps.step("3.0", "backup")["backup"]

    with open_run() as rerun:
        backup, _, verification, init = migrate(rerun)

    assert backup.status is StepStatus.RAN
    assert backup.summary.startswith(f"the sheet changed since backup {old} was made (")
    assert "started over" in backup.summary and backup.summary.endswith(f"{old} is kept")
    assert backup.details["backup"] != old
    assert verification.passed and init.status is StepStatus.RAN
    assert_migrated(live_sheet, [*demo_keys(), NEW_KEY])


def stopped_before_columns(sheet: LiveSheet, checkpoints: Path) -> None:
    """A run whose columns step was refused: rows were added after its backup."""
    with opened(sheet, checkpoint_dir=checkpoints) as run:
        stop_before("columns", sheet, run)


def backup_stamp_write(sheets_server: EmulatorServer, live_sheet: LiveSheet) -> int:
    """The number, counted from the start of a rerun's backup step that starts over, of the
    write of its new backup stamp (its second batchUpdate: the first takes the lease)."""
    rehearsal = reseeded(live_sheet, [demo.header(), *demo.rows(DEMO_ROWS)])
    checkpoints = live_sheet.folder / "rehearsal"
    stopped_before_columns(rehearsal, checkpoints)
    with opened(rehearsal, checkpoint_dir=checkpoints) as run:
        sheets_server.interleave(0, None)  # count and record from here
        run.backup()
    routes = list(sheets_server.app.interleaving.requests)
    sheets_server.app.interleaving.clear()
    return [n for n, route in enumerate(routes, 1) if route.endswith(":batchUpdate")][1]


def test_a_lost_answer_to_a_new_backup_stamp_is_not_taken_for_the_old_stamp(
    sheets_server: EmulatorServer, live_sheet: LiveSheet, open_run: OpenRun
):
    write = backup_stamp_write(sheets_server, live_sheet)
    stopped_before_columns(live_sheet, live_sheet.folder / "logs" / "checkpoints")
    old = Stamps.parse(live_sheet.metadata(), 0).step("3.0", "backup")
    assert old is not None

    with open_run() as rerun:
        live_sheet.faults({"kind": "http_500", "at": write})  # not applied: the old stamp stays
        backup = rerun.backup()
        live_sheet.faults()

    assert backup.summary.startswith(f"the sheet changed since backup {old['backup']} was made")
    stamp = Stamps.parse(live_sheet.metadata(), 0).step("3.0", "backup")
    assert stamp is not None and stamp["backup"] == backup.details["backup"] != old["backup"]
    assert backup.details["stamp"] == stamp, "the checkpoint's stamp is the sheet's"
    assert leases(live_sheet) == []


def test_a_repeated_key_fixed_after_the_failed_check_is_migrated_by_the_rerun(
    live_sheet: LiveSheet,
):
    sheet = reseeded(live_sheet, with_repeated_key())
    with opened(sheet) as stopped:
        stopped.backup()
        stopped.columns()
        verification = stopped.verify()
    assert not verification.results["keys_present_and_unique"].passed
    set_cell(sheet, "TAG_SPOOL", 8, "SP-FIXED")  # by hand, as the message advises

    with opened(sheet) as rerun:
        backup, *_, init = migrate(rerun)

    assert "started over" in backup.summary and init.status is StepStatus.RAN
    keys = [row[KEY] for row in with_repeated_key()[1:]]
    keys[6] = "SP-FIXED"
    assert_migrated(sheet, keys)


def test_a_verification_result_edited_by_hand_is_not_trusted(live_sheet: LiveSheet):
    sheet = reseeded(live_sheet, with_repeated_key())
    with opened(sheet) as stopped:
        stopped.backup()
        stopped.columns()
        assert not stopped.verify().passed
    path = live_sheet.folder / "logs" / "checkpoints" / "step_3_verify.json"
    edited = json.loads(path.read_text())
    edited["details"]["passed"] = True
    path.write_text(json.dumps(edited))

    with opened(sheet) as rerun:
        rerun.backup()
        rerun.columns()
        verification = rerun.verify()

    assert verification.status is StepStatus.RAN and not verification.passed
    assert sum(result.passed for result in verification.results.values()) == 6
    assert set(by_header(sheet)["version"]) == {""}, "nothing was initialised"


def rollback_write(sheets_server: EmulatorServer, live_sheet: LiveSheet) -> int:
    """The number, counted from the rollback's ``open``, of its write (its last batchUpdate,
    after the lease's), as a rehearsal on a copy of the sheet sends it."""
    rehearsal = reseeded(live_sheet, [demo.header(), *demo.rows(DEMO_ROWS)])
    checkpoints = live_sheet.folder / "rehearsal"
    with opened(rehearsal, checkpoint_dir=checkpoints) as run:
        migrate(run)
    sheets_server.interleave(0, None)  # count and record from here
    with opened(rehearsal, Mode.ROLLBACK, checkpoint_dir=checkpoints) as run:
        run.rollback()
    routes = list(sheets_server.app.interleaving.requests)
    sheets_server.app.interleaving.clear()
    return max(n for n, route in enumerate(routes, 1) if route.endswith(":batchUpdate"))


def test_a_verification_left_by_an_interrupted_rollback_is_not_trusted_by_the_next_migration(
    sheets_server: EmulatorServer, live_sheet: LiveSheet, open_run: OpenRun
):
    write = rollback_write(sheets_server, live_sheet)
    migrated(open_run)
    # The rollback's write lands, its answer is lost, and the connection is gone from then on:
    live_sheet.faults(
        {"kind": "apply_then_reset", "at": write}, {"kind": "blackout", "at": write + 1}
    )
    with pytest.raises(TransientApiError), open_run(Mode.ROLLBACK) as run:
        run.rollback()
    live_sheet.faults()
    assert live_sheet.values()[0] == demo.header(), "the rollback's write landed"
    assert (live_sheet.folder / "logs" / "checkpoints" / "step_3_verify.json").exists()
    set_cell(live_sheet, "TAG_SPOOL", 7, demo_keys()[4])  # row 7 repeats row 6's key

    with open_run() as rerun:
        rerun.backup()
        rerun.columns()
        verification = rerun.verify()

    assert verification.status is StepStatus.RAN, "not the checkpoint's verification"
    assert [name for name, r in verification.results.items() if not r.passed] == [
        "keys_present_and_unique"
    ]
    assert set(by_header(live_sheet)["version"]) == {""}, "nothing was initialised"


def test_a_rerun_after_a_finished_migration_does_not_compare_with_the_backup_again(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as run:
        migrate(run)
    set_cell(live_sheet, "Proyecto", 3, "changed by the app after the migration")
    for step in ("step_3_verify", "step_1_backup"):
        (live_sheet.folder / "logs" / "checkpoints" / f"{step}.json").unlink()

    with open_run() as rerun:
        results = migrate(rerun)

    assert [result.status for result in results] == [StepStatus.DONE] * 4
    assert by_header(live_sheet)["Proyecto"][1] == "changed by the app after the migration"


def test_a_column_moved_by_hand_between_a_stopped_run_and_its_rerun_gets_its_default(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as stopped:  # stopped after verify, before init
        stopped.backup()
        stopped.columns()
        assert stopped.verify().passed
    version = V3.header.index("version")
    source = {"sheetId": 0, "dimension": "COLUMNS", "startIndex": version, "endIndex": version + 1}
    live_sheet.spreadsheet().batch_update(  # by hand: version dragged next to the key
        {"requests": [{"moveDimension": {"source": source, "destinationIndex": KEY + 3}}]}
    )

    with open_run() as rerun:
        _, _, verification, init = migrate(rerun)

    assert verification.status is StepStatus.RAN and verification.passed
    assert (init.status, init.summary) == (StepStatus.RAN, f"wrote version on {DEMO_ROWS} rows")
    assert_migrated(live_sheet, demo_keys())  # the rerun's columns step put it back in place


def test_cells_written_into_an_added_column_stop_the_start_over_until_cleared(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run() as stopped:
        stop_before("init", live_sheet, stopped)
    set_cell(live_sheet, "Ocupado_Por", 3, "José Pérez")  # someone starts using the new column
    before = stamps_and_values(live_sheet)

    with open_run() as refused_run, pytest.raises(SheetStateError) as refused:
        refused_run.backup()

    assert "cells were written into the columns this migration added (Ocupado_Por)" in str(
        refused.value
    )
    assert "Copy those cells elsewhere, clear them, and run pytest --migrate again" in str(
        refused.value
    )
    assert stamps_and_values(live_sheet) == before
    set_cell(live_sheet, "Ocupado_Por", 3, "")  # the advice: copied elsewhere, cleared

    with open_run() as rerun:
        backup, *_ = migrate(rerun)

    assert "started over (the columns it had added, still blank, removed)" in backup.summary
    assert_migrated(live_sheet, [*demo_keys(), NEW_KEY])


def test_a_column_deleted_after_a_failed_check_stops_the_start_over_until_put_back(
    live_sheet: LiveSheet,
):
    sheet = reseeded(live_sheet, with_repeated_key())
    with opened(sheet) as stopped:
        stopped.backup()
        stopped.columns()
        assert not stopped.verify().passed
    set_cell(sheet, "TAG_SPOOL", 8, "SP-FIXED")
    worksheet = sheet.spreadsheet().worksheet(demo.WORKSHEET)
    linea = worksheet.row_values(1).index("Linea")
    kept = worksheet.get_all_values(value_render_option="UNFORMATTED_VALUE")
    worksheet.delete_columns(linea + 1)  # and, by mistake, a column deleted
    before = stamps_and_values(sheet)

    with opened(sheet) as refused_run, pytest.raises(SheetStateError) as refused:
        refused_run.backup()

    assert "the header of 'Operaciones' changed since backup " in str(refused.value)
    assert "(gone: Linea): nothing was changed. Give the columns back their names" in str(
        refused.value
    )
    assert "from the backup (or undo the change)" in str(refused.value)
    assert stamps_and_values(sheet) == before
    worksheet.insert_cols([[row[linea] for row in kept]], linea + 1, value_input_option="RAW")

    with opened(sheet) as rerun:
        *_, init = migrate(rerun)

    assert init.status is StepStatus.RAN
    keys = [row[KEY] for row in with_repeated_key()[1:]]
    keys[6] = "SP-FIXED"
    assert_migrated(sheet, keys)


# -- rollback ------------------------------------------------------------------------------------


def migrated(open_run: OpenRun) -> None:
    with open_run() as run:
        *_, init = migrate(run)
    assert init.status is StepStatus.RAN


def test_rollback_gives_the_sheet_back_as_it_was_before_the_migration(
    live_sheet: LiveSheet, open_run: OpenRun
):
    before = stamps_and_values(live_sheet)
    migrated(open_run)

    with open_run(Mode.ROLLBACK) as run:
        result = run.rollback()

    assert (result.step, result.status) == (StepName.ROLLBACK, StepStatus.RAN)
    assert result.summary.endswith("equals the pre-migration snapshot")
    assert result.summary.startswith(f"restored {DEMO_ROWS} rows x {len(demo.header())} columns")
    assert stamps_and_values(live_sheet) == before
    assert leases(live_sheet) == []
    assert not list((live_sheet.folder / "logs" / "checkpoints").glob("step_*.json"))


def test_after_a_rollback_the_migration_runs_again(live_sheet: LiveSheet, open_run: OpenRun):
    migrated(open_run)
    with open_run(Mode.ROLLBACK) as run:
        run.rollback()

    with open_run() as again:
        _, columns, _, init = migrate(again)

    assert (columns.status, init.status) == (StepStatus.RAN, StepStatus.RAN)
    assert_migrated(live_sheet, demo_keys())


def test_rollback_without_a_migration_says_there_is_nothing_to_roll_back(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run(Mode.ROLLBACK) as run, pytest.raises(SheetStateError) as refused:
        run.rollback()

    assert str(refused.value).startswith("no backup of the migration to schema 3.0 was found")
    assert writes(live_sheet) == 0


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda sheet: set_cell(sheet, "Proyecto", 3, "changed by the app"), "Proyecto"),
        (lambda sheet: set_cell(sheet, "Ocupado_Por", 3, "José Pérez"), "Ocupado_Por"),
        (
            append_row,
            f"the sheet had {DEMO_ROWS} data rows at the backup and has {DEMO_ROWS + 1} now",
        ),
    ],
    ids=["a cell of an old column", "a cell of an added column", "a row appended"],
)
def test_rollback_refuses_when_the_rows_changed_since_the_migration_and_changes_nothing(
    live_sheet: LiveSheet,
    open_run: OpenRun,
    change: Callable[[LiveSheet], None],
    said: str,
):
    migrated(open_run)
    change(live_sheet)
    changed, written = stamps_and_values(live_sheet), writes(live_sheet)

    with open_run(Mode.ROLLBACK) as run, pytest.raises(SheetStateError) as refused:
        run.rollback()

    message = str(refused.value)
    assert message.startswith("the rows changed since the migration (")
    assert said in message and message.endswith("--force-rollback to restore the backup anyway")
    if change is append_row:
        assert " differ" not in message, "a row-count change reported as changed columns"
    assert stamps_and_values(live_sheet) == changed
    assert writes(live_sheet) == written


def test_a_forced_rollback_restores_the_backup_over_the_changed_rows(
    live_sheet: LiveSheet, open_run: OpenRun
):
    before = stamps_and_values(live_sheet)
    migrated(open_run)
    set_cell(live_sheet, "Proyecto", 3, "changed by the app")
    append_row(live_sheet)

    with open_run(Mode.ROLLBACK, force_rollback=True) as run:
        result = run.rollback()

    assert result.summary.endswith("equals the pre-migration snapshot")
    assert stamps_and_values(live_sheet) == before


def test_a_rollback_restores_the_version_the_sheet_was_at_before(
    live_sheet: LiveSheet, open_run: OpenRun
):
    live_sheet.spreadsheet().batch_update(
        {"requests": [create_metadata_request("sheetmigrate.schema_version", "2.1", 0)]}
    )
    before = stamps_and_values(live_sheet)
    migrated(open_run)
    backup = Stamps.parse(live_sheet.metadata(), 0).step("3.0", "backup")
    assert backup is not None and backup["from_version"] == "2.1"

    with open_run(Mode.ROLLBACK) as run:
        run.rollback()

    assert stamps_and_values(live_sheet) == before
    assert Stamps.parse(live_sheet.metadata(), 0).schema_version == "2.1"


def test_a_checkpoint_dir_of_its_own_keeps_two_migrations_apart(
    live_sheet: LiveSheet, tmp_path: Path
):
    """Two spreadsheets migrated from one folder, each with its own --checkpoint-dir."""
    other = reseeded(live_sheet, [demo.header(), *demo.rows(DEMO_ROWS)])

    with opened(live_sheet) as first:
        migrate(first)
    with opened(other, checkpoint_dir=tmp_path / "other") as second:
        *_, init = migrate(second)

    assert init.status is StepStatus.RAN
    assert_migrated(live_sheet, demo_keys())
    assert_migrated(other, demo_keys())


# -- what the facade gives the validation suite ---------------------------------------------------


def test_open_reads_the_rows_and_plans_the_columns_the_schema_lacks(
    open_run: OpenRun,
):
    with open_run() as run:
        planned = [name for name, _ in run.plan.columns_to_add]
        rows, layout = run.context.data_rows, list(run.layout)
        run.backup()
        run.columns()
        after = list(run.layout)

    assert (rows, layout) == (DEMO_ROWS, demo.header())
    assert planned == ["Ocupado_Por", "Fecha_Ocupacion", "version"]
    assert after == V3.header, "the layout follows the columns step"


def test_the_backup_copy_holds_the_sheet_as_it_was_before_the_migration(
    open_run: OpenRun,
):
    with open_run() as run:
        backup, *_ = migrate(run)
        before = run.before
        copy = run.snapshot_of_copy(backup.details["backup"])
        now = run.live_snapshot()

    assert before is not None and copy.digest == before.digest
    assert list(copy.header) == demo.header() and copy.row_count == DEMO_ROWS
    assert now.digest != before.digest and list(now.header) == V3.header


def test_result_rows_stream_the_migrated_rows_and_a_dry_run_s_as_planned(
    live_sheet: LiveSheet, open_run: OpenRun
):
    with open_run(Mode.DRY_RUN) as dry:
        migrate(dry)
        planned = list(dry.result_rows())
    with open_run() as run:
        migrate(run)
        rows = list(run.result_rows())

    assert len(planned) == len(rows) == DEMO_ROWS
    assert [row["TAG_SPOOL"] for row in rows] == demo_keys()
    assert {str(row["version"]) for row in rows} == {"0"}
    assert [list(row) for row in planned] == [list(row) for row in rows] == [V3.header] * DEMO_ROWS
    assert [row["TAG_SPOOL"] for row in planned] == demo_keys()
    assert {str(row["version"]) for row in planned} == {"0"}, "the default, planned"
