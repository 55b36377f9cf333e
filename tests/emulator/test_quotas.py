"""Per-minute quotas on their own, without HTTP, on a clock the test moves.

Google's limits: Sheets "Usage limits" (https://developers.google.com/sheets/api/limits), Drive
"Usage limits" (https://developers.google.com/drive/api/guides/limits); window semantics in
quotas.py's docstring (per-minute windows synchronised on the clock's minute).
"""

from __future__ import annotations

import pytest

from pytest_sheetmigrate.emulator.quotas import Limit, Quotas, QuotaSettings


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


MINUTE = 60 * 29_000_000  # some whole minute, in seconds since the epoch


def quotas(clock: Clock, **limits: int) -> Quotas:
    return Quotas(QuotaSettings(clock=clock, **limits))  # type: ignore[arg-type]


def admitted(quota: Quotas, n: int, *, mutating: bool = False, user: str = "a") -> list[bool]:
    return [quota.admit("sheets", mutating=mutating, user=user) is None for _ in range(n)]


def test_googles_defaults_are_60_per_user_and_300_per_project_for_reads_and_for_writes() -> None:
    settings = QuotaSettings.google()
    assert (settings.read_per_user, settings.read_per_project) == (60, 300)
    assert (settings.write_per_user, settings.write_per_project) == (60, 300)
    assert (settings.drive_per_user, settings.drive_per_project) == (12_000, 12_000)
    assert not settings.retry_after
    assert not QuotaSettings().enabled


def test_a_user_gets_its_per_minute_reads_then_a_refusal_naming_the_per_user_limit() -> None:
    quota = quotas(Clock(MINUTE + 15), read_per_user=3)
    assert admitted(quota, 3) == [True, True, True]
    refusal = quota.admit("sheets", mutating=False, user="a")
    assert refusal is not None
    assert (refusal.limit.name, refusal.limit.quota_limit) == (
        "Read requests per minute per user",
        "ReadRequestsPerMinutePerUser",
    )
    assert refusal.retry_after_s == 45  # to the start of the next minute


def test_reads_and_writes_are_counted_separately() -> None:
    quota = quotas(Clock(MINUTE), read_per_user=2, write_per_user=2)
    assert admitted(quota, 3) == [True, True, False]
    assert admitted(quota, 3, mutating=True) == [True, True, False]


def test_each_user_has_its_own_bucket_and_all_users_share_the_project_bucket() -> None:
    quota = quotas(Clock(MINUTE), read_per_user=2, read_per_project=3)
    assert admitted(quota, 2, user="a") == [True, True]
    assert admitted(quota, 2, user="b") == [True, False]
    refusal = quota.admit("sheets", mutating=False, user="c")
    assert refusal is not None and refusal.limit.name == "Read requests per minute"


def test_a_request_refused_by_the_project_uses_none_of_its_users_quota() -> None:
    clock = Clock(MINUTE)
    quota = quotas(clock, read_per_user=2, read_per_project=1)
    assert admitted(quota, 1, user="a") == [True]
    assert admitted(quota, 1, user="b") == [False]
    clock.now += 60
    assert admitted(quota, 3, user="b") == [True, False, False]  # the project's 1, again


def test_every_count_starts_again_at_the_next_minute_not_60_seconds_after_the_first() -> None:
    clock = Clock(MINUTE + 50)
    quota = quotas(clock, read_per_user=2)
    assert admitted(quota, 3) == [True, True, False]
    clock.now = MINUTE + 59.9
    assert admitted(quota, 1) == [False]
    clock.now = MINUTE + 60  # ten seconds after the first request
    assert admitted(quota, 3) == [True, True, False]


def test_drive_counts_every_request_in_one_bucket_apart_from_sheets() -> None:
    quota = quotas(Clock(MINUTE), drive_per_user=2, read_per_user=1)
    drive = [quota.admit("drive", mutating=m, user="a") is None for m in (False, True, False)]
    assert drive == [True, True, False]
    assert admitted(quota, 1) == [True]


def test_reset_forgets_every_count() -> None:
    quota = quotas(Clock(MINUTE), write_per_project=1)
    assert admitted(quota, 2, mutating=True) == [True, False]
    quota.reset()
    assert admitted(quota, 1, mutating=True) == [True]


def test_a_limit_below_one_request_per_minute_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        QuotaSettings(read_per_user=0).limits()


@pytest.mark.parametrize(
    ("limit", "metric", "name", "quota_metric", "quota_limit", "unit"),
    [
        # the recorded 429 (r-lib/gargle fixture sheets-spreadsheets-get-quota-exceeded-readgroup)
        (
            Limit("sheets", "read", per_user=True, value=60),
            "Read requests",
            "Read requests per minute per user",
            "sheets.googleapis.com/read_requests",
            "ReadRequestsPerMinutePerUser",
            "1/min/{project}/{user}",
        ),
        # Sage-Bionetworks/data_curator issue 110
        (
            Limit("sheets", "write", per_user=True, value=60),
            "Write requests",
            "Write requests per minute per user",
            "sheets.googleapis.com/write_requests",
            "WriteRequestsPerMinutePerUser",
            "1/min/{project}/{user}",
        ),
        # the name: r-lib/gargle issue 160, benborgers/opensheet issue 22; the rest by analogy
        (
            Limit("sheets", "read", per_user=False, value=300),
            "Read requests",
            "Read requests per minute",
            "sheets.googleapis.com/read_requests",
            "ReadRequestsPerMinutePerProject",
            "1/min/{project}",
        ),
    ],
)
def test_limits_are_named_as_google_names_them(
    limit: Limit, metric: str, name: str, quota_metric: str, quota_limit: str, unit: str
) -> None:
    assert (limit.metric, limit.name, limit.quota_metric, limit.quota_limit, limit.unit) == (
        metric,
        name,
        quota_metric,
        quota_limit,
        unit,
    )
