"""Formulas whose meaning the columns step changes although Google relocates their references.

``find_dependents(formula, tab, cell, changed_sheet_title, requests)`` lists, for one formula,
each function argument that keeps pointing at the old position while the cells move (issue 13
items 3 and 7): a column or row number into a range an insert or move falls inside (the table
in ``formula_functions``), a string naming cells or columns of the migrated tab (INDIRECT,
ADDRESS, QUERY, IMPORTRANGE), and an unknown function whose plain numbers stand next to a
range that changes shape ("may shift"). A formula that does not tokenize is reported as
unreadable, never guessed.

Sources: Google relocates references but not numbers or strings ("the column index (4) in the
VLOOKUP hasn't changed. It's now searching in a different table", PerfectXL, "Structure changes:
columns and rows"; INDIRECT's text "is not adjusted like a normal reference"; QUERY's string is
its own syntax, sheets.wiki "QUERY"; google-behaviour.md). QUERY over a range names the
sheet's own column letters: "column IDs in a spreadsheet are always letters" (Query Language
reference, developers.google.com/chart/interactive/docs/querylanguage), "the physical column
name is always used ... when columns are inserted/remove[d] prior to the range, the QUERY fails
since the columns are different" (demmings/gsSQL issue 3); "QUERY can accept either "Col"
notation or "A, B" notation" (support.google.com/docs/answer/3093343), ``ColN`` counting from
the data's first column (unverified beyond the name). Which column a position names after the
step is ``formula_relocation``'s prediction. A position is judged exactly when it is a
literal: ``VLOOKUP(k, A:Z, 3)`` with columns inserted at F still names column C and is not
reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.formula_functions import (
    ADDRESS_COLUMN,
    ADDRESS_ROW,
    ADDRESS_SHEET,
    IMPORTRANGE_RANGE,
    MATCH_FUNCTIONS,
    POSITION_FUNCTIONS,
    QUERY_DATA,
    QUERY_STRING,
    RANGE_ONLY_FUNCTIONS,
    STRING_REFERENCE_FUNCTIONS,
    PositionArgument,
)
from pytest_sheetmigrate.formula_relocation import (
    COLUMNS,
    ROWS,
    Reference,
    column_index,
    dimension_changes,
    index_map,
    parse_reference,
    relocate,
)
from pytest_sheetmigrate.formula_shapes import Shapes, shape_key
from pytest_sheetmigrate.formula_text import (
    Argument,
    Call,
    ParsedFormula,
    UnreadableFormulaError,
    read_formula,
)

CHANGES: Final = "changes"
"""The argument now names another column or row: certain."""
MAY_SHIFT: Final = "may shift"
"""The argument may name another column or row: its value is not known from the text alone."""
UNREADABLE: Final = "unreadable"
"""The formula does not tokenize: nothing about it is known."""

AXIS_LIMIT: Final = 18_278
"""Indexes checked along an open-ended axis (a Google sheet has at most 18,278 columns)."""

_QUERY_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_QUERY_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_KEYWORD_TEXT: Final = (
    "and asc by contains date datetime desc ends false format group is label like limit "
    "matches no_format no_values not null offset options or order pivot select starts "
    "timeofday timestamp true where with"
)
_QUERY_KEYWORDS: Final = frozenset(_QUERY_KEYWORD_TEXT.split())
_ARRAY_OF_NUMBERS = re.compile(r"\{\s*[0-9]+(\s*[,;]\s*[0-9]+)*\s*\}")
_R1C1_COLUMN = re.compile(r"C([0-9]+)")
_REFERENCE_PIECE = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]*(:\$?[A-Za-z]{1,3}\$?[0-9]*)?")


@dataclass(frozen=True)
class Finding:
    """One argument whose meaning changes: where, which, why, and what to do."""

    tab: str
    cell: str
    formula: str
    function: str
    argument: int | None
    """1-based position of the argument concerned; None for the formula as a whole."""
    argument_text: str
    verdict: str
    """``CHANGES``, ``MAY_SHIFT`` or ``UNREADABLE``."""
    why: str
    what_to_do: str


@dataclass(frozen=True)
class _Step:
    """The columns step as index maps, and the tabs concerned."""

    own: str
    changed: str
    maps: Mapping[str, Callable[[int], int]]
    changed_axes: frozenset[str]
    requests: Sequence[Mapping[str, Any]]
    horizons: Mapping[str, int]
    """Per axis, an index past which every index moves by the same count: checking up to it
    (inclusive) is checking the whole axis."""

    def on_changed(self, reference: Reference | None) -> bool:
        return reference is not None and reference.on(self.own, self.changed)

    def moves(self, axis: str, index: int) -> bool:
        return axis in self.changed_axes and self.maps[axis](index) != index

    def new_first(self, reference: Reference, axis: str) -> int:
        first, _, anchored = reference.extent(axis)
        return 0 if anchored else self.maps[axis](first)

    def reshaped(self, reference: Reference, axis: str) -> bool:
        """True when the cells of ``reference`` along ``axis`` do not keep their relative
        positions: an insert falls strictly inside it, or a move takes cells across it."""
        if axis not in self.changed_axes:
            return False
        first, last, _ = reference.extent(axis)
        start = self.new_first(reference, axis)
        mapped = self.maps[axis]
        end = min(AXIS_LIMIT if last is None else last + 1, self.horizons[axis] + 1)
        return any(mapped(index) - start != index - first for index in range(first, end))


def find_dependents(
    formula: str,
    tab: str,
    cell: str,
    changed_sheet_title: str,
    requests: Sequence[Mapping[str, Any]],
) -> list[Finding]:
    """The findings for ``formula`` in ``tab``!``cell`` when ``requests`` (the columns step)
    run on ``changed_sheet_title``; empty when its meaning survives the step."""
    maps = {COLUMNS: index_map(requests, COLUMNS), ROWS: index_map(requests, ROWS)}
    axes = frozenset(axis for axis in (COLUMNS, ROWS) if dimension_changes(requests, axis))
    horizons = {axis: _horizon(dimension_changes(requests, axis)) for axis in (COLUMNS, ROWS)}
    step = _Step(tab, changed_sheet_title, maps, axes, requests, horizons)
    try:
        parsed = read_formula(formula)
    except UnreadableFormulaError as error:
        return [
            Finding(
                tab,
                cell,
                formula,
                "",
                None,
                "",
                UNREADABLE,
                str(error),
                "check this formula by hand after the migration",
            )
        ]
    report = _Report(tab, cell, formula)
    if axes:
        _check(parsed, step, report)
    return report.findings


def _horizon(changes: list[tuple[Any, ...]]) -> int:
    """An index beyond every index the changes name, even after the inserts before them."""
    named = max((index for change in changes for index in change[1:]), default=0)
    inserted = sum(change[2] for change in changes if change[0] == "insert")
    return named + inserted + 1


class DependentsScanner:
    """``find_dependents`` for the many formulas of one spreadsheet under one step.

    A column step's findings do not depend on the row numbers inside references (only on
    columns, numbers and strings), so a formula whose shape (``formula_shapes``), tab and
    digits outside its references match an earlier formula that had no findings has none
    either and is not analysed again: a formula column copied down costs one analysis.
    """

    def __init__(self, changed_sheet_title: str, requests: Sequence[Mapping[str, Any]]) -> None:
        self.changed = changed_sheet_title
        self.requests = list(requests)
        self._shapes = Shapes()
        self._quiet: set[tuple[Any, ...]] = set()
        self._cacheable = not dimension_changes(self.requests, ROWS)

    def find(self, formula: str, tab: str, cell: str) -> list[Finding]:
        """The findings for ``formula`` in ``tab``!``cell``."""
        key = self._key(formula, tab)
        if key is not None and key in self._quiet:
            return []
        findings = find_dependents(formula, tab, cell, self.changed, self.requests)
        if key is not None and not findings:
            self._quiet.add(key)
        return findings

    def _key(self, formula: str, tab: str) -> tuple[Any, ...] | None:
        if not self._cacheable:
            return None
        try:
            pieces, shape, _ = self._shapes.operands(formula)
        except UnreadableFormulaError:
            return None
        if shape is None:
            return None
        kept = tuple(
            piece for i, piece in enumerate(pieces) if i % 2 and i not in shape.operand_digits
        )
        return (tab.casefold(), shape_key(pieces), kept)


class _Report:
    def __init__(self, tab: str, cell: str, formula: str) -> None:
        self.tab, self.cell, self.formula = tab, cell, formula
        self.findings: list[Finding] = []

    def add_reference(self, text: str, why: str, what_to_do: str) -> None:
        self.findings.append(
            Finding(self.tab, self.cell, self.formula, "", None, text, MAY_SHIFT, why, what_to_do)
        )

    def add(self, call: Call, index: int | None, verdict: str, why: str, what_to_do: str) -> None:
        text = "" if index is None else call.arguments[index].text.strip()
        number = None if index is None else index + 1
        self.findings.append(
            Finding(
                self.tab, self.cell, self.formula, call.name, number, text, verdict, why, what_to_do
            )
        )


def _check(parsed: ParsedFormula, step: _Step, report: _Report) -> None:
    _check_moved_ranges(parsed, step, report)
    consistent_matches: set[int] = set()
    for call in parsed.calls:
        for position in POSITION_FUNCTIONS.get(call.name, ()):
            _check_positions(call, position, step, report, consistent_matches)
    for call in parsed.calls:
        if call.name in MATCH_FUNCTIONS:
            if id(call) not in consistent_matches:
                _check_match(call, step, report)
        elif call.name == "INDIRECT":
            _check_indirect(call, step, report)
        elif call.name == "ADDRESS":
            _check_address(call, step, report)
        elif call.name == "QUERY":
            _check_query(parsed, call, step, report)
        elif call.name == "IMPORTRANGE":
            _check_importrange(call, step, report)
        elif not _known(call.name):
            _check_unknown(call, step, report)


def _known(name: str) -> bool:
    return (
        name in POSITION_FUNCTIONS
        or name in MATCH_FUNCTIONS
        or name in STRING_REFERENCE_FUNCTIONS
        or name in RANGE_ONLY_FUNCTIONS
    )


def _reference(argument: Argument) -> Reference | None:
    operand = argument.range
    return None if operand is None else parse_reference(operand.text)


def _name(axis: str, index: int) -> str:
    return f"column {column_letter(index)}" if axis == COLUMNS else f"row {index + 1}"


# -- ranges whose cells a move changes --------------------------------------------------------


def _check_moved_ranges(parsed: ParsedFormula, step: _Step, report: _Report) -> None:
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


def _membership_change(first: int, last: int, step: _Step) -> tuple[list[int], list[int]]:
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


def _check_positions(
    call: Call,
    position: PositionArgument,
    step: _Step,
    report: _Report,
    consistent_matches: set[int],
) -> None:
    if position.axis not in step.changed_axes or position.into >= len(call.arguments):
        return
    holder = call.arguments[position.into]
    reference = _reference(holder)
    if reference is None:
        _check_composite_range(call, position, holder, step, report)
        return
    if not step.on_changed(reference):
        return
    for index in range(position.argument, len(call.arguments)):
        if position.covers(index) and call.arguments[index].text.strip():
            _check_one_position(call, index, position, reference, step, report, consistent_matches)


def _check_composite_range(
    call: Call, position: PositionArgument, holder: Argument, step: _Step, report: _Report
) -> None:
    """A position into an array literal, a nested call or a name: judged by its parts."""
    parts = [parse_reference(operand.text) for operand in _all_ranges(holder)]
    if any(step.on_changed(p) and step.reshaped(p, position.axis) for p in parts if p):
        report.add(
            call,
            position.argument,
            MAY_SHIFT,
            f"a {position.axis.lower()[:-1]} number into {holder.text.strip()}, built from ranges "
            "an insert or move falls inside; the number is not relocated",
            "check the number after the migration, or look the column up by its header (MATCH)",
        )


def _all_ranges(argument: Argument) -> list[Any]:
    found = list(argument.ranges)
    for call in argument.calls:
        for inner in call.arguments:
            found += _all_ranges(inner)
    return found


def _check_one_position(
    call: Call,
    index: int,
    position: PositionArgument,
    reference: Reference,
    step: _Step,
    report: _Report,
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


def _index_function_consistent(inner: Call, reference: Reference, axis: str, step: _Step) -> bool:
    """``COLUMN(Data!I1)`` (``ROW`` along rows) as a position: relocated with its cell, so it
    stays right while the range it indexes into starts where it did (at column A, typically)."""
    if inner.name != ("COLUMN" if axis == COLUMNS else "ROW") or len(inner.arguments) != 1:
        return False
    cell = _reference(inner.arguments[0])
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
    step: _Step,
    report: _Report,
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
        f"{number} names {_name(axis, target)} of {reference_text(call, position)} today; after "
        f"the step that {axis.lower()[:-1]} is {_name(axis, mapped(target))} and {number} names "
        f"{_name(axis, names_after)}, another one (Google does not rewrite numbers)",
        f"change {number} to {new_number}, or look the column up by its header (MATCH), or add "
        "the new columns after the last one so nothing shifts",
    )


def _match_consistent(match: Call, reference: Reference, axis: str, step: _Step) -> bool:
    """MATCH over a range on the same tab that starts where the outer range starts (along
    ``axis``) finds the key wherever it moved: the position it gives stays right."""
    argument = MATCH_FUNCTIONS[match.name]
    if argument >= len(match.arguments):
        return False
    inner = _reference(match.arguments[argument])
    if inner is None or not inner.on(step.own, reference.sheet or step.own):
        return False
    before = reference.extent(axis)[0] - inner.extent(axis)[0]
    return step.new_first(reference, axis) - step.new_first(inner, axis) == before


def _check_match(call: Call, step: _Step, report: _Report) -> None:
    argument = MATCH_FUNCTIONS[call.name]
    if argument >= len(call.arguments):
        return
    reference = _reference(call.arguments[argument])
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


# -- strings naming cells ---------------------------------------------------------------------


def _moved_reference(reference: Reference, step: _Step) -> bool:
    return any(
        (corner.column is not None and step.moves(COLUMNS, corner.column))
        or (corner.row is not None and step.moves(ROWS, corner.row))
        for corner in reference.corners
    ) or any(step.reshaped(reference, axis) for axis in step.changed_axes)


def _check_indirect(call: Call, step: _Step, report: _Report) -> None:
    if not call.arguments:
        return
    argument = call.arguments[0]
    text = argument.string
    if text is not None and _r1c1(call):
        _check_r1c1(call, text, step, report)
        return
    if text is not None:
        reference = parse_reference(text)
        if step.on_changed(reference) and _moved_reference(reference, step):  # type: ignore[arg-type]
            now = relocate(f"={text}", step.own, step.changed, step.requests)[1:]
            report.add(
                call,
                0,
                CHANGES,
                f'the text "{text}" is not relocated (INDIRECT text is not adjusted like a '
                f"reference); after the step those cells are {now}",
                f'write "{now}", or use the reference itself ({now}) instead of a string',
            )
        return
    pieces = argument.strings
    if not pieces or any(_names_changed_tab(piece, step) for piece in pieces):
        report.add(
            call,
            0,
            MAY_SHIFT,
            "the reference text is built at run time"
            + (" and names the migrated tab" if pieces else " (from another cell)")
            + "; Google does not relocate it",
            "check which cells it names after the migration",
        )


def _r1c1(call: Call) -> bool:
    """INDIRECT's second argument FALSE (or 0): the text is R1C1."""
    if len(call.arguments) < 2:
        return False
    flag = call.arguments[1].text.strip().upper()
    return flag in ("FALSE", "0")


