"""Drive v3 operations of the state model: :class:`DriveOperations`.

The subset gspread and this project use: files create (spreadsheets only), get (``fields``),
copy, delete, list (``q`` by name, mimeType, trashed; see :mod:`drive_query`; ordered by
modification time, newest first; ``pageSize``/``pageToken``), export (``text/csv`` of the first
sheet only), the empty comments list, permissions create/list/delete, and gspread's
``import_csv`` (Drive v2 media upload with conversion: the CSV replaces every sheet).

Not implemented: folders and ``parents``, trash, revisions, real comments, export formats other
than CSV, permission updates, shared drives (their query parameters are accepted and ignored).
"""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

from . import cells
from . import exceptions as errors
from . import fields as masks
from .core import BackendCore, timestamp
from .drive_query import compile_query
from .grid import Sheet
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    SPREADSHEET_MIME,
    Spreadsheet,
    sheet_properties,
)

# Drive's conversion rebuilds a spreadsheet in the account's Drive time zone; a service
# account's is Google's default (recordings).
IMPORT_TIME_ZONE = "America/Los_Angeles"


class DriveOperations(BackendCore):
    """The Drive operations (see the module docstring)."""

    def _drive_file(self, spreadsheet: Spreadsheet) -> dict[str, Any]:
        return {
            "kind": "drive#file",
            "id": spreadsheet.spreadsheet_id,
            "name": spreadsheet.title,
            "mimeType": SPREADSHEET_MIME,
            "createdTime": spreadsheet.created,
            "modifiedTime": spreadsheet.modified,
            "trashed": False,
            "owners": [{"emailAddress": spreadsheet.owner}] if spreadsheet.owner else [],
        }

    _CREATE_KEYS = ("kind", "id", "name", "mimeType")

    def _file_answer(self, spreadsheet: Spreadsheet, mask: masks.Mask | None) -> dict[str, Any]:
        """A files.create/copy answer: kind, id, name, mimeType (recordings ClientTest.test_create,
        test_copy), or exactly the fields a ``fields`` mask names."""
        file = self._drive_file(spreadsheet)
        if mask is None:
            return {k: file[k] for k in self._CREATE_KEYS}
        return masks.select(file, mask)

    def drive_files_create(
        self, body: dict[str, Any] | None = None, fields: str | None = None, **_: Any
    ) -> dict[str, Any]:
        mask = self._mask(fields)
        body = body or {}
        mime = body.get("mimeType")
        if mime != SPREADSHEET_MIME:
            raise errors.ApiError(
                400,
                "INVALID_ARGUMENT",
                "Only Google Sheets files can be created on this server.",
                drive_reason="badRequest",
            )
        spreadsheet = self._new_spreadsheet(body.get("name") or "Untitled spreadsheet")
        self._commit(spreadsheet)
        return self._file_answer(spreadsheet, mask)

    def drive_files_get(self, file_id: str, fields: str | None = None, **_: Any) -> dict[str, Any]:
        file = self._drive_file(self._get(file_id, drive=True))
        if not fields:
            return {k: file[k] for k in self._CREATE_KEYS}
        return masks.select(file, self._mask(fields))

    def drive_files_copy(
        self, file_id: str, body: dict[str, Any] | None = None, fields: str | None = None, **_: Any
    ) -> dict[str, Any]:
        mask = self._mask(fields)
        source = self._get(file_id, drive=True)
        body = body or {}
        copied = source.clone()
        copied.spreadsheet_id = self._new_id()
        copied.properties["title"] = body.get("name") or f"Copy of {source.title}"
        copied.created = copied.modified = timestamp(self.now)
        copied.owner = self.caller or source.owner
        copied.permissions = [self._permission(self.caller, "owner")] if self.caller else []
        self._commit(copied)
        return self._file_answer(copied, mask)

    def drive_files_delete(self, file_id: str, **_: Any) -> dict[str, Any]:
        self._get(file_id, drive=True)
        del self.files[file_id]
        return {}

    def drive_files_list(
        self,
        q: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        fields: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        matches = compile_query(q or "")
        found = [
            self._drive_file(s)
            for s in sorted(self.files.values(), key=lambda s: s.modified, reverse=True)
            if self._visible(s) and matches(self._drive_file(s))
        ]
        size = int(page_size or 100)
        start = int(page_token or 0)
        page = found[start : start + size]
        out: dict[str, Any] = {"kind": "drive#fileList"}
        if start + size < len(found):
            out["nextPageToken"] = str(start + size)
        out["files"] = page
        mask = self._mask(fields)
        if mask is None:
            out["files"] = [{k: f[k] for k in self._CREATE_KEYS} for f in page]
            out["incompleteSearch"] = False
            return out
        return masks.select(out, mask)

    def drive_files_export(self, file_id: str, mime_type: str | None = None, **_: Any) -> bytes:
        spreadsheet = self._get(file_id, drive=True)
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

    def drive_files_import(
        self, file_id: str, data: str, content_type: str | None = None, **_: Any
    ) -> dict[str, Any]:
        """gspread's import_csv: replace the spreadsheet's sheets by one holding the CSV."""
        spreadsheet = self._edit(file_id, drive=True)
        rows = [list(r) for r in csv.reader(io.StringIO(data))]
        cols = max([DEFAULT_COLUMNS, *(len(r) for r in rows)])
        sheet = Sheet(
            sheet_properties(
                self.new_sheet_id(spreadsheet),
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
        self._commit(spreadsheet)
        return {
            "kind": "drive#file",
            "id": file_id,
            "title": spreadsheet.title,
            "mimeType": SPREADSHEET_MIME,
        }

    def drive_comments_list(self, file_id: str, **_: Any) -> dict[str, Any]:
        self._get(file_id, drive=True)
        return {"comments": []}

    def drive_permissions_create(
        self, file_id: str, body: dict[str, Any], **_: Any
    ) -> dict[str, Any]:
        spreadsheet = self._edit(file_id, drive=True)
        permission = self._permission(body.get("emailAddress", ""), body.get("role", "reader"))
        permission["type"] = body.get("type", "user")
        spreadsheet.permissions.append(permission)
        self._commit(spreadsheet)
        return {k: permission[k] for k in ("kind", "id", "type", "role")}

    def drive_permissions_list(self, file_id: str, **_: Any) -> dict[str, Any]:
        spreadsheet = self._get(file_id, drive=True)
        return {
            "kind": "drive#permissionList",
            "permissions": copy.deepcopy(spreadsheet.permissions),
        }

    def drive_permissions_delete(
        self, file_id: str, permission_id: str, **_: Any
    ) -> dict[str, Any]:
        spreadsheet = self._edit(file_id, drive=True)
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
        self._commit(spreadsheet)
        return {}
