"""The seven verification checks: pure functions of snapshots and the schema.

Each takes a ``CheckInput`` and returns a ``CheckResult``. A failure's message names the column,
the first rows concerned (sheet row numbers) and what was expected; a success's message is a
one-line summary. Every row is covered: the snapshots digest all of them, there is no sampling.
Differences inside a column are located to the first differing block of 1,000 rows, not to the
exact cell (snapshots keep no cell values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.schema import Schema
from pytest_sheetmigrate.snapshot import ColumnSummary, Snapshot

Stage = Literal["columns", "init"]
"""Which mutating step the ``after`` snapshot follows."""


@dataclass(frozen=True)
class CheckInput:
    """What the checks compare: the source before, the sheet after a step, and the backup."""

    schema: Schema
    before: Snapshot
    after: Snapshot
    backup: Snapshot | None
    stage: Stage
    expected: Snapshot | None = None
    """``before`` with its formulas relocated as the columns step makes Google rewrite them
    (None: the same as ``before``)."""
    first_changed_cell: Callable[[str, int, int], str | None] | None = None
    """Given a column and the sheet rows of a block whose digests differ, its first changed cell
    told as ``Q14: expected formula "=L14*M14", found formula "=J14*K14"`` (reads the cells;
    None: not told)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str


def check_backup_matches_source(data: CheckInput) -> CheckResult:
    """The backup holds the sheet as it was: its cells, on its columns, are the sheet's after
    the step (formulas relocated as ``expected`` says), the comparison check 4 makes; so equal
    cells prove both that the backup matches the source and that no existing cell changed,
    without reading the source beside the copy. A backup that is ``before`` itself (read once
    for both) is compared the same way."""
    name = "backup_matches_source"
    backup, source = data.backup, data.before
    if backup is None:
        return CheckResult(
            name,
            False,
            "no backup snapshot to compare with the source; expected the backup step to have "
            "run first. Run the migration again so step 1 makes the backup.",
        )
    if backup.digest != source.digest:  # a copy read beside the source, and unlike it
        problems = _differences(source, backup, "source", "backup")
        return CheckResult(
            name,
            False,
            f"the backup differs from the source: {_first_few(problems)}. Expected a "
            "cell-for-cell copy: make a new backup (without --backup) or pass the key of a copy "
            "of this sheet.",
        )
    problems = _changed_data(data)
    if problems:
        return CheckResult(
            name,
            False,
            f"the sheet after the {data.stage} step does not hold the backup's cells: "
            f"{_first_few(problems)}. Expected the backup's cells on every column of the backup "
            "(formulas as Google relocates them); a cell changed since the backup was read (a "
            "person or another program editing the sheet meanwhile) is not in the backup, so "
            "the backup is not proven to be the sheet as it was, and the init step writes "
            "nothing. " + _changed_data_advice(data.stage),
        )
    return CheckResult(
        name,
        True,
        f"{_summary(backup)} of the backup (digest {backup.digest[:12]}) found unchanged "
        f"after the {data.stage} step",
    )


def check_header_matches_schema(data: CheckInput) -> CheckResult:
    name = "header_matches_schema"
    header, expected = list(data.after.header), data.schema.header
    if header == expected:
        return CheckResult(name, True, f"{len(header)} columns, in schema order")
    problems = [
        f'"{column}" is missing (expected in column {column_letter(index)})'
        for index, column in enumerate(expected)
        if column not in header
    ]
    problems += [
        f'"{column}" (column {column_letter(index)}) is not in the schema'
        for index, column in enumerate(header)
        if column not in expected
    ]
    if not problems:
        index = next(i for i, (a, b) in enumerate(zip(header, expected, strict=True)) if a != b)
        problems.append(
            f'column {column_letter(index)} is "{header[index]}", expected "{expected[index]}"'
        )
    return CheckResult(
        name,
        False,
        f'header of sheet "{data.schema.worksheet}" does not match {data.schema.path}: '
        f"{'; '.join(problems)}. Expected, in order: {', '.join(expected)}.",
    )


def check_row_count_preserved(data: CheckInput) -> CheckResult:
    name = "row_count_preserved"
    before, after = data.before.row_count, data.after.row_count
    if before == after:
        return CheckResult(name, True, f"{after:,} data rows before and after")
    return CheckResult(
        name,
        False,
        f"{_row_count_change(data.before, data.after)}; expected rows 2-{before + 1:,} to stay "
        f"through the {data.stage} step. "
        + (
            "If another program writes rows meanwhile, stop it and rerun; otherwise restore "
            "from the backup."
            if data.stage == "init"
            else "If another program wrote rows meanwhile, stop it and run pytest --migrate "
            "again: no cell was migrated yet, so it takes a new backup and starts over; "
            "otherwise restore from the backup."
        ),
    )


def check_existing_data_unchanged(data: CheckInput) -> CheckResult:
    name = "existing_data_unchanged"
    problems = _changed_data(data)
    if problems:
        return CheckResult(
            name,
            False,
            f"existing data changed after the {data.stage} step: {_first_few(problems)}. "
            "Expected every column to hold exactly its values from before, wherever it moved "
            "(formulas as Google relocates them). " + _changed_data_advice(data.stage),
        )
    return CheckResult(name, True, _summary(data.before) + " compared")