def _check_r1c1(call: Call, text: str, step: _Step, report: _Report) -> None:
    """An absolute R1C1 text (``Data!R2C8``) naming a column that moves; a relative one
    (``R[1]C[2]``) or one that does not read is "may shift" when it is on the migrated tab."""
    sheet, _, cells = text.rpartition("!")
    title = sheet.strip("'").replace("''", "'") if sheet else step.own
    if title.casefold() != step.changed.casefold():
        return
    columns = [int(found) for found in _R1C1_COLUMN.findall(cells)]
    if not columns or "[" in cells:
        report.add(
            call,
            0,
            MAY_SHIFT,
            f'the R1C1 text "{text}" is not relocated',
            "check which cells it names after the migration",
        )
        return
    moved = [c for c in columns if step.moves(COLUMNS, c - 1)]
    if moved:
        after = ", ".join(f"C{c} -> C{step.maps[COLUMNS](c - 1) + 1}" for c in moved)
        report.add(
            call,
            0,
            CHANGES,
            f'the R1C1 text "{text}" names columns that move ({after}); it is not relocated',
            f"rewrite it with {after}",
        )


def _names_changed_tab(piece: str, step: _Step) -> bool:
    folded = piece.casefold()
    title = step.changed.casefold()
    if f"{title}!" in folded or f"'{title}'!" in folded:
        return True
    own_is_changed = step.own.casefold() == title
    return own_is_changed and _REFERENCE_PIECE.fullmatch(piece.strip()) is not None


