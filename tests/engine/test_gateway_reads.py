"""How rows are read: chunks prefetched one ahead in a background thread (the reader), answers
parsed (the gateway)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from pytest_sheetmigrate.gateway import _parsed
from pytest_sheetmigrate.reader import prefetched


class Chunks:
    """Numbered items, remembering how many were taken and by which threads."""

    def __init__(self, count: int, failing: int | None = None) -> None:
        self.count = count
        self.failing = failing
        self.taken = 0
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        for number in range(self.count):
            self.threads.add(threading.current_thread().name)
            if number == self.failing:
                raise ConnectionError(f"chunk {number} lost")
            self.taken += 1
            yield number


def test_items_come_in_order_from_a_background_thread_at_most_one_ahead() -> None:
    chunks = Chunks(50)
    seen = []
    for number in prefetched(iter(chunks)):
        assert chunks.taken <= number + 2  # this one, and at most the next
        seen.append(number)
    assert seen == list(range(50))
    assert chunks.threads == {"sheetmigrate-prefetch"}


def test_an_error_fetching_an_item_is_raised_when_that_item_is_asked_for() -> None:
    chunks = Chunks(10, failing=4)
    seen = []
    with pytest.raises(ConnectionError, match="chunk 4 lost"):
        for number in prefetched(iter(chunks)):
            seen.append(number)
    assert seen == [0, 1, 2, 3]


def test_a_caller_that_stops_early_leaves_at_most_one_item_fetched_and_unused() -> None:
    chunks = Chunks(10)
    items = prefetched(iter(chunks))
    assert [next(items), next(items)] == [0, 1]
    items.close()
    assert chunks.taken <= 3


def test_nothing_to_fetch_gives_nothing() -> None:
    assert list(prefetched(iter(()))) == []


def test_answers_parse_as_json_would_also_where_orjson_refuses() -> None:
    body = '{"values": [["Ñandú", 1, 2.5, true, ""], ["\\ud800"]]}'.encode()
    assert _parsed(body) == json.loads(body)
    assert _parsed(body)["values"][1] == ["\ud800"]  # a lone surrogate, kept