def _changed_data(data: CheckInput) -> list[str]:
    """What differs between the columns of ``before`` (its formulas relocated: ``expected``)
    and the same columns after the step, wherever they moved; the first changed cell named
    where the input can tell it."""
    before, after = data.before, data.after
    expected = data.expected or before
    problems = []
    for column in before.header:
        if not after.has_column(column):
            problems.append(f'column "{column}" is gone')
            continue
        if before.row_count != after.row_count:
            continue  # every column's digest differs: the row count says what changed
        old, new = expected.column(column), after.column(column)
        if old.digest != new.digest:
            rows = _first_differing_rows(before, old, new)
            cell = _first_changed_cell(data, column, before, old, new)
            problems.append(f'column "{column}": {rows} differ{cell}')
    if before.row_count != after.row_count:
        problems.insert(
            0,
            f"{_row_count_change(before, after)}, so the rows cannot be compared one for one",
        )
    return problems


def _changed_data_advice(stage: Stage) -> str:
    if stage == "init":
        return "Restore from the backup made in step 1."
    return (
        "If a person or another program changed them, run pytest --migrate again: no cell was "
        "migrated yet, so it takes a new backup and starts over; otherwise restore from the "
        "backup made in step 1."
    )


def check_new_columns_blank_or_default(data: CheckInput) -> CheckResult:
    name = "new_columns_blank_or_default"
    new = [column for column in data.after.header if not data.before.has_column(column)]
    problems = []
    for column in new:
        summary = data.after.column(column)
        default = data.schema.column(column).default if data.schema.has_column(column) else None
        if default is None:
            expected = "blank"
        elif data.stage == "columns":
            expected = f"blank or the default {default!r}"
        else:
            expected = f"the default {default!r}"
        if summary.unexpected_count:
            problems.append(
                f'column "{column}": {_n(summary.unexpected_count, "cell")} with another value '
                f"({_rows(summary.unexpected_rows, summary.unexpected_count)}); "
                f"expected {expected}"
            )
        if default is not None and data.stage == "init" and summary.blank_count:
            problems.append(
                f'column "{column}": {_n(summary.blank_count, "blank cell")} '
                f"({_rows(summary.blank_rows, summary.blank_count)}); expected {expected}"
            )
    if problems:
        return CheckResult(
            name,
            False,
            f"new columns after the {data.stage} step: {'; '.join(problems)}. "
            "Something else wrote into them: find what, then restore from the backup.",
        )
    if not new:
        return CheckResult(name, True, "no new columns")
    shown = ", ".join(new)
    return CheckResult(
        name, True, f"{len(new)} new columns ({shown}) as expected on {data.after.row_count:,} rows"
    )


def check_keys_present_and_unique(data: CheckInput) -> CheckResult:
    name = "keys_present_and_unique"
    keys, key = data.after.keys, data.schema.key
    if keys is None:
        return CheckResult(
            name, False, f'key column "{key}" is not in the header; expected it to stay.'
        )
    problems = []
    if keys.blank_count:
        problems.append(
            f"{_n(keys.blank_count, 'blank key')} ({_rows(keys.blank_rows, keys.blank_count)})"
        )
    if keys.duplicate_count:
        shown = ", ".join(f'"{value}" at rows {a} and {b}' for value, a, b in keys.duplicates)
        more = ", ..." if keys.duplicate_count > len(keys.duplicates) else ""
        problems.append(f"{_n(keys.duplicate_count, 'repeated key')}: {shown}{more}")
    if problems:
        return CheckResult(
            name,
            False,
            f'key column "{key}": {"; ".join(problems)}. Expected a unique key on every data '
            "row: fill in or correct those cells in the sheet.",
        )
    return CheckResult(
        name, True, f'{data.after.row_count:,} keys in "{key}", all present and unique'
    )


def check_values_match_types(data: CheckInput) -> CheckResult:
    name = "values_match_types"
    problems = []
    checked = 0
    for column in data.after.header:
        if not data.schema.has_column(column):
            continue
        checked += 1
        spec, summary = data.schema.column(column), data.after.column(column)
        if summary.type_mismatch_count:
            count = summary.type_mismatch_count
            shown = ", ".join(f"{row:,} ({value!r})" for row, value in summary.type_mismatches)
            where = "row" if count == 1 else "rows"
            more = ", ..." if count > len(summary.type_mismatches) else ""
            problems.append(
                f'column "{column}": {_n(count, "cell")} not {_a(spec.type)}, '
                f"at {where} {shown}{more}"
            )
        filled_later = data.stage == "columns" and not data.before.has_column(column)
        if spec.required and summary.blank_count and not filled_later:
            problems.append(
                f'column "{column}" is required but has {_n(summary.blank_count, "blank cell")} '
                f"({_rows(summary.blank_rows, summary.blank_count)})"
            )
    if problems:
        return CheckResult(
            name,
            False,
            f"{_first_few(problems)}. Expected every cell to match its type in "
            f"{data.schema.path}: fix those cells, or the column's type there.",
        )
    said = f"{data.after.row_count:,} rows, {checked} columns match their types"
    return CheckResult(name, True, said + _formulas_not_judged(data))


