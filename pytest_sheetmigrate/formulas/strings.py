"""The dependents checks of strings and numbers that name cells: INDIRECT's text (A1 or
R1C1), ADDRESS's numbers, QUERY's column letters and ColN, IMPORTRANGE's range text. Google
rewrites none of them. Sources: dependents.py.
"""

from __future__ import annotations

import re
from typing import Final

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.formulas.findings import (
    CHANGES,
    MAY_SHIFT,
    Report,
    StepMaps,
    all_ranges,
    argument_reference,
    moved_reference,
    named,
)
from pytest_sheetmigrate.formulas.functions import (
    ADDRESS_COLUMN,
    ADDRESS_ROW,
    ADDRESS_SHEET,
    IMPORTRANGE_RANGE,
    QUERY_DATA,
    QUERY_STRING,
)
from pytest_sheetmigrate.formulas.relocation import (
    COLUMNS,
    ROWS,
    Reference,
    column_index,
    parse_reference,
    relocate,
)
from pytest_sheetmigrate.formulas.text import (
    Argument,
    Call,
    ParsedFormula,
)

_QUERY_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_QUERY_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_KEYWORD_TEXT: Final = (
    "and asc by contains date datetime desc ends false format group is label like limit "
    "matches no_format no_values not null offset options or order pivot select starts "
    "timeofday timestamp true where with"
)
_QUERY_KEYWORDS: Final = frozenset(_QUERY_KEYWORD_TEXT.split())
_R1C1_COLUMN = re.compile(r"C([0-9]+)")
_REFERENCE_PIECE = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]*(:\$?[A-Za-z]{1,3}\$?[0-9]*)?")


# -- strings naming cells ---------------------------------------------------------------------


def check_indirect(call: Call, step: StepMaps, report: Report) -> None:
    if not call.arguments:
        return
    argument = call.arguments[0]
    text = argument.string
    if text is not None and _r1c1(call):
        _check_r1c1(call, text, step, report)
        return
    if text is not None:
        reference = parse_reference(text)
        if step.on_changed(reference) and moved_reference(reference, step):  # type: ignore[arg-type]
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


def _check_r1c1(call: Call, text: str, step: StepMaps, report: Report) -> None:
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


def _names_changed_tab(piece: str, step: StepMaps) -> bool:
    folded = piece.casefold()
    title = step.changed.casefold()
    if f"{title}!" in folded or f"'{title}'!" in folded:
        return True
    own_is_changed = step.own.casefold() == title
    return own_is_changed and _REFERENCE_PIECE.fullmatch(piece.strip()) is not None


def check_address(call: Call, step: StepMaps, report: Report) -> None:
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
                f"{int(number)} names {named(axis, int(number) - 1)} of the migrated tab, which "
                f"becomes {named(axis, after)}; the number is not relocated",
                f"change {int(number)} to {after + 1}",
            )


def check_importrange(call: Call, step: StepMaps, report: Report) -> None:
    if len(call.arguments) <= IMPORTRANGE_RANGE:
        return
    text = call.arguments[IMPORTRANGE_RANGE].string
    reference = parse_reference(text) if text else None
    if reference is None or reference.sheet is None:
        return
    if reference.sheet.casefold() == step.changed.casefold() and moved_reference(reference, step):
        report.add(
            call,
            IMPORTRANGE_RANGE,
            MAY_SHIFT,
            f'the range text "{text}" names the migrated tab; if the URL is this spreadsheet '
            "(or a copy migrated the same way) its columns move and the text is not relocated",
            "update the range text after the migration",
        )


def check_query(parsed: ParsedFormula, call: Call, step: StepMaps, report: Report) -> None:
    if len(call.arguments) <= QUERY_STRING:
        return
    data = call.arguments[QUERY_DATA]
    parts = [r for r in (parse_reference(o.text) for o in all_ranges(data)) if r]
    on_changed = [r for r in parts if step.on_changed(r)]
    imported = _imported_reference(data, step)
    if imported is not None:
        on_changed.append(imported)
    if not on_changed or not any(moved_reference(r, step) for r in on_changed):
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
    single = argument_reference(data) if imported is None else imported
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


def _imported_reference(data: Argument, step: StepMaps) -> Reference | None:
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
    letters: list[str], numbers: list[int], data: Reference, imported: bool, step: StepMaps
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
