"""What the spreadsheet's metadata says: its worksheets (``SheetInfo``) and stamps
(``SpreadsheetInfo``), as the gateway reads them and as a batchUpdate leaves them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import SheetAccessError
from .stamp import Stamps


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: int
    title: str
    row_count: int
    column_count: int
    merges: tuple[dict[str, Any], ...]
    stamps: Stamps = Stamps(())
    """The worksheet's own (sheet-located) stamps."""


@dataclass(frozen=True)
class SpreadsheetInfo:
    key: str
    title: str
    sheets: dict[str, SheetInfo]
    stamps: Stamps
    """The spreadsheet-level items: the lease, and the stamps older versions wrote there."""

    def stamps_of(self, sheet_id: int, *, legacy: bool) -> Stamps:
        """What the migration of worksheet ``sheet_id`` sees (:meth:`Stamps.for_worksheet`),
        found by its id, which stays when the tab is renamed or moved."""
        own = [sheet.stamps for sheet in self.sheets.values() if sheet.sheet_id == sheet_id]
        return self.stamps.for_worksheet(own[0] if own else Stamps((), sheet_id), legacy=legacy)

    def after(
        self, requests: list[dict[str, Any]], replies: list[dict[str, Any]]
    ) -> SpreadsheetInfo:
        """This spreadsheet once a batchUpdate of ``requests`` answered ``replies``: its stamps
        and each worksheet's, as they are then (no re-read)."""
        sheets = {
            title: replace(sheet, stamps=sheet.stamps.after(requests, replies))
            for title, sheet in self.sheets.items()
        }
        return replace(self, sheets=sheets, stamps=self.stamps.after(requests, replies))

    def sheet(self, title: str) -> SheetInfo:
        if title not in self.sheets:
            listed = ", ".join(repr(name) for name in self.sheets) or "none"
            raise SheetAccessError(
                f"spreadsheet {self.title!r} has no worksheet {title!r} (it has {listed}): "
                "fix `worksheet` in the schema file or pick the right --sheet"
            )
        return self.sheets[title]
