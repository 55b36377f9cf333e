"""Drift: how a worksheet's live header differs from the head version's target.

A column is matched by its identity first (the column-located developer-metadata id the tool
gives each column it manages; it moves with its column), then by its header. So a header renamed
by hand is reported as a rename, not as a dropped and a new column; a column dragged elsewhere as
moved. Moved means out of the target's order: the largest set of matched columns already in
order stays put, the others moved (an added column alone moves nothing).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..a1 import column_letter
from ..schema import Schema


@dataclass(frozen=True)
class LiveColumn:
    index: int  # 0-based
    name: str
    column_id: str | None = None


@dataclass(frozen=True)
class Drift:
    version: str
    worksheet: str
    missing: tuple[str, ...] = ()
    extra: tuple[LiveColumn, ...] = ()
    renamed: tuple[tuple[str, LiveColumn], ...] = ()  # (name at the version, the column now)
    moved: tuple[tuple[str, int, int], ...] = ()  # (name, position in target, index now)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.renamed or self.moved)

    def lines(self) -> list[str]:
        """One sentence per difference, each with the way to resolve it."""
        at = f"{self.worksheet!r}"
        said = [
            f"column {column.column_id}, {old!r} in {self.version}, is now {column.name!r} at "
            f"{column_letter(column.index)} of {at}: add the rename to the next version or put "
            "the header back"
            for old, column in self.renamed
        ]
        said += [
            f"{name!r} of version {self.version} is missing from {at}: put the column back, or "
            "drop it in the next version"
            for name in self.missing
        ]
        said += [
            f"{column.name!r} at {column_letter(column.index)} of {at} is not in version "
            f"{self.version}: add it to the next version, or delete the column"
            for column in self.extra
        ]
        said += [
            f"{name!r} is at {column_letter(now)} of {at}, out of version {self.version}'s order "
            f"(its column {position + 1} of {self.version}): the next migration moves it back, or "
            "give the new order in the next version"
            for name, position, now in self.moved
        ]
        return said


def drift(
    target: Schema, live: Sequence[LiveColumn], ids: Mapping[str, str] | None = None
) -> Drift:
    """``target``: the head version's schema of the worksheet; ``live``: its header now, with the
    column ids found on it; ``ids``: each target column's id (name at the version -> id)."""
    by_id = {column_id: name for name, column_id in (ids or {}).items()}
    matched: dict[str, LiveColumn] = {}
    renamed: list[tuple[str, LiveColumn]] = []
    unmatched: list[LiveColumn] = []
    for column in live:
        name = by_id.get(column.column_id or "")
        if name is not None and name not in matched:
            matched[name] = column
            if column.name != name:
                renamed.append((name, column))
        else:
            unmatched.append(column)
    extra = []
    for column in unmatched:
        if target.has_column(column.name) and column.name not in matched:
            matched[column.name] = column
        else:
            extra.append(column)
    missing = tuple(name for name in target.header if name not in matched)
    order = {name: position for position, name in enumerate(target.header)}
    in_live_order = sorted(matched.items(), key=lambda item: item[1].index)
    staying = _longest_in_order([order[name] for name, _ in in_live_order])
    moved = tuple(
        (name, order[name], column.index)
        for i, (name, column) in enumerate(in_live_order)
        if i not in staying
    )
    return Drift(target.name, target.worksheet, missing, tuple(extra), tuple(renamed), moved)


def _longest_in_order(positions: list[int]) -> set[int]:
    """Indexes into ``positions`` of one longest increasing subsequence (patience sorting)."""
    tails: list[int] = []  # index of the smallest tail of a run of length k + 1
    tail_values: list[int] = []  # positions[tails[k]], kept sorted for the bisection
    before: list[int | None] = []
    for i, position in enumerate(positions):
        k = bisect_left(tail_values, position)
        before.append(tails[k - 1] if k else None)
        if k == len(tails):
            tails.append(i)
            tail_values.append(position)
        else:
            tails[k], tail_values[k] = i, position
    kept: set[int] = set()
    at = tails[-1] if tails else None
    while at is not None:
        kept.add(at)
        at = before[at]
    return kept
