"""The engine against Google's quota shape: per-user read and write budgets a minute, counted
separately, no Retry-After (Sheets "Usage limits",
https://developers.google.com/workspace/sheets/api/limits; the server's quotas.py).

The server and the client share one clock that only the client's waits move: the server's
per-minute windows (``QuotaSettings.clock``) and the pacer's sliding window see the same time,
so small budgets stand for Google's 60 a minute without a test waiting a real minute."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from live_sheet import LiveSheet

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.quotas import QuotaSettings
from pytest_sheetmigrate.progress import ProgressLine
from pytest_sheetmigrate.request_log import RetryPolicy
from pytest_sheetmigrate.run import Run
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.settings import Mode

READS, WRITES = 6, 3
"""Budgets small enough that the 40-row migration needs several minutes of them."""
START = 1_000_020.0
"""The shared clock's start: 20 s into a minute, not on a window's edge."""


class SharedClock:
    """Seconds that pass only when someone sleeps (both the server and the client read it)."""

    def __init__(self) -> None:
        self.now_s = START
        self.lock = threading.Lock()

    def now(self) -> float:
        with self.lock:
            return self.now_s

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now_s += max(0.0, seconds)


@pytest.fixture
def clock() -> SharedClock:
    return SharedClock()


@pytest.fixture
def quota_server(clock: SharedClock) -> Iterator[EmulatorServer]:
    quotas = QuotaSettings(read_per_user=READS, write_per_user=WRITES, clock=clock.now)
    with EmulatorServer(quotas=quotas) as server:
        yield server


def migrate(sheet: LiveSheet, clock: SharedClock, **settings: object) -> tuple[Run, list[str]]:
    """The whole migration on the shared clock; the run and the lines it announced."""
    lines: list[str] = []
    chosen = sheet.settings(Mode.MIGRATE, **settings)
    run = Run(chosen, load_schema(chosen.schema_path), lines.append)
    gateway = run.gateway
    gateway.pacer.clock, gateway.pacer.sleep = clock.now, clock.sleep
    gateway.retry = replace(gateway.retry, sleep=clock.sleep)
    try:
        run.open()
        run.backup()
        run.columns()
        run.init(run.verify())
    finally:
        run.close()
    return run, lines


def test_paced_to_the_budgets_the_migration_meets_no_429(
    quota_server: EmulatorServer, clock: SharedClock, tmp_path: Path
) -> None:
    sheet = LiveSheet.seeded(quota_server.url, tmp_path)
    run, lines = migrate(sheet, clock, reads_per_minute=READS, writes_per_minute=WRITES)
    log = run.gateway.log
    assert log.quota_refusals == 0 and log.retries == 0
    waits = [line for line in lines if "waiting" in line and "for the quota" in line]
    assert waits and run.gateway.pacer.waits == len(waits)
    assert f"pacing to {READS} read requests a minute (--reads-per-minute sets it)" in "\n".join(
        waits
    )  # a budget other than Google's 60 is not called Google's quota
    assert all(isinstance(line, ProgressLine) for line in waits)  # shown in place on a terminal
    reads = log.by_kind["values.batchGet"] + log.by_kind["spreadsheets.get"]
    assert reads > 2 * READS  # else the budgets were not small enough to test anything
    # the floor: no more than READS reads in any minute, so the run spans that many minutes
    assert clock.now() - START >= (math.ceil(reads / READS) - 1) * 60
    assert sheet.values()[0][-1] == "version"


def test_unpaced_the_migration_meets_429s_and_backs_off_past_the_window(
    quota_server: EmulatorServer, clock: SharedClock, tmp_path: Path
) -> None:
    sheet = LiveSheet.seeded(quota_server.url, tmp_path)
    run, lines = migrate(
        sheet, clock, reads_per_minute=0, writes_per_minute=0, retry_base_seconds=0.5
    )
    log = run.gateway.log
    assert log.quota_refusals > 0
    assert any("quota exceeded, 429" in line for line in lines)
    assert run.gateway.pacer.waits == 0
    assert sheet.values()[0][-1] == "version"


def test_a_quota_refusal_without_retry_after_waits_out_the_minute_within_70_s() -> None:
    policy = RetryPolicy()  # the default base, 0.5 s
    for _ in range(200):
        waits = [policy.delay(attempt, None, quota=True) for attempt in range(policy.attempts - 1)]
        assert 60 <= sum(waits) <= policy.quota_bound_seconds == 70


def test_drives_rate_limit_403_is_waited_out_past_the_minute_and_the_backup_completes(
    clock: SharedClock, tmp_path: Path
) -> None:
    # Drive answers its per-user rate limit with 403 userRateLimitExceeded (Drive "Usage
    # limits" and "Resolve errors" guides): retried like a 429, with the waits that cover the
    # minute. One Drive request a minute: the backup's second Drive request waits for the next.
    quotas = QuotaSettings(drive_per_user=1, clock=clock.now)
    with EmulatorServer(quotas=quotas) as server:
        sheet = LiveSheet.seeded(server.url, tmp_path)
        run, lines = migrate(sheet, clock, retry_base_seconds=0.5)
    assert run.gateway.log.quota_refusals > 0
    assert any("quota exceeded, 403 userRateLimitExceeded" in line for line in lines)
    assert run.record.steps and "backup ran" in "\n".join(lines)
