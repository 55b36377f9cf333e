"""spreadsheets.* operations of the state model: :class:`SpreadsheetsService`.

create, get (ranges, ``includeGridData``, the ``fields`` mask), batchUpdate (its request kinds
live in the :mod:`batch` package), developerMetadata get/search and sheets.copyTo.

Atomicity: a mutating operation works on a copy of the spreadsheet (:meth:`SheetsState.edit`,
copy-on-write: row tuples are shared): a batchUpdate's requests are applied in order to that copy,
and the copy replaces the original only when the whole operation succeeded (its response built
too); any failure discards the copy, so a failed operation -- a batchUpdate whose last request is
invalid included -- changes nothing.

Not implemented (answered as Google would for an unknown method, or ignored): R1C1 ranges,
data-filter value reads (``values:batchGetByDataFilter``, ``getByDataFilter``; the data-filter
write ``values:batchUpdateByDataFilter`` is implemented), charts, pivot tables, formula
evaluation beyond literal arithmetic (see cells.py; references do relocate, see relocation.py),
conditional formats' evaluation, Drive folders, revisions and real comments (the comments list is
always empty).
"""

from __future__ import annotations

import copy
from typing import Any

from . import exceptions as errors
from . import fields as masks
from .a1 import Box
from .batch import BatchContext, RequestError, apply_request, check_new_sheet
from .batch.ranges import add_named_range
from .grid import Sheet
from .metadata import matching_metadata
from .ranges import read_box, response_mask
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Spreadsheet,
    omit_defaults,
    sheet_properties,
)
from .state import SheetsState


class SpreadsheetsService:
    """spreadsheets.create/get/batchUpdate, developer metadata and sheets.copyTo."""

    def __init__(self, state: SheetsState) -> None:
        self.state = state

    # --- spreadsheets -------------------------------------------------------------------------

    def create(
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
        if self.state.caller_is_service_account() and not seeded:
            raise errors.permission_denied()
        mask = response_mask(fields)
        body = body or {}
        properties = body.get("properties") or {}
        spreadsheet = self.state.new_spreadsheet(properties.get("title") or "Untitled spreadsheet")
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
                    sheet_id = 0 if index == 0 else self.state.new_sheet_id(spreadsheet)
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
        context = BatchContext(self.state, spreadsheet)
        for named in body.get("namedRanges") or []:
            try:
                add_named_range(context, {"namedRange": named})
            except (RequestError, errors.ApiError, KeyError, ValueError, TypeError) as error:
                reason = error.message if isinstance(error, errors.ApiError) else str(error)
                raise errors.invalid_argument(reason) from None
        self.state.commit(spreadsheet)
        return masks.select(spreadsheet.to_json(), mask)

    def get(
        self,
        spreadsheet_id: str,
        ranges: list[str] | None = None,
        include_grid_data: bool | None = False,
        fields: str | None = None,
    ) -> dict[str, Any]:
        return self._render(self.state.get(spreadsheet_id), ranges, include_grid_data, fields)

    def _render(
        self,
        spreadsheet: Spreadsheet,
        ranges: list[str] | None,
        include_grid_data: bool | None,
        fields: str | None,
    ) -> dict[str, Any]:
        """The spreadsheets.get answer for ``spreadsheet`` (committed or a working copy)."""
        mask = response_mask(fields)
        wants_data = bool(include_grid_data) or _mask_has_grid_data(mask)
        boxes: dict[int, list[Box]] = {}
        only: set[int] | None = None
        if ranges:
            only = set()
            for text in ranges:
                sheet, box = read_box(spreadsheet, text)
                only.add(sheet.sheet_id)
                boxes.setdefault(sheet.sheet_id, []).append(box)
        elif wants_data:
            for sheet in spreadsheet.sheets:
                boxes[sheet.sheet_id] = [Box(0, sheet.row_count, 0, sheet.col_count)]
        result = spreadsheet.to_json(grid_boxes=boxes if wants_data else None, only_sheets=only)
        return masks.select(result, mask)

    def batch_update(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        """``fields`` selects the parts of the answer (the standard partial-response parameter)."""
        mask = response_mask(fields)
        spreadsheet = self.state.edit(spreadsheet_id)
        context = BatchContext(self.state, spreadsheet)
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
        self.state.commit(spreadsheet)
        return masks.select(out, mask)

    # --- developer metadata -------------------------------------------------------------------

    def developer_metadata_get(
        self, spreadsheet_id: str, metadata_id: int, fields: str | None = None
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.get(spreadsheet_id)
        for item in spreadsheet.developer_metadata:
            if item["metadataId"] == int(metadata_id):
                return masks.select(copy.deepcopy(item), mask)
        raise errors.not_found(f"No developer metadata with ID: {metadata_id}")

    def developer_metadata_search(
        self, spreadsheet_id: str, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        spreadsheet = self.state.get(spreadsheet_id)
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

    def copy_sheet_to(
        self, spreadsheet_id: str, sheet_id: int, body: dict[str, Any], fields: str | None = None
    ) -> dict[str, Any]:
        mask = response_mask(fields)
        source = self.state.get(spreadsheet_id)
        sheet = source.sheet_by_id(int(sheet_id))
        if sheet is None:
            raise errors.not_found(f"No grid with id: {sheet_id}")
        target_id = (body or {}).get("destinationSpreadsheetId", "")
        target = self.state.edit(target_id)
        copied = sheet.clone()
        copied.protected_ranges = []
        copied.properties["sheetId"] = self.state.new_sheet_id(target)
        copied.properties["title"] = _unique_title(target, f"Copy of {sheet.title}")
        copied.properties["index"] = len(target.sheets)
        for grid_range in copied.merges:
            grid_range["sheetId"] = copied.sheet_id
        copied.move_rules_to(copied.sheet_id)
        target.sheets.append(copied)
        self.state.commit(target)
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
