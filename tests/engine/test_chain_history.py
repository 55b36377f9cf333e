"""A worksheet's history judged against the chain (chain/history.py): applied and pending versions,
and the refusals before any write: a changed applied file (with the change's summary, unless
accepted: then recorded as a repair), a file gone, a version slotting in below the applied ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from chain_files import BASE_COLUMNS, V3, version_file

from pytest_sheetmigrate.chain.chain import load_chain
from pytest_sheetmigrate.chain.history import (
    HistoryEntry,
    entry_request,
    history_key,
    judge,
    parse_history,
)
from pytest_sheetmigrate.errors import SheetStateError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    version_file(tmp_path, "2.1", BASE_COLUMNS, header="baseline = true")
    version_file(tmp_path, "3.0", V3)
    return tmp_path


def applied(folder: Path, *versions: str) -> tuple[HistoryEntry, ...]:
    chain = load_chain(folder)
    return tuple(
        HistoryEntry(v, "2026-11-30T10:00:00Z", "ops@example.com", chain.version(v).checksum)
        for v in versions
    )


def test_nothing_applied_leaves_every_version_pending(folder: Path) -> None:
    state = judge(load_chain(folder), "Operaciones", ())
    assert state.current is None
    assert [v.version for v in state.pending] == ["2.1", "3.0"]


def test_the_applied_versions_are_not_pending(folder: Path) -> None:
    state = judge(load_chain(folder), "Operaciones", applied(folder, "2.1"))
    assert state.current == "2.1"
    assert [v.version for v in state.pending] == ["3.0"]


def test_an_entry_survives_the_metadata_round_trip(folder: Path) -> None:
    entry = applied(folder, "3.0")[0]
    request = entry_request(7, entry)["createDeveloperMetadata"]["developerMetadata"]
    assert request["metadataKey"] == history_key("3.0") == "sheetmigrate.history.3.0"
    assert request["location"] == {"sheetId": 7}
    items = [(request["metadataKey"], 1, request["metadataValue"]), ("sheetmigrate.lease", 2, "{}")]
    assert parse_history(items) == (entry,)


def test_a_changed_applied_file_is_refused_with_what_changed(folder: Path) -> None:
    history = applied(folder, "2.1", "3.0")
    path = folder / "3.0.toml"
    text = path.read_text()
    path.write_text(text.replace('name = "Operaciones"', 'name = "Operaciones"  # the main tab'))
    with pytest.raises(SheetStateError) as raised:
        judge(load_chain(folder), "Operaciones", history, applied_text=lambda v: text)
    message = str(raised.value)
    assert "3.0.toml was changed after version 3.0 was applied to 'Operaciones'" in message
    assert "diff: +1 -1 lines" in message
    assert "--accept-changed-versions" in message


def test_a_changed_file_accepted_on_purpose_is_a_repair_in_the_history(folder: Path) -> None:
    history = applied(folder, "2.1", "3.0")
    (folder / "3.0.toml").write_text((folder / "3.0.toml").read_text() + "# a comment\n")
    chain = load_chain(folder)
    state = judge(
        chain, "Operaciones", history, accept_changed=True, now="2026-12-01T00:00:00Z", by="me"
    )
    ((version, entry),) = state.repairs
    assert version.version == "3.0" and entry.checksum == chain.version("3.0").checksum
    assert entry.repairs[0]["was"] == history[1].checksum
    assert HistoryEntry.from_json(entry.to_json()) == entry


def test_an_applied_version_without_its_file_is_refused(folder: Path) -> None:
    history = applied(folder, "2.1", "3.0")
    (folder / "3.0.toml").unlink()
    with pytest.raises(SheetStateError, match="has no file for it: the folder is behind"):
        judge(load_chain(folder), "Operaciones", history)


def test_a_version_lower_than_the_applied_one_is_refused(folder: Path) -> None:
    history = applied(folder, "2.1", "3.0")
    version_file(folder, "2.5", BASE_COLUMNS)
    with pytest.raises(SheetStateError, match="Renumber it after 3.0"):
        judge(load_chain(folder), "Operaciones", history)