def _formulas_not_judged(data: CheckInput) -> str:
    """Formula cells of typed columns: the FORMULA read gives their text, not their value, so
    the type check leaves them out (docs/checks.md) and says so."""
    counts = [
        f'{_n(count, "formula cell")} in "{column}"'
        for column in data.after.header
        if data.schema.has_column(column) and data.schema.column(column).type != "string"
        for count in [data.after.column(column).formula_count]
        if count
    ]
    if not counts:
        return ""
    return f" (not judged: {', '.join(counts)}, whose computed values the FORMULA read omits)"


CHECKS: dict[str, Callable[[CheckInput], CheckResult]] = {
    "backup_matches_source": check_backup_matches_source,
    "header_matches_schema": check_header_matches_schema,
    "row_count_preserved": check_row_count_preserved,
    "existing_data_unchanged": check_existing_data_unchanged,
    "new_columns_blank_or_default": check_new_columns_blank_or_default,
    "keys_present_and_unique": check_keys_present_and_unique,
    "values_match_types": check_values_match_types,
}


def run_checks(data: CheckInput) -> list[CheckResult]:
    """Every check, in order."""
    return [check(data) for check in CHECKS.values()]


def _row_count_change(before: Snapshot, after: Snapshot) -> str:
    """How the data rows changed since the backup, said as such."""
    difference = after.row_count - before.row_count
    how = "added" if difference > 0 else "deleted"
    return (
        f"the sheet had {before.row_count:,} data rows at the backup and has "
        f"{after.row_count:,} now ({_n(abs(difference), 'row')} {how})"
    )


def _summary(snapshot: Snapshot) -> str:
    return f"{snapshot.row_count:,} rows, {len(snapshot.header)} columns"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _a(column_type: str) -> str:
    return ("an " if column_type[0] in "aeiou" else "a ") + column_type


def _rows(rows: Sequence[int], total: int) -> str:
    shown = ", ".join(f"{row:,}" for row in rows)
    if total == 1:
        return f"row {shown}"
    return f"rows {shown}" if total <= len(rows) else f"first at rows {shown}, ..."


def _first_few(problems: list[str], limit: int = 5) -> str:
    shown = "; ".join(problems[:limit])
    return shown if len(problems) <= limit else f"{shown}; and {len(problems) - limit} more"


def _first_differing_rows(snapshot: Snapshot, old: ColumnSummary, new: ColumnSummary) -> str:
    """Sheet rows of the first block whose digests differ (or where one column runs out)."""
    for block, (a, b) in enumerate(zip(old.block_digests, new.block_digests, strict=False)):
        if a != b:
            first, last = snapshot.block_rows_range(block)
            return f"rows {first:,}-{last:,}{_kind_change(old, new)}"
    shorter = min(len(old.block_digests), len(new.block_digests))
    first = shorter * snapshot.block_rows + 2
    return f"rows from {first:,} on (the row counts differ)"


def _first_changed_cell(
    data: CheckInput, column: str, snapshot: Snapshot, old: ColumnSummary, new: ColumnSummary
) -> str:
    """``, first at Q14: ...`` when the input can tell the cell (the first few columns only)."""
    blocks = zip(old.block_digests, new.block_digests, strict=False)
    block = next((i for i, (a, b) in enumerate(blocks) if a != b), None)
    if data.first_changed_cell is None or block is None:
        return ""
    told = data.first_changed_cell(column, *snapshot.block_rows_range(block))
    return f", first at {told}" if told else ""


def _kind_change(old: ColumnSummary, new: ColumnSummary) -> str:
    """What the formula counts say, when they differ: formulas turned into text (or back)."""
    if old.formula_count is None or new.formula_count is None:
        return ""
    if old.formula_count == new.formula_count:
        return ""
    return (
        f" (formulas: {old.formula_count:,} before, {new.formula_count:,} now; a formula "
        "became a value or text, or the other way round)"
    )


def _differences(expected: Snapshot, actual: Snapshot, left: str, right: str) -> list[str]:
    problems = []
    only_left = [c for c in expected.header if not actual.has_column(c)]
    only_right = [c for c in actual.header if not expected.has_column(c)]
    if only_left:
        problems.append(f"columns only in the {left}: {', '.join(only_left)}")
    if only_right:
        problems.append(f"columns only in the {right}: {', '.join(only_right)}")
    if not only_left and not only_right and expected.header != actual.header:
        problems.append(f"the columns are in another order in the {right}")
    if expected.row_count != actual.row_count:
        problems.append(
            f"{actual.row_count:,} data rows in the {right}, {expected.row_count:,} in the {left}"
        )
        return problems  # every column's digest differs then: the row count says what changed
    for column in expected.header:
        if actual.has_column(column):
            old, new = expected.column(column), actual.column(column)
            if old.digest != new.digest:
                rows = _first_differing_rows(expected, old, new)
                problems.append(f'column "{column}": {rows} differ')
    return problems
