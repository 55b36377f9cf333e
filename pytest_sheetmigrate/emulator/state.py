"""The shared state of one local Sheets server: :class:`SheetsState`. No HTTP, no operation.

What every service (:mod:`spreadsheets_ops`, :mod:`values_ops`, :mod:`drive`) works on: the
files (spreadsheets by id), the shared drives, the declared service accounts, and the random
source, clock and caller of the operation running now (set by ``SheetsBackend.execute``, under
:attr:`SheetsState.lock`). Also the helpers the services share: accounts and visibility
(sharing mode: who owns, who is shared with, which accounts are service accounts, the shared
drives and their members), the copy-on-write edit/commit pair, and new ids.

Committed objects are never changed in place (an operation edits a clone, see :meth:`edit`), so
:meth:`dump_state` is a cheap, stable snapshot.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from . import exceptions as errors
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


class SheetsState:
    """The files, drives and accounts of one server, and the current operation's context."""

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
        self.lock = threading.RLock()

    # --- the whole state --------------------------------------------------------------------

    def dump_state(self) -> Any:
        """A picklable snapshot (committed objects are never changed in place)."""
        with self.lock:
            return {
                "files": dict(self.files),
                "service_accounts": sorted(self.service_accounts),
                "shared_drives": copy.deepcopy(self.shared_drives),
            }

    def load_state(self, state: Any) -> None:
        with self.lock:
            self.files = dict(state["files"])
            self.service_accounts = set(self.initial_service_accounts)
            self.service_accounts.update(state.get("service_accounts", ()))
            self.shared_drives = copy.deepcopy(state.get("shared_drives", {}))

    def reset(self) -> None:
        """Forget every file, shared drive and account declared since the start."""
        with self.lock:
            self.files = {}
            self.shared_drives = {}
            self.service_accounts = set(self.initial_service_accounts)

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        """Give an account access to a spreadsheet (sharing mode)."""
        with self.lock:
            spreadsheet = self.files.get(file_id)
            if spreadsheet is None:
                raise errors.file_not_found(file_id)
            copy_ = spreadsheet.clone()
            copy_.permissions.append(self.permission(email, role))
            self.files[file_id] = copy_

    # --- helpers of the services -----------------------------------------------------------

    def new_id(self) -> str:
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

    def role(self, spreadsheet: Spreadsheet) -> str | None:
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

    def visible(self, spreadsheet: Spreadsheet) -> bool:
        return self.role(spreadsheet) is not None

    def can_edit(self, spreadsheet: Spreadsheet) -> bool:
        return self.role(spreadsheet) in _EDITING_ROLES

    def get(self, spreadsheet_id: str, *, drive: bool = False) -> Spreadsheet:
        spreadsheet = self.files.get(spreadsheet_id)
        if spreadsheet is None:
            raise errors.file_not_found(spreadsheet_id) if drive else errors.not_found()
        if not self.visible(spreadsheet):
            if drive:
                raise errors.file_not_found(spreadsheet_id)
            raise errors.permission_denied()
        return spreadsheet

    def edit(self, spreadsheet_id: str, *, drive: bool = False) -> Spreadsheet:
        """A working copy of a file the caller may change; a reader or commenter is refused
        (Sheets: 403 "The caller does not have permission", as a write with view-only access
        is answered in asweigart/ezsheets issue 12 and burnash/gspread issue 509)."""
        spreadsheet = self.get(spreadsheet_id, drive=drive)
        if not self.can_edit(spreadsheet):
            raise errors.insufficient_file_permissions() if drive else errors.permission_denied()
        return spreadsheet.clone()

    def commit(self, spreadsheet: Spreadsheet) -> None:
        refusal = spreadsheet.over_limits()  # every operation, whatever wrote the cells
        if refusal:
            raise errors.invalid_argument(refusal)
        spreadsheet.modified = timestamp(self.now)
        self.files[spreadsheet.spreadsheet_id] = spreadsheet

    def permission(self, email: str, role: str) -> dict[str, Any]:
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

    def new_spreadsheet(self, title: str, sheets: list[Sheet] | None = None) -> Spreadsheet:
        stamp = timestamp(self.now)
        spreadsheet = Spreadsheet(
            spreadsheet_id=self.new_id(),
            properties=default_properties(title),
            sheets=sheets
            or [Sheet(sheet_properties(0, "Sheet1", 0, DEFAULT_ROWS, DEFAULT_COLUMNS))],
            created=stamp,
            modified=stamp,
            owner=self.caller,
        )
        # Drive lists the owner's permission (role "owner") among a file's permissions.
        spreadsheet.permissions.append(self.permission(self.caller or LOCAL_ACCOUNT, "owner"))
        return spreadsheet
