"""Drive v3 operations of the state model: :class:`DriveService`.

The subset gspread and this project use: files create (spreadsheets only), get (``fields``),
copy, delete, list (``q`` by name, mimeType, trashed; see :mod:`drive_query`; ordered by
modification time, newest first; ``pageSize``/``pageToken``), export (``text/csv`` of the first
sheet only), the empty comments list, permissions create/list/delete, and gspread's
``import_csv`` (Drive v2 media upload with conversion: the CSV replaces every sheet).

Accounts (sharing mode): a declared service account owns no file: its ``files.create`` and
``files.copy`` answer 403 ``storageQuotaExceeded`` unless the new file goes into a shared drive
it may add files to. Shared drives are minimal: made through the control API
(:meth:`DriveService.create_drive`), they hold files (``driveId``, ``parents``) that
their members see; ``files.list`` takes ``corpora``, ``driveId``, ``includeItemsFromAllDrives``
and refuses their combinations as Drive does. A file of a shared drive is reached by id only with
``supportsAllDrives=true`` (else 404, as Drive answers).

Not implemented: folders (a ``parents`` entry that is not a shared drive is an unknown file: 404),
trash, revisions, real comments, export formats other than CSV, permission updates, the
``drives.*`` methods, the inherited permissions of shared-drive files.
"""

from __future__ import annotations

import copy
import csv
import io
import string
from typing import Any

from . import cells
from . import exceptions as errors
from . import fields as masks
from .drive_query import compile_query
from .grid import Sheet
from .ranges import response_mask
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    LOCAL_ACCOUNT,
    SPREADSHEET_MIME,
    Spreadsheet,
    sheet_properties,
)
from .state import ACCOUNT_TYPES, DRIVE_ROLES, SERVICE_ACCOUNT, SheetsState, timestamp

_DRIVE_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
# Roles that may add files to a shared drive ("contributor" and above).
_ADDING_ROLES = frozenset({"organizer", "fileOrganizer", "writer"})
# Drive v3 files.list: "The driveId parameter must be specified if and only if corpora is set to
# drive." (reason teamDriveIdRequiresTeamDriveCorpora, googleapis/google-api-php-client issue
# 1825; its HTTP code is not shown there: 403 like the next one, unverified) and
# nithinmurali/pygsheets issue 437 (HttpError 403 on corpora=drive).
_DRIVE_ID_NEEDS_CORPORA = (
    "The driveId parameter must be specified if and only if corpora is set to drive."
)
_INCLUDE_ITEMS_NEEDED = (
    "The includeItemsFromAllDrives parameter must be set to true when driveId is specified or "
    "corpora contains drive or allDrives."
)

# Drive's conversion rebuilds a spreadsheet in the account's Drive time zone; a service
# account's is Google's default (recordings).
IMPORT_TIME_ZONE = "America/Los_Angeles"


