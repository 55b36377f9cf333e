"""Fidelity: the recorded Google traffic in ``../shared/fidelity/cassettes`` replays identically.

One test per cassette (its id is the cassette's name, which is the gspread test that recorded
it). Each episode of the cassette runs on a fresh server state; every request goes over real HTTP
and its answer must equal the recorded one once ids and volatile fields are masked (see
``fidelity_replay``). A missing cassette folder is a failure, not a skip: CI checks ``shared/``
out beside the clone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from fidelity_replay import ENV_VAR, cassette_dir, cassette_names, load_episodes, replay_episode

from pytest_sheetmigrate.emulator import EmulatorServer

CASSETTES = cassette_names() or ["<no cassettes found>"]


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        opened.trust_env = False
        yield opened


@pytest.mark.parametrize("cassette", CASSETTES)
def test_cassette_replays_identically(
    cassette: str,
    server: EmulatorServer,
    session: requests.Session,
    record_property: Callable[[str, object], None],
) -> None:
    folder = cassette_dir()
    if not folder.is_dir() or cassette not in cassette_names():
        pytest.fail(
            f"no fidelity cassettes in {folder}: check out shared/ beside the repository "
            f"or set {ENV_VAR} to the cassettes folder"
        )
    other_files = 0
    record_property("other_files", 0)
    for number, episode in enumerate(load_episodes(folder / f"{cassette}.json"), start=1):
        session.post(f"{server.url}/_emulator/reset", timeout=10).raise_for_status()
        replay = replay_episode(session, server.url, episode, number)
        mismatch = replay.mismatch
        assert mismatch is None, "the answer differs from the recording:\n" + mismatch.describe()
        # Every local answer also validates against Google's discovery documents.
        assert replay.violations == [], replay.violations
        other_files += replay.other_files
        record_property("other_files", other_files)
