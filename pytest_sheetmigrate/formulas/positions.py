"""The dependents checks of positions: column and row numbers into ranges (the table's
VLOOKUP, INDEX, OFFSET, CHOOSECOLS ...), MATCH results, unknown functions with numbers next to
a range that changes shape, and ranges whose cells a move changes. Sources: dependents.py.
"""

from __future__ import annotations

import re

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.formulas.findings import (
    AXIS_LIMIT,
    CHANGES,
    MAY_SHIFT,
    Report,
    StepMaps,
    all_ranges,
    argument_reference,
    named,
)
from pytest_sheetmigrate.formulas.functions import (
    MATCH_FUNCTIONS,
    PositionArgument,
)
from pytest_sheetmigrate.formulas.relocation import (
    COLUMNS,
    Reference,
    parse_reference,
)
from pytest_sheetmigrate.formulas.text import (
    Argument,
    Call,
    ParsedFormula,
)

_ARRAY_OF_NUMBERS = re.compile(r"\{\s*[0-9]+(\s*[,;]\s*[0-9]+)*\s*\}")

# -- ranges whose cells a move changes --------------------------------------------------------


def check_moved_ranges(parsed: ParsedFormula, step: StepMaps, report: Report) -> None:
    """A range whose corners follow their cells while a move takes columns out of it or puts
    old columns into it (``SUM(A:E)`` with J moved to C): its cells are not the same ones.
    New, inserted columns entering it are not reported (they hold nothing yet)."""
    if COLUMNS not in step.changed_axes:
        return
    for operand in parsed.ranges:
        reference = parse_reference(operand.text)
        if not step.on_changed(reference):
            continue
        assert reference is not None
        first, last, anchored = reference.extent(COLUMNS)
        if anchored or last is None:
            continue
        leaving, entering = _membership_change(first, last, step)
        if leaving or entering:
            report.add_reference(
                operand.text,
                f"a move changes its cells: {_letters(leaving)} leave it, {_letters(entering)} "
                "enter it (Google relocates the corners, not the columns between; unverified)",
                "check the range after the migration, or reference the columns by header",
            )


def _membership_change(first: int, last: int, step: StepMaps) -> tuple[list[int], list[int]]:
    """Old columns that leave the range's span after the step, and old columns that enter it."""
    mapped = step.maps[COLUMNS]
    low, high = sorted((mapped(first), mapped(last)))
    end = min(AXIS_LIMIT, max(step.horizons[COLUMNS], last) + 2)
    leaving = [c for c in range(first, last + 1) if not low <= mapped(c) <= high]
    entering = [c for c in range(end) if not first <= c <= last and low <= mapped(c) <= high]
    return leaving, entering


def _letters(columns: list[int]) -> str:
    return ", ".join(column_letter(c) for c in columns) or "none"


# -- positions into a range ---------------------------------------------------------------------


def check_positions(
    call: Call,
    position: PositionArgument,
    step: StepMaps,
    report: Report,
    consistent_matches: set[int],
) -> None:
    if position.axis not in step.changed_axes or position.into >= len(call.arguments):
        return
    holder = call.arguments[position.into]
    reference = argument_reference(holder)
    if reference is None:
        _check_composite_range(call, position, holder, step, report)
        return
    if not step.on_changed(reference):
        return
    for index in range(position.argument, len(call.arguments)):
        if position.covers(index) and call.arguments[index].text.strip():
            _check_one_position(call, index, position, reference, step, report, consistent_matches)


def _check_composite_range(
    call: Call, position: PositionArgument, holder: Argument, step: StepMaps, report: Report
) -> None:
    """A position into an array literal, a nested call or a name: judged by its parts."""
    parts = [parse_reference(operand.text) for operand in all_ranges(holder)]
    if any(step.on_changed(p) and step.reshaped(p, position.axis) for p in parts if p):
        report.add(
            call,
            position.argument,
            MAY_SHIFT,
            f"a {position.axis.lower()[:-1]} number into {holder.text.strip()}, built from ranges "
            "an insert or move falls inside; the number is not relocated",
            "check the number after the migration, or look the column up by its header (MATCH)",
        )