class DriveService:
    """The Drive operations on the shared state (see the module docstring)."""

    def __init__(self, state: SheetsState) -> None:
        self.state = state

    def _drive_file(self, spreadsheet: Spreadsheet) -> dict[str, Any]:
        file: dict[str, Any] = {
            "kind": "drive#file",
            "id": spreadsheet.spreadsheet_id,
            "name": spreadsheet.title,
            "mimeType": SPREADSHEET_MIME,
            "createdTime": spreadsheet.created,
            "modifiedTime": spreadsheet.modified,
            "trashed": False,
        }
        if spreadsheet.drive_id is not None:
            # "driveId: ... Only populated for items in shared drives" (Drive v3 File); a
            # shared drive's items have no owners.
            file["driveId"] = spreadsheet.drive_id
            file["parents"] = [spreadsheet.drive_id]
        else:
            file["owners"] = [{"emailAddress": spreadsheet.owner}] if spreadsheet.owner else []
        return file

    _CREATE_KEYS = ("kind", "id", "name", "mimeType")

    def _file_answer(self, spreadsheet: Spreadsheet, mask: masks.Mask | None) -> dict[str, Any]:
        """A files.create/copy answer: kind, id, name, mimeType (recordings ClientTest.test_create,
        test_copy), or exactly the fields a ``fields`` mask names."""
        file = self._drive_file(spreadsheet)
        if mask is None:
            return {k: file[k] for k in self._CREATE_KEYS}
        return masks.select(file, mask)

    def _file(self, file_id: str, supports_all_drives: bool | None) -> Spreadsheet:
        """A visible file by id; a shared drive's file only for a caller supporting all drives
        ("By default the Drive v3 API scopes every request to My Drive only; items on a Shared
        Drive are ... reported as 404 notFound", plotlinelabs/loma PR 111)."""
        spreadsheet = self.state.get(file_id, drive=True)
        if spreadsheet.drive_id is not None and not supports_all_drives:
            raise errors.file_not_found(file_id)
        return spreadsheet

    def _destination(
        self, parents: Any, supports_all_drives: bool | None, inherited: str | None = None
    ) -> str | None:
        """The shared drive a new file goes into (None: the caller's My Drive), checked.

        A service account owns no file: "Service accounts don't have storage quota and can't
        own any files. Instead, they must upload files and folders into shared drives" (Google
        Drive documentation, quoted in n8n-io/n8n issue 26050).
        """
        drive_id = inherited
        if parents:
            parent = str(list(parents)[0])
            # Without supportsAllDrives, or for a drive the caller is not in, the parent is
            # unknown: 404 "File not found: <parent>." (PipedreamHQ/pipedream issue 2381,
            # querylab/lazywarden PR 29).
            if not supports_all_drives or self.state.drive_role(parent) is None:
                raise errors.file_not_found(parent)
            drive_id = parent
        if drive_id is not None and self.state.drive_role(drive_id) not in _ADDING_ROLES:
            raise errors.insufficient_file_permissions()
        if drive_id is None and self.state.caller_is_service_account():
            raise errors.storage_quota_exceeded()
        return drive_id

    def files_create(
        self,
        body: dict[str, Any] | None = None,
        supports_all_drives: bool | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        body = body or {}
        mime = body.get("mimeType")
        if mime != SPREADSHEET_MIME:
            raise errors.ApiError(
                400,
                "INVALID_ARGUMENT",
                "Only Google Sheets files can be created on this server.",
                drive_reason="badRequest",
            )
        drive_id = self._destination(body.get("parents"), supports_all_drives)
        spreadsheet = self.state.new_spreadsheet(body.get("name") or "Untitled spreadsheet")
        if drive_id is not None:
            spreadsheet.drive_id, spreadsheet.permissions = drive_id, []
        self.state.commit(spreadsheet)
        return self._file_answer(spreadsheet, mask)

    def files_get(
        self,
        file_id: str,
        fields: str | None = None,
        supports_all_drives: bool | None = None,
    ) -> dict[str, Any]:
        file = self._drive_file(self._file(file_id, supports_all_drives))
        if not fields:
            return {k: file[k] for k in self._CREATE_KEYS}
        return masks.select(file, response_mask(fields))

    def files_copy(
        self,
        file_id: str,
        body: dict[str, Any] | None = None,
        supports_all_drives: bool | None = None,
        fields: str | None = None,
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        source = self._file(file_id, supports_all_drives)
        body = body or {}
        # "If not specified as part of a copy request, the file inherits any discoverable parent
        # of the source file" (Drive v3 File.parents): a copy of a shared drive's file stays in
        # that drive when the caller is one of its members.
        inherited = source.drive_id if self.state.drive_role(source.drive_id or "") else None
        drive_id = self._destination(body.get("parents"), supports_all_drives, inherited)
        copied = source.clone()
        copied.spreadsheet_id = self.state.new_id()
        copied.properties["title"] = body.get("name") or f"Copy of {source.title}"
        copied.created = copied.modified = timestamp(self.state.now)
        copied.owner = self.state.caller or source.owner
        copied.drive_id = drive_id
        copied.permissions = (
            [] if drive_id else [self.state.permission(copied.owner or LOCAL_ACCOUNT, "owner")]
        )
        self.state.commit(copied)
        return self._file_answer(copied, mask)

    def files_delete(self, file_id: str, supports_all_drives: bool | None = None) -> dict[str, Any]:
        """ "Permanently deletes a file owned by the user ... If the file belongs to a shared
        drive, the user must be an organizer" (Drive v3 files.delete reference): anyone else
        with access is refused 403 insufficientFilePermissions (message unverified)."""
        spreadsheet = self._file(file_id, supports_all_drives)
        if self.state.role(spreadsheet) not in ("owner", "organizer"):
            raise errors.insufficient_file_permissions()
        del self.state.files[file_id]
        return {}

    def _in_corpora(
        self, spreadsheet: Spreadsheet, corpora: set[str], drive_id: str | None, all_drives: bool
    ) -> bool:
        """Whether a file is in the searched collection (Drive v3 files.list ``corpora``).

        ``user`` (and ``domain``, approximated as ``user``): My Drive files the caller owns or
        that are shared with it, and with ``includeItemsFromAllDrives`` the shared-drive files it
        created ("If a user has permissions on a shared drive, the files inside it won't be
        retrieved unless the user has created, opened, or shared the file", Drive v3 files.list
        reference of ``corpus=user``, in Google.Apis.Drive.v3 1.49: opening and sharing are not
        tracked here). ``drive``: the files of
        ``driveId``. ``allDrives``: ``user`` and every file of the caller's shared drives.
        """
        if not self.state.visible(spreadsheet):
            return False
        if spreadsheet.drive_id is None:
            return bool(corpora & {"user", "domain", "allDrives"})
        if "drive" in corpora and spreadsheet.drive_id == drive_id:
            return True
        if "allDrives" in corpora:
            return True
        return (
            all_drives
            and bool(corpora & {"user", "domain"})
            and (spreadsheet.owner == self.state.caller)
        )

    def files_list(
        self,
        q: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        fields: str | None = None,
        corpora: str | None = None,
        drive_id: str | None = None,
        include_items_from_all_drives: bool | None = None,
    ) -> dict[str, Any]:
        searched = {c.strip() for c in (corpora or "user").split(",") if c.strip()}
        if (drive_id is not None) != ("drive" in searched):
            raise errors.ApiError(
                403,
                "PERMISSION_DENIED",
                _DRIVE_ID_NEEDS_CORPORA,
                drive_reason="teamDriveIdRequiresTeamDriveCorpora",
            )
        if (drive_id is not None or searched & {"drive", "allDrives"}) and not (
            include_items_from_all_drives
        ):
            # nithinmurali/pygsheets issue 437: HttpError 403 with this message; the reason
            # is not shown there (unverified).
            raise errors.ApiError(
                403, "PERMISSION_DENIED", _INCLUDE_ITEMS_NEEDED, drive_reason="forbidden"
            )
        if drive_id is not None and self.state.drive_role(drive_id) is None:
            # RobinBobin/react-native-google-drive-api-wrapper issue 19.
            raise errors.ApiError(
                404,
                "NOT_FOUND",
                f"Shared drive not found: {drive_id}",
                drive_reason="notFound",
                drive_location="driveId",
            )
        matches = compile_query(q or "")
        all_drives = bool(include_items_from_all_drives)
        found = [
            self._drive_file(s)
            for s in sorted(self.state.files.values(), key=lambda s: s.modified, reverse=True)
            if self._in_corpora(s, searched, drive_id, all_drives) and matches(self._drive_file(s))
        ]
        size = int(page_size or 100)
        start = int(page_token or 0)
        page = found[start : start + size]
        out: dict[str, Any] = {"kind": "drive#fileList"}
        if start + size < len(found):
            out["nextPageToken"] = str(start + size)
        out["files"] = page
        mask = response_mask(fields)
        if mask is None:
            out["files"] = [{k: f[k] for k in self._CREATE_KEYS} for f in page]
            out["incompleteSearch"] = False
            return out
        return masks.select(out, mask)

    def files_export(self, file_id: str, mime_type: str | None = None) -> bytes:
        spreadsheet = self.state.get(file_id, drive=True)
        if mime_type not in ("text/csv", None):
            raise errors.ApiError(
                400,
                "INVALID_ARGUMENT",
                f"Export to {mime_type} is not supported by this server (only text/csv).",
                drive_reason="badRequest",
            )
        sheet = spreadsheet.sheets[0]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in sheet.read(sheet.used_box()):
            writer.writerow([str(v) for v in row])
        return buffer.getvalue().rstrip("\r\n").encode("utf-8")

    def files_import(
        self, file_id: str, data: str, content_type: str | None = None
    ) -> dict[str, Any]:
        """gspread's import_csv: replace the spreadsheet's sheets by one holding the CSV."""
        spreadsheet = self.state.edit(file_id, drive=True)
        rows = [list(r) for r in csv.reader(io.StringIO(data))]
        cols = max([DEFAULT_COLUMNS, *(len(r) for r in rows)])
        sheet = Sheet(
            sheet_properties(
                self.state.new_sheet_id(spreadsheet),
                spreadsheet.title,
                0,
                max(DEFAULT_ROWS, len(rows)),
                cols,
            )
        )
        sheet.write(0, 0, [[cells.from_user_entered(v) for v in row] for row in rows])
        spreadsheet.sheets = [sheet]
        spreadsheet.properties["timeZone"] = IMPORT_TIME_ZONE
        spreadsheet.named_ranges = []
        spreadsheet.developer_metadata = [
            m for m in spreadsheet.developer_metadata if m["location"].get("spreadsheet")
        ]
        self.state.commit(spreadsheet)
        return {
            "kind": "drive#file",
            "id": file_id,
            "title": spreadsheet.title,
            "mimeType": SPREADSHEET_MIME,
        }

    def comments_list(self, file_id: str) -> dict[str, Any]:
        self.state.get(file_id, drive=True)
        return {"comments": []}

    def permissions_create(self, file_id: str, body: dict[str, Any]) -> dict[str, Any]:
        spreadsheet = self.state.edit(file_id, drive=True)
        permission = self.state.permission(body.get("emailAddress", ""), body.get("role", "reader"))
        permission["type"] = body.get("type", "user")
        spreadsheet.permissions.append(permission)
        self.state.commit(spreadsheet)
        return {k: permission[k] for k in ("kind", "id", "type", "role")}

    def permissions_list(self, file_id: str) -> dict[str, Any]:
        """The file's permissions, the owner's (role ``owner``) first: every file but a shared
        drive's has one (Drive v3 Permission: "owner" among the roles a permission grants)."""
        spreadsheet = self.state.get(file_id, drive=True)
        return {
            "kind": "drive#permissionList",
            "permissions": copy.deepcopy(spreadsheet.permissions),
        }

    def permissions_delete(self, file_id: str, permission_id: str) -> dict[str, Any]:
        spreadsheet = self.state.edit(file_id, drive=True)
        kept = [p for p in spreadsheet.permissions if p["id"] != permission_id]
        if len(kept) == len(spreadsheet.permissions):
            raise errors.ApiError(
                404,
                "NOT_FOUND",
                f"Permission not found: {permission_id}.",
                drive_reason="notFound",
                drive_location="permissionId",
            )
        spreadsheet.permissions = kept
        self.state.commit(spreadsheet)
        return {}

    # --- accounts and shared drives (the control API) ----------------------------------------

    def declare_account(self, email: object = None, type: str = "user") -> dict[str, Any]:  # noqa: A002
        """Declare an account a service account or a user (sharing mode's accounts)."""
        if not isinstance(email, str) or not email or type not in ACCOUNT_TYPES:
            raise errors.invalid_argument(
                f'An account is {{"email": "<e-mail>", "type": one of {list(ACCOUNT_TYPES)}}}.'
            )
        if type == SERVICE_ACCOUNT:
            self.state.service_accounts.add(email)
        else:
            self.state.service_accounts.discard(email)
        return {"email": email, "type": type}

    def create_drive(
        self, name: object = "Shared drive", members: Any = None, drive_id: object = None
    ) -> dict[str, Any]:
        """A shared drive with its members (``[{"email", "role"}]``, roles of DRIVE_ROLES); a
        new id unless ``drive_id`` is given."""
        found: dict[str, str] = {}
        for member in members or []:
            role = member.get("role", "writer") if isinstance(member, dict) else None
            if role not in DRIVE_ROLES or not isinstance(member.get("email"), str):
                raise errors.invalid_argument(
                    f'A member is {{"email": "<e-mail>", "role": one of {list(DRIVE_ROLES)}}}.'
                )
            found[member["email"]] = role
        if drive_id:
            new_id = str(drive_id)
        else:
            # Shared drive ids: 19 characters, "0A" ... "Uk9PVA" (MVKozlov/GMGoogleDrive PR 30).
            middle = "".join(self.state.rng.choice(_DRIVE_ID_ALPHABET) for _ in range(11))
            new_id = f"0A{middle}Uk9PVA"
        if new_id in self.state.shared_drives or new_id in self.state.files:
            raise errors.invalid_argument(f"A shared drive or file with id {new_id} exists.")
        self.state.shared_drives[new_id] = {"id": new_id, "name": str(name), "members": found}
        return {"kind": "drive#drive", "id": new_id, "name": str(name)}
