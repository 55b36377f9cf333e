"""The lease holder against the local server: take, renew inside a write, release, give up,
and a second holder refused with the first one named."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from live_sheet import LiveSheet

from pytest_sheetmigrate.connect import open_gateway
from pytest_sheetmigrate.errors import LockHeldError
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.lease import LEASE_KEY, LeaseHolder, Renewal, Send, leases
from pytest_sheetmigrate.stamp import Stamps


@pytest.fixture
def gateway(live_sheet: LiveSheet) -> Iterator[SheetGateway]:
    with open_gateway(live_sheet.settings()) as opened:
        yield opened


def sent_at_once(step: str, applied: Callable[[Stamps], bool], send: Send) -> dict[str, Any]:
    """Send the take from this thread (the writer sends it from one of its own)."""
    return send(lambda: None)


def lease_values(gateway: SheetGateway) -> list[dict[str, Any]]:
    return [json.loads(value) for _, value in gateway.metadata().stamps.all(LEASE_KEY)]


def test_a_holder_takes_the_lease_and_gives_it_up_on_close(gateway: SheetGateway):
    holder = LeaseHolder(gateway)

    holder.take(sent_at_once)

    assert holder.held is not None and holder.taking is None
    assert [lease["run"] for lease in lease_values(gateway)] == [holder.held.run]
    holder.close()
    assert holder.held is None
    assert lease_values(gateway) == []


def test_a_second_holder_is_refused_with_the_first_holder_named(gateway: SheetGateway):
    first, second = LeaseHolder(gateway), LeaseHolder(gateway)
    first.take(sent_at_once)
    assert first.held is not None

    with pytest.raises(LockHeldError, match="another migration holds the lease") as refused:
        second.take(sent_at_once)

    assert first.held.describe() in str(refused.value)
    assert second.held is None
    assert [lease["run"] for lease in lease_values(gateway)] == [first.held.run]
    first.close()


def test_a_renewal_rides_on_a_write_and_replaces_the_lease(gateway: SheetGateway):
    holder = LeaseHolder(gateway)
    holder.take(sent_at_once)
    taken = holder.held
    assert taken is not None

    renewal = holder.renewal(gateway.metadata().stamps)
    gateway.batch_update(renewal.requests, already_applied=lambda: False)
    holder.landed(renewal)

    assert holder.held == renewal.lease and holder.held is not None
    assert holder.held.run == taken.run and holder.held.expires >= taken.expires
    assert [lease["expires"] for lease in lease_values(gateway)] == [holder.held.expires]
    holder.close()


def test_the_write_that_releases_leaves_no_lease_and_nothing_for_close(gateway: SheetGateway):
    holder = LeaseHolder(gateway)
    holder.take(sent_at_once)

    renewal = holder.renewal(gateway.metadata().stamps, release=True)
    gateway.batch_update(renewal.requests, already_applied=lambda: False)
    holder.landed(renewal)

    assert holder.held is None and renewal.lease is None
    assert lease_values(gateway) == []


def test_a_lease_a_finished_run_of_this_process_left_behind_is_taken_over_at_once(
    gateway: SheetGateway,
):
    gone = LeaseHolder(gateway)
    gone.take(sent_at_once)
    assert gone.held is not None
    gone.landed(Renewal([], None))  # its run is over, and the write releasing it was lost
    assert gone.held is None and len(lease_values(gateway)) == 1

    taker = LeaseHolder(gateway)
    taker.take(sent_at_once)

    assert taker.held is not None
    assert [lease["run"] for lease in lease_values(gateway)] == [taker.held.run]
    taker.close()


def test_leases_of_other_runs_are_left_alone_by_close(gateway: SheetGateway):
    first, second = LeaseHolder(gateway), LeaseHolder(gateway, force=True)
    first.take(sent_at_once)
    second.take(sent_at_once)  # --break-lock: the first run's lease removed
    assert second.held is not None

    first.close()  # its lease is gone already: nothing of the second's is touched

    assert [held.run for _, held in leases(gateway.metadata().stamps) if held] == [second.held.run]
    second.close()
