"""Fault rules, quota and stats on their own, without HTTP (see test_server_faults for that)."""

from __future__ import annotations

import pytest

from pytest_sheetmigrate.emulator.faults import FaultRuleError, FaultRules, Stats


def fates(rules: FaultRules, n: int) -> list[str | None]:
    return [rules.next().kind for _ in range(n)]


def test_an_at_rule_fires_on_exactly_that_request_counted_from_when_it_was_set() -> None:
    rules = FaultRules()
    rules.next()  # requests before the rules were set do not count
    rules.set([{"kind": "http_500", "at": 2}])
    assert fates(rules, 4) == [None, "http_500", None, None]


def test_setting_rules_again_restarts_the_count() -> None:
    rules = FaultRules()
    rules.set([{"kind": "reset", "at": 1}])
    assert fates(rules, 2) == ["reset", None]
    rules.set([{"kind": "reset", "at": 1}])
    assert fates(rules, 1) == ["reset"]


def test_a_rate_rule_with_the_same_seed_fires_on_the_same_requests() -> None:
    first, second = FaultRules(), FaultRules()
    first.set([{"kind": "http_503", "rate": 0.3, "seed": 7}])
    second.set([{"kind": "http_503", "rate": 0.3, "seed": 7}])
    pattern = fates(first, 200)
    assert pattern == fates(second, 200)
    assert 20 < pattern.count("http_503") < 100


def test_rate_zero_never_fires_and_rate_one_always_does() -> None:
    rules = FaultRules()
    rules.set([{"kind": "http_429", "rate": 0, "seed": 1}])
    assert fates(rules, 50) == [None] * 50
    rules.set([{"kind": "http_429", "rate": 1, "seed": 1}])
    assert fates(rules, 5) == ["http_429"] * 5


def test_a_blackout_drops_every_later_request_until_the_rules_are_cleared() -> None:
    rules = FaultRules()
    rules.set([{"kind": "blackout", "at": 2}])
    assert fates(rules, 4) == [None, "blackout", "blackout", "blackout"]
    rules.clear()
    assert fates(rules, 2) == [None, None]


def test_latency_adds_up_and_combines_with_another_fault() -> None:
    rules = FaultRules()
    rules.set(
        [
            {"kind": "latency", "at": 1, "ms": 30},
            {"kind": "latency", "rate": 1, "seed": 0, "ms": 5},
            {"kind": "http_500", "at": 1},
        ]
    )
    first, second = rules.next(), rules.next()
    assert (first.latency_ms, first.kind) == (35, "http_500")
    assert (second.latency_ms, second.kind) == (5, None)


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "meteor", "at": 1},
        {"kind": "reset"},
        {"kind": "reset", "at": 1, "rate": 0.5},
        {"kind": "reset", "at": 0},
        {"kind": "reset", "rate": 1.5},
        {"kind": "latency", "at": 1, "ms": -1},
        "reset",
    ],
)
def test_a_malformed_rule_is_refused_and_the_old_rules_stay(rule: object) -> None:
    rules = FaultRules()
    rules.set([{"kind": "http_500", "at": 1}])
    with pytest.raises(FaultRuleError):
        rules.set([{"kind": "reset", "at": 1}, rule])
    assert fates(rules, 1) == ["http_500"]


def test_an_http_429_rule_may_ask_for_a_retry_after_header() -> None:
    rules = FaultRules()
    rules.set([{"kind": "http_429", "at": 1, "retry_after": 7}, {"kind": "http_429", "at": 2}])
    assert [rules.next().retry_after for _ in range(2)] == [7, None]


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "http_500", "at": 1, "retry_after": 7},  # only a 429 carries it
        {"kind": "http_429", "at": 1, "retry_after": -1},
        {"kind": "http_429", "at": 1, "retry_after": "soon"},
    ],
)
def test_a_retry_after_outside_an_http_429_rule_or_not_whole_seconds_is_refused(
    rule: object,
) -> None:
    with pytest.raises(FaultRuleError):
        FaultRules().set([rule])


def test_stats_count_requests_mutations_bytes_and_endpoints() -> None:
    stats = Stats()
    stats.count("GET /v4/spreadsheets/{spreadsheetId}", mutating=False, bytes_in=0)
    stats.count("POST /v4/spreadsheets/{spreadsheetId}:batchUpdate", mutating=True, bytes_in=40)
    stats.count("GET /v4/spreadsheets/{spreadsheetId}", mutating=False, bytes_in=0)
    stats.add_bytes_out(100)
    assert stats.to_json() == {
        "requests": 3,
        "mutating_requests": 1,
        "bytes_in": 40,
        "bytes_out": 100,
        "by_endpoint": {
            "GET /v4/spreadsheets/{spreadsheetId}": 2,
            "POST /v4/spreadsheets/{spreadsheetId}:batchUpdate": 1,
        },
    }
    stats.reset()
    assert stats.to_json()["requests"] == 0