def _check_address(call: Call, step: _Step, report: _Report) -> None:
    arguments = call.arguments
    if len(arguments) > ADDRESS_SHEET and arguments[ADDRESS_SHEET].text.strip():
        sheet = arguments[ADDRESS_SHEET].string
        if sheet is None or sheet.casefold() != step.changed.casefold():
            return
    elif step.own.casefold() != step.changed.casefold():
        return
    for index, axis in ((ADDRESS_ROW, ROWS), (ADDRESS_COLUMN, COLUMNS)):
        if index >= len(arguments) or axis not in step.changed_axes:
            continue
        number = arguments[index].number
        if number is None:
            report.add(
                call,
                index,
                MAY_SHIFT,
                f"a computed {axis.lower()[:-1]} number of the migrated tab; not relocated",
                "check which cell it names after the migration",
            )
        elif step.moves(axis, int(number) - 1):
            after = step.maps[axis](int(number) - 1)
            report.add(
                call,
                index,
                CHANGES,
                f"{int(number)} names {_name(axis, int(number) - 1)} of the migrated tab, which "
                f"becomes {_name(axis, after)}; the number is not relocated",
                f"change {int(number)} to {after + 1}",
            )


def _check_importrange(call: Call, step: _Step, report: _Report) -> None:
    if len(call.arguments) <= IMPORTRANGE_RANGE:
        return
    text = call.arguments[IMPORTRANGE_RANGE].string
    reference = parse_reference(text) if text else None
    if reference is None or reference.sheet is None:
        return
    if reference.sheet.casefold() == step.changed.casefold() and _moved_reference(reference, step):
        report.add(
            call,
            IMPORTRANGE_RANGE,
            MAY_SHIFT,
            f'the range text "{text}" names the migrated tab; if the URL is this spreadsheet '
            "(or a copy migrated the same way) its columns move and the text is not relocated",
            "update the range text after the migration",
        )


