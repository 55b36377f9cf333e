"""The state model of the local Sheets API v4 + Drive v3 server: :class:`SheetsBackend`.

No HTTP here (moto's models.py). Every API operation is a method named after it
(``spreadsheets_get``, ``values_append``, ``drive_files_list`` ...) taking as keyword arguments
the request's path parameters, query options (snake_case) and body, as ``responses.py`` parses
them; :meth:`SheetsBackend.execute` runs one under the backend's lock
with a given random seed and clock so that a journal of (operation, kwargs, caller, seed, now)
replays to the same state.

The operations are spread over a few modules, one class each, combined here: this module holds
spreadsheets.create/get/batchUpdate, developer metadata and sheets.copyTo; :mod:`values_ops`
the values.* operations; :mod:`drive` the Drive ones; :mod:`core` the state and shared helpers;
:mod:`batch` / :mod:`batch_cells` the batchUpdate request kinds.

Atomicity: a mutating operation works on a copy of the spreadsheet (:meth:`Spreadsheet.clone`,
copy-on-write: row tuples are shared): a batchUpdate's requests are applied in order to that copy,
and the copy replaces the original only when the whole operation succeeded (its response built
too); any failure discards the copy, so a failed operation -- a batchUpdate whose last request is
invalid included -- changes nothing. Committed objects are never changed in place afterwards, so
:meth:`dump_state` is a cheap, stable snapshot.

Not implemented (answered as Google would for an unknown method, or ignored): R1C1 ranges,
data-filter value reads (``values:batchGetByDataFilter``, ``getByDataFilter``; the data-filter
write ``values:batchUpdateByDataFilter`` is implemented), charts, pivot tables, formula
evaluation beyond literal arithmetic (see cells.py; references do relocate, see relocation.py),
conditional formats' evaluation, Drive folders, revisions and real comments (the comments list is
always empty).
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .batch import BatchContext, RequestError, apply_request, check_new_sheet
from .batch.ranges import add_named_range
from .drive import DriveOperations
from .grid import Sheet
from .metadata import matching_metadata
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Spreadsheet,
    omit_defaults,
    sheet_properties,
)
from .values_ops import ValuesOperations


class SheetsBackend(ValuesOperations, DriveOperations):
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
            "values_batch_update_by_data_filter",
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

    # Operations of the control API that change the state: journaled like MUTATING ones, never
    # reached through an emulated API route.
    CONTROL: ClassVar[frozenset[str]] = frozenset(
        {"emulator_declare_account", "emulator_create_drive"}
    )

    def __init__(self, *, sharing: bool = False, service_accounts: Iterable[str] = ()) -> None:
        super().__init__(sharing=sharing, service_accounts=service_accounts)
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
        if (
            operation not in self.MUTATING
            and operation not in self.READING
            and operation not in self.CONTROL
        ):
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
            return {
                "files": dict(self.files),
                "service_accounts": sorted(self.service_accounts),
                "shared_drives": copy.deepcopy(self.shared_drives),
            }

    def load_state(self, state: Any) -> None:
        with self._lock:
            self.files = dict(state["files"])
            self.service_accounts = set(self.initial_service_accounts)
            self.service_accounts.update(state.get("service_accounts", ()))
            self.shared_drives = copy.deepcopy(state.get("shared_drives", {}))

    def reset(self) -> None:
        """Forget every file, shared drive and account declared since the start."""
        with self._lock:
            self.files = {}
            self.shared_drives = {}
            self.service_accounts = set(self.initial_service_accounts)

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        """Give an account access to a spreadsheet (sharing mode)."""
        with self._lock:
            spreadsheet = self.files.get(file_id)
            if spreadsheet is None:
                raise errors.file_not_found(file_id)
            copy_ = spreadsheet.clone()
            copy_.permissions.append(self._permission(email, role))
            self.files[file_id] = copy_

    # --- spreadsheets -------------------------------------------------------------------------

    def spreadsheets_create(
        self,
        body: dict[str, Any] | None = None,
        spreadsheet_id: str | None = None,
        seeded: bool = False,
        fields: str | None = None,
    ) -> dict[str, Any]:
        """``spreadsheet_id`` and ``seeded`` are no API parameters: a fixed key for the embedded
        demo; a spreadsheet seeded through the control API for any owner.

        A service account is refused: 403 "The caller does not have permission" on
        ``POST /v4/spreadsheets`` by a service account (xing5/mcp-google-sheets issue 24, 2025;
        the Sheets side of "Service accounts ... can't own any files").
        """
        if self.caller_is_service_account() and not seeded:
            raise errors.permission_denied()
        mask = self._mask(fields)
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
                title = props.get("title") or f"Sheet{index + 1}"
                try:
                    rows = int(grid.get("rowCount", DEFAULT_ROWS))
                    cols = int(grid.get("columnCount", DEFAULT_COLUMNS))
                    check_new_sheet(spreadsheet, int(sheet_id), title, rows, cols)
                except (RequestError, ValueError, TypeError) as error:
                    raise errors.invalid_argument(str(error)) from None
                sheet = Sheet(sheet_properties(int(sheet_id), title, index, rows, cols))
                spreadsheet.sheets.append(sheet)
        # Named ranges of the body are kept as addNamedRange keeps them (ids given or new).
        context = BatchContext(self, spreadsheet)
        for named in body.get("namedRanges") or []:
            try:
                add_named_range(context, {"namedRange": named})
            except (RequestError, errors.ApiError, KeyError, ValueError, TypeError) as error:
                reason = error.message if isinstance(error, errors.ApiError) else str(error)
                raise errors.invalid_argument(reason) from None
        self._commit(spreadsheet)
        return masks.select(spreadsheet.to_json(), mask)

    def spreadsheets_get(
        self,
        spreadsheet_id: str,
        ranges: list[str] | None = None,
        include_grid_data: bool | None = False,
        fields: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        return self._render(self._get(spreadsheet_id), ranges, include_grid_data, fields)

    def _render(
        self,
        spreadsheet: Spreadsheet,
        ranges: list[str] | None,
        include_grid_data: bool | None,
        fields: str | None,
    ) -> dict[str, Any]:
        """The spreadsheets.get answer for ``spreadsheet`` (committed or a working copy)."""
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

    def spreadsheets_batch_update(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        """``fields`` selects the parts of the answer (the standard partial-response parameter)."""
        mask = self._mask(fields)
        spreadsheet = self._edit(spreadsheet_id)
        context = BatchContext(self, spreadsheet)
        replies = [
            apply_request(context, i, request)
            for i, request in enumerate(body.get("requests") or [])
        ]
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            # Built from the working copy before the commit: a bad responseRanges changes nothing.
            ranges = body.get("responseRanges") or None
            include = bool(body.get("responseIncludeGridData"))
            out["updatedSpreadsheet"] = self._render(spreadsheet, ranges, include, None)
        self._commit(spreadsheet)
        return masks.select(out, mask)

    # --- developer metadata -------------------------------------------------------------------

    def developer_metadata_get(
        self, spreadsheet_id: str, metadata_id: int, fields: str | None = None
    ) -> dict[str, Any]:
        mask = self._mask(fields)
        spreadsheet = self._get(spreadsheet_id)
        for item in spreadsheet.developer_metadata:
            if item["metadataId"] == int(metadata_id):
                return masks.select(copy.deepcopy(item), mask)
        raise errors.not_found(f"No developer metadata with ID: {metadata_id}")

    def developer_metadata_search(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = self._mask(fields)
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
        return masks.select({"matchedDeveloperMetadata": list(matched.values())}, mask)

    # --- sheets.copyTo ------------------------------------------------------------------------

    def sheets_copy_to(
        self, spreadsheet_id: str, sheet_id: int, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = self._mask(fields)
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
        copied.move_rules_to(copied.sheet_id)
        target.sheets.append(copied)
        self._commit(target)
        return masks.select(_ordered_sheet_properties(copied.properties), mask)


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
    return omit_defaults(copy.deepcopy(properties))