def _check_one_position(
    call: Call,
    index: int,
    position: PositionArgument,
    reference: Reference,
    step: StepMaps,
    report: Report,
    consistent_matches: set[int],
) -> None:
    argument = call.arguments[index]
    axis = position.axis
    number = argument.number
    if number is not None:
        _check_literal_position(call, index, int(number), position, reference, step, report)
        return
    if argument.string is not None:
        return  # a header name (DGET's field): found wherever the column moved
    if _ARRAY_OF_NUMBERS.fullmatch(argument.text.strip()):
        for value in argument.numbers:  # {2, 9}: each a position
            _check_literal_position(call, index, int(value), position, reference, step, report)
        return
    inner = argument.call
    matched = inner is not None and inner.name in MATCH_FUNCTIONS
    if matched and _match_consistent(inner, reference, axis, step):  # type: ignore[arg-type]
        consistent_matches.add(id(inner))
        return
    if inner is not None and _index_function_consistent(inner, reference, axis, step):
        return
    if step.reshaped(reference, axis):
        report.add(
            call,
            index,
            MAY_SHIFT,
            f"a computed {axis.lower()[:-1]} position into {reference_text(call, position)}, "
            "which an insert or move falls inside; the value is not relocated",
            "check it after the migration, or compute it with MATCH over the same range's header",
        )


def _index_function_consistent(
    inner: Call, reference: Reference, axis: str, step: StepMaps
) -> bool:
    """``COLUMN(Data!I1)`` (``ROW`` along rows) as a position: relocated with its cell, so it
    stays right while the range it indexes into starts where it did (at column A, typically)."""
    if inner.name != ("COLUMN" if axis == COLUMNS else "ROW") or len(inner.arguments) != 1:
        return False
    cell = argument_reference(inner.arguments[0])
    same_tab = cell is not None and cell.on(step.own, reference.sheet or step.own)
    return same_tab and step.new_first(reference, axis) == reference.extent(axis)[0]


def reference_text(call: Call, position: PositionArgument) -> str:
    return call.arguments[position.into].text.strip()


def _check_literal_position(
    call: Call,
    index: int,
    number: int,
    position: PositionArgument,
    reference: Reference,
    step: StepMaps,
    report: Report,
) -> None:
    axis = position.axis
    first, last, _ = reference.extent(axis)
    mapped = step.maps[axis]
    if number < 0 and position.from_end:
        if last is None:
            return
        target = last + number + 1
        names_after = mapped(last) + number + 1
        new_number = mapped(target) - mapped(last) - 1
    else:
        target = first + number - position.origin
        names_after = step.new_first(reference, axis) + number - position.origin
        new_number = mapped(target) - step.new_first(reference, axis) + position.origin
    if target < 0 or mapped(target) == names_after:
        return
    report.add(
        call,
        index,
        CHANGES,
        f"{number} names {named(axis, target)} of {reference_text(call, position)} today; after "
        f"the step that {axis.lower()[:-1]} is {named(axis, mapped(target))} and {number} names "
        f"{named(axis, names_after)}, another one (Google does not rewrite numbers)",
        f"change {number} to {new_number}, or look the column up by its header (MATCH), or add "
        "the new columns after the last one so nothing shifts",
    )


def _match_consistent(match: Call, reference: Reference, axis: str, step: StepMaps) -> bool:
    """MATCH over a range on the same tab that starts where the outer range starts (along
    ``axis``) finds the key wherever it moved: the position it gives stays right."""
    argument = MATCH_FUNCTIONS[match.name]
    if argument >= len(match.arguments):
        return False
    inner = argument_reference(match.arguments[argument])
    if inner is None or not inner.on(step.own, reference.sheet or step.own):
        return False
    before = reference.extent(axis)[0] - inner.extent(axis)[0]
    return step.new_first(reference, axis) - step.new_first(inner, axis) == before


def check_match(call: Call, step: StepMaps, report: Report) -> None:
    argument = MATCH_FUNCTIONS[call.name]
    if argument >= len(call.arguments):
        return
    reference = argument_reference(call.arguments[argument])
    if not step.on_changed(reference):
        return
    assert reference is not None
    for axis in sorted(step.changed_axes):
        if step.reshaped(reference, axis):
            report.add(
                call,
                argument,
                MAY_SHIFT,
                f"its result is a position in {call.arguments[argument].text.strip()}, which an "
                "insert or move falls inside: the position of a key right of the change grows",
                "check where its result is used as a column or row number",
            )
            return


# -- functions not in the table ---------------------------------------------------------------


def check_unknown(call: Call, step: StepMaps, report: Report) -> None:
    numbers = [i for i, argument in enumerate(call.arguments) if argument.number is not None]
    if not numbers:
        return
    for argument in call.arguments:
        reference = argument_reference(argument)
        if step.on_changed(reference) and any(
            step.reshaped(reference, axis)  # type: ignore[arg-type]
            for axis in step.changed_axes
        ):
            report.add(
                call,
                numbers[0],
                MAY_SHIFT,
                f"{call.name} is not in the function table; it takes the number "
                f"{call.arguments[numbers[0]].text.strip()} next to {argument.text.strip()}, "
                "which an insert or move falls inside: if the number is a position it now "
                "names another column",
                "check what the number means for this function",
            )
            return
