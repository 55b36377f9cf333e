"""The state model of the local Sheets API v4 + Drive v3 server: :class:`SheetsBackend`.

No HTTP here (moto's models.py). Every API operation is a method named after it
(``spreadsheets_get``, ``values_append``, ``drive_files_list`` ...) taking the keyword arguments
listed in ``.team/EMULATOR.md``; :meth:`SheetsBackend.execute` runs one under the backend's lock
with a given random seed and clock so that a journal of (operation, kwargs, caller, seed, now)
replays to the same state.

Atomicity: a mutating operation works on a copy of the spreadsheet (:meth:`Spreadsheet.clone`,
copy-on-write: row tuples are shared) and the copy replaces the original only when the operation
succeeded, so a failed operation -- a batchUpdate whose last request is invalid included --
changes nothing. Committed objects are never changed in place afterwards, so
:meth:`dump_state` is a cheap, stable snapshot.

Not implemented (answered as Google would for an unknown method, or ignored): R1C1 ranges,
data-filter value reads (``values:batchGetByDataFilter`` ...), charts, conditional formats,
data validation, pivot tables, formula evaluation beyond literal arithmetic (see cells.py),
Drive folders, revisions and real comments (the comments list is always empty).
"""

from __future__ import annotations

import copy
import csv
import io
import random
import string
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from . import a1, cells
from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .batch import BatchContext, apply_request
from .grid import COLUMNS, ROWS, Sheet
from .metadata import matching_metadata
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    MAX_CELLS,
    SPREADSHEET_MIME,
    TOO_MANY_CELLS,
    Spreadsheet,
    default_properties,
    sheet_properties,
)

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
IMPORT_TIME_ZONE = "America/Los_Angeles"


