"""Drift between a worksheet's live header and the head version (chain/drift.py): renames
recognised by column id, moves by order, missing and extra columns; each with its fix."""

from __future__ import annotations

from pathlib import Path

from pytest_sheetmigrate.chain.drift import LiveColumn, drift
from pytest_sheetmigrate.schema import Column, Schema

TARGET = Schema(
    name="3.0",
    worksheet="Operaciones",
    key="TAG",
    columns=tuple(Column(n, "string") for n in ("TAG", "Estado", "Cliente", "Linea", "version")),
    path=Path("3.0.toml"),
)
IDS = {name: f"c{i}" for i, name in enumerate(TARGET.header, start=1)}


def live(*names: str, ids: dict[str, str] | None = None) -> list[LiveColumn]:
    given = IDS if ids is None else ids
    return [LiveColumn(i, n, given.get(n)) for i, n in enumerate(names)]


def test_the_header_as_the_version_has_it_has_no_drift() -> None:
    assert not drift(TARGET, live(*TARGET.header), IDS)


def test_a_header_renamed_by_hand_is_a_rename_not_a_drop_and_an_extra() -> None:
    columns = live(*TARGET.header)
    columns[1] = LiveColumn(1, "Status", "c2")
    found = drift(TARGET, columns, IDS)
    assert [(old, c.name) for old, c in found.renamed] == [("Estado", "Status")]
    assert not found.missing and not found.extra and not found.moved
    assert found.lines() == [
        "column c2, 'Estado' in 3.0, is now 'Status' at B of 'Operaciones': add the rename to "
        "the next version or put the header back"
    ]


def test_without_ids_a_renamed_header_is_a_missing_and_an_extra_column() -> None:
    found = drift(TARGET, live("TAG", "Status", "Cliente", "Linea", "version", ids={}), {})
    assert found.missing == ("Estado",)
    assert [c.name for c in found.extra] == ["Status"]


def test_a_column_dragged_elsewhere_is_moved_and_the_others_are_not() -> None:
    found = drift(TARGET, live("TAG", "Cliente", "Linea", "Estado", "version"), IDS)
    assert [(name, now) for name, _, now in found.moved] == [("Estado", 3)]
    assert "'Estado' is at D of 'Operaciones', out of version 3.0's order" in found.lines()[0]


def test_an_extra_column_moves_nothing_and_a_deleted_one_is_missing() -> None:
    found = drift(TARGET, live("TAG", "Nuevo", "Estado", "Linea", "version"), IDS)
    assert [c.name for c in found.extra] == ["Nuevo"]
    assert found.missing == ("Cliente",)
    assert not found.moved
    assert found.lines() == [
        "'Cliente' of version 3.0 is missing from 'Operaciones': put the column back, or drop it "
        "in the next version",
        "'Nuevo' at B of 'Operaciones' is not in version 3.0: add it to the next version, or "
        "delete the column",
    ]


def test_rename_move_extra_and_delete_at_once_are_each_reported() -> None:
    columns = [
        LiveColumn(0, "TAG", "c1"),
        LiveColumn(1, "Linea", "c4"),
        LiveColumn(2, "Status", "c2"),
        LiveColumn(3, "version", "c5"),
        LiveColumn(4, "Extra", None),
    ]
    found = drift(TARGET, columns, IDS)
    assert [(old, c.name) for old, c in found.renamed] == [("Estado", "Status")]
    assert [name for name, _, _ in found.moved] in (["Linea"], ["Estado"])
    assert found.missing == ("Cliente",)
    assert [c.name for c in found.extra] == ["Extra"]
    assert len(found.lines()) == 4
