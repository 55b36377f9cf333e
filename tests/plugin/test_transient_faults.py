"""Transient faults: 429, 500, 503 and dropped connections on 30% of requests (seeded).

The migration retries them (exponential backoff with full jitter, bounded; a write whose answer
was lost is checked against the stamps before it is sent again) and ends in the state an
uninterrupted run ends in. When the retries run out, the run stops with a message that says what
failed and that a rerun resumes, and the sheet is unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from sheet_project import LocalApi, Project, demo_values, seed_demo
from sheet_state import (
    Reference,
    final_state,
    fresh_sheet,
    migrate,
    reference_run,
    requests_report,
    sheet_values,
)

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.quotas import QuotaSettings
from pytest_sheetmigrate.errors import TransientApiError
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.request_log import RetryPolicy

SEED = 7  # its draws fail reads and writes alike on today's request sequence
RATE = 0.3
KINDS = ("http_429", "http_500", "http_503", "reset")


def migrate_under(project: Project, *rules: dict[str, Any]) -> tuple[Reference, dict[str, Any]]:
    """Migrate a fresh demo sheet while ``rules`` hold and check it converged; returns the
    uninterrupted run and the faulted run's request counts (attempts by kind, retries)."""
    reference = reference_run(project)
    key = fresh_sheet(project)
    project.api.faults(*rules)

    result = migrate(project, key)

    project.api.clear_faults()
    assert result.ret == 0, result.stdout.str()
    assert final_state(project.api, key, reference.before) == reference.state
    sent = requests_report(project)
    assert sent["retries"] > 0
    return reference, sent


def assert_retried_reads_and_writes(reference: Reference, sent: dict[str, Any]) -> None:
    for kind in ("values.batchGet", "spreadsheets.batchUpdate"):
        assert sent["by_kind"][kind] > reference.sent[kind], f"no {kind} was retried"


@pytest.mark.parametrize("kind", KINDS)
def test_the_migration_rides_out_one_kind_of_fault_on_30_percent_of_requests(
    project: Project, kind: str
):
    assert_retried_reads_and_writes(
        *migrate_under(project, {"kind": kind, "rate": RATE, "seed": SEED})
    )


def test_the_migration_rides_out_every_kind_mixed_on_30_percent_of_requests(project: Project):
    # Each kind on about 8.5% of requests: about 30% of requests hit by one of them.
    rate = 1 - (1 - RATE) ** (1 / len(KINDS))
    rules = [{"kind": k, "rate": rate, "seed": SEED + n} for n, k in enumerate(KINDS)]

    assert_retried_reads_and_writes(*migrate_under(project, *rules))


def test_writes_whose_answer_was_lost_after_they_applied_are_not_applied_twice(project: Project):
    reference, sent = migrate_under(
        project, {"kind": "apply_then_reset", "rate": RATE, "seed": SEED}
    )

    by_kind = sent["by_kind"]
    assert by_kind["spreadsheets.get"] > reference.sent["spreadsheets.get"], "no answer was lost"
    assert by_kind["spreadsheets.batchUpdate"] == reference.sent["spreadsheets.batchUpdate"]


def test_when_the_retries_run_out_the_run_says_what_failed_and_the_sheet_is_unchanged(
    project: Project,
):
    key = fresh_sheet(project)
    before = final_state(project.api, key, sheet_values(project.api, key))
    project.api.faults({"kind": "http_503", "rate": 1.0, "seed": SEED})

    result = migrate(project, key)

    project.api.clear_faults()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*failed 6 times (last: 503 UNAVAILABLE)*run the same command*"])
    assert "Traceback" not in result.stdout.str()
    assert final_state(project.api, key, sheet_values(project.api, key)) == before
    assert requests_report(project)["retries"] == 5


def test_a_retry_backoff_that_is_not_a_number_of_seconds_is_refused(project: Project):
    result = project.run("--migrate", "--retry-base-seconds", "soon")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--retry-base-seconds 'soon' is not a number of seconds*"])
    assert project.api.stats()["requests"] == 0


def test_the_backoff_doubles_with_each_attempt_with_full_jitter_up_to_its_cap():
    policy = RetryPolicy(base_seconds=0.5, cap_seconds=4.0)

    for attempt, bound in enumerate([0.5, 1.0, 2.0, 4.0, 4.0]):
        waits = [policy.delay(attempt, None) for _ in range(200)]
        assert min(waits) >= 0 and max(waits) <= bound
        assert max(waits) > bound / 2, "the jitter spans the whole interval"


@pytest.mark.parametrize(("cap", "expected"), [(90.0, (55, 60)), (10.0, (10, 10))])
def test_a_429_with_retry_after_waits_as_long_as_the_api_asks_within_the_cap(
    cap: float, expected: tuple[int, int]
):
    waits: list[float] = []
    # Google sends no Retry-After with its 429 (see docs/emulator.md): this test of the tool's
    # handling of the header keeps it with the server's retry_after option, on a clock held at
    # the start of a minute (so the header says 60). Issue 14 (retries without Retry-After)
    # removes the option from here.
    quotas = QuotaSettings(read_per_user=2, retry_after=True, clock=lambda: 60.0 * 1000)
    with EmulatorServer(quotas=quotas) as server:
        api = LocalApi(server.url)
        key = seed_demo(api, demo_values(3))
        gateway = SheetGateway(
            api.client(), key, retry=RetryPolicy(attempts=3, cap_seconds=cap, sleep=waits.append)
        )
        for _ in range(2):
            gateway.metadata()  # the whole quota of this minute

        with pytest.raises(TransientApiError, match="failed 3 times .*429"):
            gateway.metadata()

    low, high = expected
    assert len(waits) == 2 and all(low <= wait <= high for wait in waits), waits