def _check_query(parsed: ParsedFormula, call: Call, step: _Step, report: _Report) -> None:
    if len(call.arguments) <= QUERY_STRING:
        return
    data = call.arguments[QUERY_DATA]
    parts = [r for r in (parse_reference(o.text) for o in _all_ranges(data)) if r]
    on_changed = [r for r in parts if step.on_changed(r)]
    imported = _imported_reference(data, step)
    if imported is not None:
        on_changed.append(imported)
    if not on_changed or not any(_moved_reference(r, step) for r in on_changed):
        return
    query = call.arguments[QUERY_STRING].string
    if query is None:
        report.add(
            call,
            QUERY_STRING,
            MAY_SHIFT,
            "the query text is built at run time over data on the migrated tab; not relocated",
            "check the column letters or ColN in the query after the migration",
        )
        return
    letters, numbers = _query_identifiers(query)
    single = _reference(data) if imported is None else imported
    if single is None or len(on_changed) != 1:
        if numbers or letters:
            report.add(
                call,
                QUERY_STRING,
                MAY_SHIFT,
                "the query names columns of data built from several ranges of the migrated tab",
                "check the query's columns after the migration",
            )
        return
    shifted = _shifted_query_columns(letters, numbers, single, imported is not None, step)
    if shifted:
        report.add(
            call,
            QUERY_STRING,
            CHANGES if imported is None else MAY_SHIFT,
            f"the query names {', '.join(old for old, _ in shifted)}, which become "
            f"{', '.join(new for _, new in shifted)}; Google does not rewrite the query text",
            "rewrite the query with " + ", ".join(f"{old} -> {new}" for old, new in shifted),
        )