def _timestamp(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def grid_limit_error(title: str, box: Box, sheet: Sheet) -> errors.ApiError:
    quoted = "'" + title.replace("'", "''") + "'"
    return errors.invalid_argument(
        f"Range ({quoted}!{a1.cells_a1(box)}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


class SheetsBackend:
    """All spreadsheets of one server, and every API operation on them."""

    MUTATING: ClassVar[frozenset[str]] = frozenset(
        {
            "spreadsheets_create",
            "spreadsheets_batch_update",
            "values_update",
            "values_batch_update",
            "values_append",
            "values_clear",
            "values_batch_clear",
            "sheets_copy_to",
            "drive_files_create",
            "drive_files_copy",
            "drive_files_delete",
            "drive_files_import",
            "drive_permissions_create",
            "drive_permissions_delete",
        }
    )
    READING: ClassVar[frozenset[str]] = frozenset(
        {
            "spreadsheets_get",
            "values_get",
            "values_batch_get",
            "developer_metadata_get",
            "developer_metadata_search",
            "drive_files_get",
            "drive_files_list",
            "drive_files_export",
            "drive_comments_list",
            "drive_permissions_list",
        }
    )

    def __init__(self, *, sharing: bool = False) -> None:
        self.sharing = sharing
        self.rng = random.Random(0)
        self.now = datetime(2024, 1, 1, tzinfo=UTC)
        self.files: dict[str, Spreadsheet] = {}
        self.caller: str | None = None
        self._lock = threading.RLock()

    # --- running operations -------------------------------------------------------------------

    def execute(
        self,
        operation: str,
        kwargs: dict[str, Any],
        *,
        caller: str | None,
        seed: int,
        now: datetime,
    ) -> Any:
        """Run one API operation atomically and deterministically (see the module docstring)."""
        if operation not in self.MUTATING and operation not in self.READING:
            raise errors.ApiError(404, "NOT_FOUND", f"Method not found: {operation}.")
        method: Callable[..., Any] = getattr(self, operation)
        with self._lock:
            self.rng = random.Random(seed)
            self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
            self.caller = caller
            try:
                return method(**kwargs)
            finally:
                self.caller = None

    def dump_state(self) -> Any:
        """A picklable snapshot (committed objects are never changed in place)."""
        with self._lock:
            return {"version": 1, "files": dict(self.files)}

    def load_state(self, state: Any) -> None:
        with self._lock:
            self.files = dict(state["files"])

    def reset(self) -> None:
        with self._lock:
            self.files = {}

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        """Give an account access to a spreadsheet (sharing mode)."""
        with self._lock:
            spreadsheet = self.files.get(file_id)
            if spreadsheet is None:
                raise errors.file_not_found(file_id)
            copy_ = spreadsheet.clone()
            copy_.permissions.append(self._permission(email, role))
            self.files[file_id] = copy_

    # --- helpers ------------------------------------------------------------------------------

    def _new_id(self) -> str:
        return "1" + "".join(self.rng.choice(_ID_ALPHABET) for _ in range(43))

    def _visible(self, spreadsheet: Spreadsheet) -> bool:
        if not self.sharing or self.caller is None or spreadsheet.owner is None:
            return True
        if self.caller == spreadsheet.owner:
            return True
        return any(p.get("emailAddress") == self.caller for p in spreadsheet.permissions)

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
        return self._get(spreadsheet_id, drive=drive).clone()

    def _commit(self, spreadsheet: Spreadsheet) -> None:
        if spreadsheet.total_cells() > MAX_CELLS:
            raise errors.invalid_argument(TOO_MANY_CELLS)
        spreadsheet.modified = _timestamp(self.now)
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
        stamp = _timestamp(self.now)
        spreadsheet = Spreadsheet(
            spreadsheet_id=self._new_id(),
            properties=default_properties(title),
            sheets=sheets
            or [Sheet(sheet_properties(0, "Sheet1", 0, DEFAULT_ROWS, DEFAULT_COLUMNS))],
            created=stamp,
            modified=stamp,
            owner=self.caller,
        )
        if self.caller:
            spreadsheet.permissions.append(self._permission(self.caller, "owner"))
        return spreadsheet

    def resolve_range(self, spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Box]:
        """A range text against a spreadsheet: its sheet and box, open sides filled in."""
        try:
            parsed = a1.parse(text)
        except a1.RangeSyntaxError:
            raise errors.invalid_argument(f"Unable to parse range: {text}") from None
        if parsed.sheet is None:
            sheet = spreadsheet.sheets[0]
        else:
            found = spreadsheet.sheet_by_title(parsed.sheet)
            if found is None:
                named = self._named_range_box(spreadsheet, parsed, text)
                if named is None:
                    raise errors.invalid_argument(f"Unable to parse range: {text}")
                return named
            sheet = found
        return sheet, a1.resolve(parsed, sheet.row_count, sheet.col_count)

    def _named_range_box(
        self, spreadsheet: Spreadsheet, parsed: a1.A1Range, text: str
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

    # --- spreadsheets -------------------------------------------------------------------------

    def spreadsheets_create(
        self, body: dict[str, Any] | None = None, spreadsheet_id: str | None = None
    ) -> dict[str, Any]:
        """``spreadsheet_id`` is no API parameter: it lets the embedded demo have a fixed key."""
        body = body or {}
        properties = body.get("properties") or {}
        spreadsheet = self._new_spreadsheet(properties.get("title") or "Untitled spreadsheet")
        if spreadsheet_id is not None:
            spreadsheet.spreadsheet_id = spreadsheet_id
        for key in ("locale", "timeZone", "autoRecalc"):
            if properties.get(key):
                spreadsheet.properties[key] = properties[key]
        requested = body.get("sheets") or []
        if requested:
            spreadsheet.sheets = []
            for index, sheet_body in enumerate(requested):
                props = sheet_body.get("properties") or {}
                grid = props.get("gridProperties") or {}
                sheet_id = props.get("sheetId")
                if sheet_id is None:
                    sheet_id = 0 if index == 0 else self.new_sheet_id(spreadsheet)
                sheet = Sheet(
                    sheet_properties(
                        sheet_id,
                        props.get("title") or f"Sheet{index + 1}",
                        index,
                        grid.get("rowCount", DEFAULT_ROWS),
                        grid.get("columnCount", DEFAULT_COLUMNS),
                    )
                )
                spreadsheet.sheets.append(sheet)
        self._commit(spreadsheet)
        return spreadsheet.to_json()

    def spreadsheets_get(
        self,
        spreadsheet_id: str,
        ranges: list[str] | None = None,
        include_grid_data: bool | None = False,
        fields: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        spreadsheet = self._get(spreadsheet_id)
        mask = self._mask(fields)
        wants_data = bool(include_grid_data) or _mask_has_grid_data(mask)
        boxes: dict[int, list[Box]] = {}
        only: set[int] | None = None
        if ranges:
            only = set()
            for text in ranges:
                sheet, box = self._read_box(spreadsheet, text)
                only.add(sheet.sheet_id)
                boxes.setdefault(sheet.sheet_id, []).append(box)
        elif wants_data:
            for sheet in spreadsheet.sheets:
                boxes[sheet.sheet_id] = [Box(0, sheet.row_count, 0, sheet.col_count)]
        result = spreadsheet.to_json(grid_boxes=boxes if wants_data else None, only_sheets=only)
        return masks.select(result, mask)

    @staticmethod
    def _mask(fields: str | None) -> masks.Mask | None:
        if not fields:
            return None
        try:
            return masks.parse(fields)
        except masks.MaskSyntaxError:
            raise errors.invalid_argument(f"Invalid field selection {fields}") from None

    def spreadsheets_batch_update(
        self, spreadsheet_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        spreadsheet = self._edit(spreadsheet_id)
        context = BatchContext(self, spreadsheet)
        replies = [
            apply_request(context, i, request)
            for i, request in enumerate(body.get("requests") or [])
        ]
        self._commit(spreadsheet)
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            ranges = body.get("responseRanges") or None
            include = bool(body.get("responseIncludeGridData"))
            out["updatedSpreadsheet"] = self.spreadsheets_get(spreadsheet_id, ranges, include)
        return out

    # --- values -------------------------------------------------------------------------------

    def values_get(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002 - the API's name
        major_dimension: str | None = None,
        value_render_option: str | None = None,
        date_time_render_option: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        spreadsheet = self._get(spreadsheet_id)
        return self._value_range(
            spreadsheet, range, major_dimension, value_render_option, date_time_render_option
        )

    def _value_range(
        self,
        spreadsheet: Spreadsheet,
        text: str,
        major_dimension: str | None,
        render: str | None,
        date_render: str | None,
    ) -> dict[str, Any]:
        sheet, box = self._read_box(spreadsheet, text)
        major = major_dimension or ROWS
        out: dict[str, Any] = {"range": a1.format_range(sheet.title, box), "majorDimension": major}
        values = render_values(sheet, box, render, date_render, major)
        if values:
            out["values"] = values
        return out

    def values_batch_get(
        self,
        spreadsheet_id: str,
        ranges: list[str] | None = None,
        major_dimension: str | None = None,
        value_render_option: str | None = None,
        date_time_render_option: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        spreadsheet = self._get(spreadsheet_id)
        return {
            "spreadsheetId": spreadsheet_id,
            "valueRanges": [
                self._value_range(
                    spreadsheet, text, major_dimension, value_render_option, date_time_render_option
                )
                for text in ranges or []
            ],
        }

    def values_update(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002
        body: dict[str, Any],
        value_input_option: str | None = None,
        include_values_in_response: bool | None = None,
        response_value_render_option: str | None = None,
        response_date_time_render_option: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        spreadsheet = self._edit(spreadsheet_id)
        result = self._write(
            spreadsheet,
            range,
            body,
            value_input_option,
            include_values_in_response,
            response_value_render_option,
            response_date_time_render_option,
        )
        self._commit(spreadsheet)
        return result

    def _write(
        self,
        spreadsheet: Spreadsheet,
        text: str,
        body: dict[str, Any],
        input_option: str | None,
        include_values: bool | None = None,
        render: str | None = None,
        date_render: str | None = None,
    ) -> dict[str, Any]:
        parse = _input_parser(input_option)
        sheet, box = self.resolve_range(spreadsheet, text)
        data = _body_rows(body, parse)
        rows = len(data)
        cols = max((len(r) for r in data), default=0)
        written = Box(box.start_row, box.start_row + rows, box.start_col, box.start_col + cols)
        single_cell = box.rows == 1 and box.cols == 1
        if rows and not single_cell:
            _check_within(sheet, box, written)
        if written.end_row > sheet.row_count or written.end_col > sheet.col_count:
            raise grid_limit_error(sheet.title, written if rows else box, sheet)
        sheet.write(box.start_row, box.start_col, data)
        out: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if not rows:
            out["updatedRange"] = a1.format_range(sheet.title, box)
            return out
        out.update({"updatedRange": a1.format_range(sheet.title, written), **_counts(data)})
        if include_values:
            out["updatedData"] = {
                "range": a1.format_range(sheet.title, written),
                "majorDimension": ROWS,
            }
            values = render_values(sheet, written, render, date_render, ROWS)
            if values:
                out["updatedData"]["values"] = values
        return out

    def values_batch_update(self, spreadsheet_id: str, body: dict[str, Any]) -> dict[str, Any]:
        spreadsheet = self._edit(spreadsheet_id)
        responses = []
        for item in body.get("data") or []:
            responses.append(
                self._write(
                    spreadsheet,
                    item.get("range", ""),
                    item,
                    body.get("valueInputOption"),
                    body.get("includeValuesInResponse"),
                    body.get("responseValueRenderOption"),
                    body.get("responseDateTimeRenderOption"),
                )
            )
        self._commit(spreadsheet)
        written = [r for r in responses if "updatedCells" in r]
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if written:
            out.update(
                {
                    "totalUpdatedRows": sum(r["updatedRows"] for r in written),
                    "totalUpdatedColumns": max(r["updatedColumns"] for r in written),
                    "totalUpdatedCells": sum(r["updatedCells"] for r in written),
                    "totalUpdatedSheets": len(
                        {r["updatedRange"].rpartition("!")[0] for r in written}
                    ),
                }
            )
        out["responses"] = responses
        return out

    def values_append(
        self,
        spreadsheet_id: str,
        range: str,  # noqa: A002
        body: dict[str, Any],
        value_input_option: str | None = None,
        insert_data_option: str | None = None,
        include_values_in_response: bool | None = None,
        response_value_render_option: str | None = None,
        response_date_time_render_option: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        spreadsheet = self._edit(spreadsheet_id)
        parse = _input_parser(value_input_option)
        sheet, box = self.resolve_range(spreadsheet, range)
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            raise grid_limit_error(sheet.title, box, sheet)
        data = _body_rows(body, parse)
        table = find_table(sheet, box)
        rows = len(data)
        cols = max((len(r) for r in data), default=0)
        if table is None:
            start_row, start_col = box.start_row, box.start_col
        else:
            start_row, start_col = table.end_row, table.start_col
        if insert_data_option == "INSERT_ROWS" and rows:
            sheet.insert(ROWS, start_row, rows)
        written = Box(start_row, start_row + rows, start_col, start_col + cols)
        if written.end_row > sheet.row_count:
            sheet.properties["gridProperties"]["rowCount"] = written.end_row
        if written.end_col > sheet.col_count:
            sheet.properties["gridProperties"]["columnCount"] = written.end_col
        sheet.write(start_row, start_col, data)
        self._commit(spreadsheet)
        updates: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if rows:
            updates.update({"updatedRange": a1.format_range(sheet.title, written), **_counts(data)})
            if include_values_in_response:
                updated: dict[str, Any] = {
                    "range": a1.format_range(sheet.title, written),
                    "majorDimension": ROWS,
                }
                values = render_values(
                    sheet,
                    written,
                    response_value_render_option,
                    response_date_time_render_option,
                    ROWS,
                )
                if values:
                    updated["values"] = values
                updates["updatedData"] = updated
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if table is not None:
            out["tableRange"] = a1.format_range(sheet.title, table)
        out["updates"] = updates
        return out

    def values_clear(self, spreadsheet_id: str, range: str, **_: Any) -> dict[str, Any]:  # noqa: A002
        spreadsheet = self._edit(spreadsheet_id)
        cleared = self._clear(spreadsheet, range)
        self._commit(spreadsheet)
        return {"spreadsheetId": spreadsheet_id, "clearedRange": cleared}

    def _clear(self, spreadsheet: Spreadsheet, text: str) -> str:
        sheet, box = self._read_box(spreadsheet, text)
        sheet.clear(box)
        return a1.format_range(sheet.title, box)

    def values_batch_clear(self, spreadsheet_id: str, body: dict[str, Any]) -> dict[str, Any]:
        spreadsheet = self._edit(spreadsheet_id)
        cleared = [self._clear(spreadsheet, text) for text in body.get("ranges") or []]
        self._commit(spreadsheet)
        return {"spreadsheetId": spreadsheet_id, "clearedRanges": cleared}

    # --- developer metadata -------------------------------------------------------------------

    def developer_metadata_get(self, spreadsheet_id: str, metadata_id: int) -> dict[str, Any]:
        spreadsheet = self._get(spreadsheet_id)
        for item in spreadsheet.developer_metadata:
            if item["metadataId"] == int(metadata_id):
                return copy.deepcopy(item)
        raise errors.not_found(f"No developer metadata with ID: {metadata_id}")

    def developer_metadata_search(
        self, spreadsheet_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        spreadsheet = self._get(spreadsheet_id)
        matched: dict[int, dict[str, Any]] = {}
        for data_filter in body.get("dataFilters") or []:
            lookup = data_filter.get("developerMetadataLookup")
            if lookup is None:
                raise errors.invalid_argument(
                    "Only developerMetadataLookup data filters are supported by this server."
                )
            for item in matching_metadata(spreadsheet, lookup):
                entry = matched.setdefault(
                    item["metadataId"],
                    {"developerMetadata": copy.deepcopy(item), "dataFilters": []},
                )
                entry["dataFilters"].append(copy.deepcopy(data_filter))
        if not matched:
            return {}
        return {"matchedDeveloperMetadata": list(matched.values())}

    # --- sheets.copyTo ------------------------------------------------------------------------

    def sheets_copy_to(
        self, spreadsheet_id: str, sheet_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        source = self._get(spreadsheet_id)
        sheet = source.sheet_by_id(int(sheet_id))
        if sheet is None:
            raise errors.not_found(f"No grid with id: {sheet_id}")
        target_id = (body or {}).get("destinationSpreadsheetId", "")
        target = self._edit(target_id)
        copied = sheet.clone()
        copied.protected_ranges = []
        copied.properties["sheetId"] = self.new_sheet_id(target)
        copied.properties["title"] = _unique_title(target, f"Copy of {sheet.title}")
        copied.properties["index"] = len(target.sheets)
        for grid_range in copied.merges:
            grid_range["sheetId"] = copied.sheet_id
        target.sheets.append(copied)
        self._commit(target)
        return _ordered_sheet_properties(copied.properties)

    # --- Drive --------------------------------------------------------------------------------

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

    def drive_files_create(self, body: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
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
        file = self._drive_file(spreadsheet)
        return {k: file[k] for k in self._CREATE_KEYS}

    def drive_files_get(self, file_id: str, fields: str | None = None, **_: Any) -> dict[str, Any]:
        file = self._drive_file(self._get(file_id, drive=True))
        if not fields:
            return {k: file[k] for k in self._CREATE_KEYS}
        return masks.select(file, self._mask(fields))

    def drive_files_copy(
        self, file_id: str, body: dict[str, Any] | None = None, **_: Any
    ) -> dict[str, Any]:
        source = self._get(file_id, drive=True)
        body = body or {}
        copied = source.clone()
        copied.spreadsheet_id = self._new_id()
        copied.properties["title"] = body.get("name") or f"Copy of {source.title}"
        copied.created = copied.modified = _timestamp(self.now)
        copied.owner = self.caller or source.owner
        copied.permissions = [self._permission(self.caller, "owner")] if self.caller else []
        self._commit(copied)
        file = self._drive_file(copied)
        return {k: file[k] for k in self._CREATE_KEYS}

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
        from .drive_query import compile_query

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
        # Drive's conversion rebuilds the spreadsheet in the account's Drive time zone: a
        # service account's is Google's default, America/Los_Angeles (recordings).
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


# --- values helpers ---------------------------------------------------------------------------


def _input_parser(option: str | None) -> Callable[[Any], cells.CellValue | None]:
    if option == "RAW":
        return cells.from_raw
    if option == "USER_ENTERED":
        return cells.from_user_entered
    raise errors.invalid_argument(
        f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}"
    )


def _body_rows(
    body: dict[str, Any], parse: Callable[[Any], cells.CellValue | None]
) -> list[list[Any]]:
    """The body's values as rows of stored values (COLUMNS input transposed)."""
    values = body.get("values") or []
    if body.get("majorDimension") == COLUMNS:
        height = max((len(c) for c in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    if parse is cells.from_raw:
        return [_raw_row(row) for row in values]
    return [[parse(v) for v in row] for row in values]


def _raw_row(row: list[Any]) -> list[Any]:
    """RAW input, fast when every value is a short string (the common case)."""
    if all(type(v) is str for v in row) and (not row or max(map(len, row)) <= cells.MAX_CELL_CHARS):
        return row
    return [cells.from_raw(v) for v in row]


def _counts(data: list[list[Any]]) -> dict[str, int]:
    """updatedRows/Columns/Cells: rows, columns and cells that received a value (a null in
    the body leaves its cell alone and is not counted)."""
    if all(None not in row for row in data):
        width = max((len(r) for r in data), default=0)
        return {
            "updatedRows": len(data),
            "updatedColumns": width,
            "updatedCells": sum(map(len, data)),
        }
    rows = [r for r in data if any(v is not None for v in r)]
    columns = {c for r in rows for c, v in enumerate(r) if v is not None}
    cells_ = sum(1 for r in rows for v in r if v is not None)
    return {"updatedRows": len(rows), "updatedColumns": len(columns), "updatedCells": cells_}


def _check_within(sheet: Sheet, box: Box, written: Box) -> None:
    where = a1.format_range(sheet.title, box)
    if written.end_row > box.end_row:
        raise errors.invalid_argument(
            f"Requested writing within range [{where}], "
            f"but tried writing to row [{written.end_row}]"
        )
    if written.end_col > box.end_col:
        column = a1.cells_a1(Box(0, 1, written.end_col - 1, written.end_col)).rstrip("0123456789")
        raise errors.invalid_argument(
            f"Requested writing within range [{where}], but tried writing to column [{column}]"
        )


def render_values(
    sheet: Sheet, box: Box, render: str | None, date_render: str | None, major: str
) -> list[list[Any]]:
    """The values of a box as values.get returns them (trimmed, rendered, maybe transposed)."""
    stored = sheet.read(box)
    option = render or cells.FORMATTED_VALUE
    if not sheet.typed or option == cells.FORMATTED_VALUE:
        # Typed cells are str subclasses whose text is their formatted value: json writes
        # them as strings, so FORMATTED_VALUE needs no per-cell work.
        rows: list[list[Any]] = [list(r) for r in stored]
    else:
        date_option = date_render or cells.SERIAL_NUMBER
        rows = [[cells.render(v, option, date_option) for v in r] for r in stored]
    if major != COLUMNS:
        return rows
    width = max((len(r) for r in rows), default=0)
    columns = []
    for c in range(width):
        column = [r[c] if c < len(r) else "" for r in rows]
        while column and column[-1] == "":
            column.pop()
        columns.append(column)
    return columns


def find_table(sheet: Sheet, box: Box) -> Box | None:
    """The table values.append appends to: the block of data around the last non-empty cell
    of the range (grown while a neighbouring row or column inside the range has data)."""
    last_row = None
    for r in range(min(box.end_row, len(sheet.rows)) - 1, box.start_row - 1, -1):
        part = sheet.rows[r][box.start_col : box.end_col]
        if any(v != "" for v in part):
            last_row = r
            break
    if last_row is None:
        return None
    part = sheet.rows[last_row][box.start_col : box.end_col]
    last_col = box.start_col + max(i for i, v in enumerate(part) if v != "")
    first_col = last_col
    while first_col > box.start_col and sheet.cell(last_row, first_col - 1) != "":
        first_col -= 1
    top, left, right = last_row, first_col, last_col
    changed = True
    while changed:
        changed = False
        while top > box.start_row and _has_data(
            sheet, top - 1, max(left - 1, box.start_col), min(right + 2, box.end_col)
        ):
            top -= 1
            changed = True
        for r in range(top, last_row + 1):
            while left > box.start_col and sheet.cell(r, left - 1) != "":
                left -= 1
                changed = True
            while right + 1 < box.end_col and sheet.cell(r, right + 1) != "":
                right += 1
                changed = True
    return Box(top, last_row + 1, left, right + 1)


def _has_data(sheet: Sheet, row: int, start_col: int, end_col: int) -> bool:
    if row >= len(sheet.rows):
        return False
    return any(v != "" for v in sheet.rows[row][start_col:end_col])


def _mask_has_grid_data(mask: masks.Mask | None) -> bool:
    if not mask:
        return False
    sheets = mask.get("sheets")
    return isinstance(sheets, dict) and "data" in sheets


def _unique_title(spreadsheet: Spreadsheet, title: str) -> str:
    if spreadsheet.sheet_by_title(title) is None:
        return title
    n = 2
    while spreadsheet.sheet_by_title(f"{title} {n}") is not None:
        n += 1
    return f"{title} {n}"


def _ordered_sheet_properties(properties: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(properties)
