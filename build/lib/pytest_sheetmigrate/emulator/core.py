"""What every operation of the state model builds on: :class:`BackendCore`.

The state (spreadsheets by id), the random source and clock of the current operation, and the
helpers the operations share: accounts and visibility (sharing mode: who owns, who is shared with,
which accounts are service accounts, the shared drives and their members), the copy-on-write
edit/commit pair, new ids, and resolving A1 ranges (named ranges included) against a spreadsheet.
The operations themselves live in :mod:`models` (spreadsheets, batchUpdate, developer metadata,
copyTo), :mod:`values_ops` (values.*) and :mod:`drive` (Drive files, comments, permissions).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from . import a1
from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .grid import Sheet
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    LOCAL_ACCOUNT,
    Spreadsheet,
    default_properties,
    sheet_properties,
)

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"

SERVICE_ACCOUNT, USER = "service_account", "user"
ACCOUNT_TYPES = (SERVICE_ACCOUNT, USER)
# Shared-drive member roles (Drive v3 permissions reference); the first three may add files.
DRIVE_ROLES = ("organizer", "fileOrganizer", "writer", "commenter", "reader")
_EDITING_ROLES = frozenset({"owner", "organizer", "fileOrganizer", "writer"})


def timestamp(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def grid_limit_error(title: str, box: Box, sheet: Sheet) -> errors.ApiError:
    quoted = "'" + title.replace("'", "''") + "'"
    return errors.invalid_argument(
        f"Range ({quoted}!{a1.cells_a1(box)}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


class BackendCore:
    """The state of one server and the helpers its operations share (no operation here)."""

    def __init__(self, *, sharing: bool = False, service_accounts: Iterable[str] = ()) -> None:
        self.sharing = sharing
        self.rng = random.Random(0)
        self.now = datetime(2024, 1, 1, tzinfo=UTC)
        self.files: dict[str, Spreadsheet] = {}
        self.caller: str | None = None
        # Declared at start (server argument, --accounts file): kept by a reset.
        self.initial_service_accounts = frozenset(service_accounts)
        self.service_accounts: set[str] = set(self.initial_service_accounts)
        # Shared drives by id: {"id", "name", "members": {email: role}}.
        self.shared_drives: dict[str, dict[str, Any]] = {}

    # --- helpers ------------------------------------------------------------------------------

    def _new_id(self) -> str:
        return "1" + "".join(self.rng.choice(_ID_ALPHABET) for _ in range(43))

    def caller_is_service_account(self) -> bool:
        return self.sharing and self.caller is not None and self.caller in self.service_accounts

    def drive_role(self, drive_id: str) -> str | None:
        """The caller's role in a shared drive (None: not a member); everyone's with no caller."""
        drive = self.shared_drives.get(drive_id)
        if drive is None:
            return None
        if not self.sharing or self.caller is None:
            return "organizer"
        role: str | None = drive["members"].get(self.caller)
        return role

    def _role(self, spreadsheet: Spreadsheet) -> str | None:
        """The caller's role on a file: owner, a permission's role, or its shared drive's role."""
        if not self.sharing or self.caller is None:
            return "owner"
        if spreadsheet.drive_id is not None:
            drive_role = self.drive_role(spreadsheet.drive_id)
            if drive_role is not None:
                return drive_role
        elif spreadsheet.owner is None or self.caller == spreadsheet.owner:
            return "owner"
        for permission in spreadsheet.permissions:
            if permission.get("emailAddress") == self.caller or permission.get("type") == "anyone":
                return str(permission.get("role", "reader"))
        return None

    def _visible(self, spreadsheet: Spreadsheet) -> bool:
        return self._role(spreadsheet) is not None

    def can_edit(self, spreadsheet: Spreadsheet) -> bool:
        return self._role(spreadsheet) in _EDITING_ROLES

    def _get(self, spreadsheet_id: str, *, drive: bool = False) -> Spreadsheet:
        spreadsheet = self.files.get(spreadsheet_id)
        if spreadsheet is None:
            raise errors.file_not_found(spreadsheet_id) if drive else errors.not_found()
        if not self._visible(spreadsheet):
            if drive:
                raise errors.file_not_found(spreadsheet_id)
            raise errors.permission_denied()
        return spreadsheet

    def _edit(self, spreadsheet_id: str, *, drive: bool = False) -> Spreadsheet:
        """A working copy of a file the caller may change; a reader or commenter is refused
        (Sheets: 403 "The caller does not have permission", as a write with view-only access
        is answered in asweigart/ezsheets issue 12 and burnash/gspread issue 509)."""
        spreadsheet = self._get(spreadsheet_id, drive=drive)
        if not self.can_edit(spreadsheet):
            raise errors.insufficient_file_permissions() if drive else errors.permission_denied()
        return spreadsheet.clone()

    def _commit(self, spreadsheet: Spreadsheet) -> None:
        refusal = spreadsheet.over_limits()  # every operation, whatever wrote the cells
        if refusal:
            raise errors.invalid_argument(refusal)
        spreadsheet.modified = timestamp(self.now)
        self.files[spreadsheet.spreadsheet_id] = spreadsheet

    def _permission(self, email: str, role: str) -> dict[str, Any]:
        return {
            "kind": "drive#permission",
            "id": str(self.rng.randrange(10**19, 10**20)),
            "type": "user",
            "emailAddress": email,
            "role": role,
        }

    def new_sheet_id(self, spreadsheet: Spreadsheet) -> int:
        taken = {s.sheet_id for s in spreadsheet.sheets}
        while True:
            candidate = self.rng.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def new_int_id(self) -> int:
        return self.rng.randint(1, 2**31 - 1)

    def _new_spreadsheet(self, title: str, sheets: list[Sheet] | None = None) -> Spreadsheet:
        stamp = timestamp(self.now)
        spreadsheet = Spreadsheet(
            spreadsheet_id=self._new_id(),
            properties=default_properties(title),
            sheets=sheets
            or [Sheet(sheet_properties(0, "Sheet1", 0, DEFAULT_ROWS, DEFAULT_COLUMNS))],
            created=stamp,
            modified=stamp,
            owner=self.caller,
        )
        # Drive lists the owner's permission (role "owner") among a file's permissions.
        spreadsheet.permissions.append(self._permission(self.caller or LOCAL_ACCOUNT, "owner"))
        return spreadsheet

    def resolve_range(self, spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box]:
        """A range text against a spreadsheet: its sheet and box, open sides filled in."""
        try:
            parsed = a1.parse(text)
        except a1.RangeSyntaxError:
            named = self._sheet_qualified_named_range(spreadsheet, text)
            if named is None:
                raise errors.invalid_argument(f"Unable to parse range: {text}") from None
            return named
        if parsed.sheet is None:
            sheet = spreadsheet.sheets[0]
        else:
            found = spreadsheet.sheet_by_title(parsed.sheet)
            if found is None:
                named = self._named_range_box(spreadsheet, parsed)
                if named is None:
                    raise errors.invalid_argument(f"Unable to parse range: {text}")
                return named
            sheet = found
        return sheet, a1.resolve(parsed, sheet.row_count, sheet.col_count)

    def _sheet_qualified_named_range(
        self, spreadsheet: Spreadsheet, text: str
    ) -> tuple[Sheet, Box] | None:
        """``'Sheet1'!MyRange``, as gspread's ``Worksheet.get("MyRange")`` sends it, is the named
        range, wherever it lies: gspread's ``Spreadsheet.named_range`` reads any named range
        through the first sheet (gspread PR 941, issue 876). Unverified: whether Google checks
        that the sheet named exists (it is required here)."""
        try:
            title, cells = a1.split_sheet(text)
        except a1.RangeSyntaxError:
            return None
        if title is None or cells is None or spreadsheet.sheet_by_title(title) is None:
            return None
        return self._named_range_box(spreadsheet, a1.A1Range(sheet=cells))

    def _named_range_box(
        self, spreadsheet: Spreadsheet, parsed: a1.A1Range
    ) -> tuple[Sheet, Box] | None:
        if parsed.start_row is not None or parsed.start_col is not None:
            return None
        for named in spreadsheet.named_ranges:
            if named["name"] == parsed.sheet:
                grid = named["range"]
                sheet = spreadsheet.sheet_by_id(grid.get("sheetId", 0))
                if sheet is None:
                    return None
                return sheet, Box(
                    grid.get("startRowIndex", 0),
                    grid.get("endRowIndex", sheet.row_count),
                    grid.get("startColumnIndex", 0),
                    grid.get("endColumnIndex", sheet.col_count),
                )
        return None

    def _read_box(self, spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box]:
        sheet, box = self.resolve_range(spreadsheet, text)
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            raise grid_limit_error(sheet.title, box, sheet)
        return sheet, box

    @staticmethod
    def _mask(fields: str | None) -> masks.Mask | None:
        if not fields:
            return None
        try:
            return masks.parse(fields)
        except masks.MaskSyntaxError:
            raise errors.invalid_argument(f"Invalid field selection {fields}") from None
