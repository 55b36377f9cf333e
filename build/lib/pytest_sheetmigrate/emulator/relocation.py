"""Formulas of a whole spreadsheet following a structure change (see :mod:`formula_refs`).

Google rewrites the references of every formula in every tab when rows or columns of one tab
are inserted, deleted or moved (Tiller community, "Fixed vs. Dynamic Column References": "the
formula still works because Google Sheets automatically adapts cell range references"), when a
tab is deleted (its references become ``#REF!``) and when a tab is renamed. Each sheet's
formulas are rewritten in place through :meth:`grid.Sheet.rewrite_formulas` (copy-on-write
rows); texts are cached per call, and a sheet never given a formula is skipped outright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import formula_refs
from .grid import Change

if TYPE_CHECKING:
    from collections.abc import Callable

    from .grid import Sheet
    from .spreadsheet import Spreadsheet


def _cached(rewrite: Callable[[str], str]) -> Callable[[str], str]:
    seen: dict[str, str] = {}

    def cached(text: str) -> str:
        new = seen.get(text)
        if new is None:
            new = seen[text] = rewrite(text)
        return new

    return cached


def follow_dimension_change(
    spreadsheet: Spreadsheet, changed: Sheet, dimension: str, change: Change
) -> None:
    """Relocate every formula's references into `changed` after `change` along `dimension`."""
    title = changed.title
    for sheet in spreadsheet.sheets:
        sheet.rewrite_formulas(_relocator(sheet.title, title, sheet is changed, dimension, change))


def _relocator(
    own: str, title: str, same_sheet: bool, dimension: str, change: Change
) -> Callable[[str], str]:
    def relocate(text: str) -> str:
        if not same_sheet and not formula_refs.mentions(text, title):
            return text
        return formula_refs.relocate(text, own, title, dimension, change)

    return _cached(relocate)


def follow_sheet_deleted(spreadsheet: Spreadsheet, deleted: str) -> None:
    """References to the deleted tab `deleted` become ``#REF!`` in the remaining tabs."""

    def drop(text: str) -> str:
        if not formula_refs.mentions(text, deleted):
            return text
        return formula_refs.drop_sheet(text, deleted)

    rewrite = _cached(drop)
    for sheet in spreadsheet.sheets:
        sheet.rewrite_formulas(rewrite)


def follow_sheet_renamed(spreadsheet: Spreadsheet, old: str, new: str) -> None:
    """References qualified with the old title name the new one, in every tab."""

    def rename(text: str) -> str:
        if not formula_refs.mentions(text, old):
            return text
        return formula_refs.rename_sheet(text, old, new)

    rewrite = _cached(rename)
    for sheet in spreadsheet.sheets:
        sheet.rewrite_formulas(rewrite)