def _imported_reference(data: Argument, step: _Step) -> Reference | None:
    call = data.call
    if call is None or call.name != "IMPORTRANGE" or len(call.arguments) <= IMPORTRANGE_RANGE:
        return None
    text = call.arguments[IMPORTRANGE_RANGE].string
    reference = parse_reference(text) if text else None
    if reference and reference.sheet and reference.sheet.casefold() == step.changed.casefold():
        return reference
    return None


def _query_identifiers(query: str) -> tuple[list[str], list[int]]:
    """Column letters and ColN numbers named by a query (quoted text and functions skipped)."""
    bare = _QUERY_QUOTED.sub(" ", query)
    letters: list[str] = []
    numbers: list[int] = []
    for match in _QUERY_WORD.finditer(bare):
        word = match.group()
        if bare[match.end() :].lstrip().startswith("(") or word.casefold() in _QUERY_KEYWORDS:
            continue
        if re.fullmatch(r"Col[0-9]+", word):
            numbers.append(int(word[3:]))
        elif re.fullmatch(r"[A-Z]{1,3}", word):
            letters.append(word)
    return letters, numbers


def _shifted_query_columns(
    letters: list[str], numbers: list[int], data: Reference, imported: bool, step: _Step
) -> list[tuple[str, str]]:
    mapped = step.maps[COLUMNS]
    shifted: list[tuple[str, str]] = []
    first, _, _ = data.extent(COLUMNS)
    if not imported:
        for letter in dict.fromkeys(letters):
            index = column_index(letter)
            if step.moves(COLUMNS, index):
                shifted.append((letter, column_letter(mapped(index))))
    start = step.new_first(data, COLUMNS)
    for number in dict.fromkeys(numbers):
        target = first + number - 1
        if mapped(target) != start + number - 1:
            shifted.append((f"Col{number}", f"Col{mapped(target) - start + 1}"))
    return shifted


# -- functions not in the table ---------------------------------------------------------------


def _check_unknown(call: Call, step: _Step, report: _Report) -> None:
    numbers = [i for i, argument in enumerate(call.arguments) if argument.number is not None]
    if not numbers:
        return
    for argument in call.arguments:
        reference = _reference(argument)
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
