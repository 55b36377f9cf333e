"""batchUpdate request kinds on ranges the spreadsheet keeps: addProtectedRange,
deleteProtectedRange, addNamedRange, updateNamedRange, deleteNamedRange, setBasicFilter,
clearBasicFilter.

:func:`add_named_range` also serves spreadsheets.create (the named ranges of its body).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .. import fields as masks
from ..spreadsheet import LOCAL_ACCOUNT, render_grid_range
from .registry import BatchContext, RequestError, field_mask, kind


@kind("addProtectedRange")
def add_protected_range(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    requested = masks.strip_nulls(body.get("protectedRange") or {})
    sheet, _ = context.box(requested.get("range") or {})
    protected: dict[str, Any] = {"protectedRangeId": context.state.new_int_id()}
    grid_range = dict(requested.get("range") or {})
    grid_range["sheetId"] = sheet.sheet_id
    protected["range"] = grid_range
    if requested.get("description"):
        protected["description"] = requested["description"]
    if requested.get("warningOnly"):
        protected["warningOnly"] = True
    if requested.get("unprotectedRanges"):  # a protected sheet's editable areas
        protected["unprotectedRanges"] = copy.deepcopy(requested["unprotectedRanges"])
    protected["requestingUserCanEdit"] = True
    editors = {k: v for k, v in (requested.get("editors") or {}).items() if v}
    protected["editors"] = {} if requested.get("warningOnly") else editors
    reply = {**copy.deepcopy(protected), "range": render_grid_range(grid_range)}
    # The reply echoes the editors asked for; what is stored (and read back) also lists the
    # spreadsheet's owner, even for a warning-only range (recordings), and the account that
    # asked: the reply says "requestingUserCanEdit": true (recordings, where the requester was
    # also the owner; for a requester who is not the owner, unverified: the Sheets UI's
    # default for a new protection is the same, the one who protects and the owner).
    owner = context.spreadsheet.owner or context.state.caller or LOCAL_ACCOUNT
    stored = copy.deepcopy(protected["editors"])
    first = [owner, *([context.state.caller] if context.state.caller not in (None, owner) else [])]
    stored["users"] = [*first, *(u for u in stored.get("users", []) if u not in first)]
    protected["editors"] = stored
    sheet.protected_ranges.append(protected)
    return {"protectedRange": reply}


@kind("deleteProtectedRange")
def delete_protected_range(context: BatchContext, body: dict[str, Any]) -> None:
    wanted = int(body.get("protectedRangeId", -1))
    for sheet in context.spreadsheet.sheets:
        for protected in sheet.protected_ranges:
            if protected["protectedRangeId"] == wanted:
                sheet.protected_ranges.remove(protected)
                return None
    raise RequestError(f"No protected range with id: {wanted}")


_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|true|false)$", re.IGNORECASE)


def _check_name(context: BatchContext, name: str, except_id: str | None = None) -> None:
    if not name or not _NAME.match(name) or _CELL_LIKE.match(name) or len(name) > 250:
        raise RequestError(f"Invalid name: {name}")
    for named in context.spreadsheet.named_ranges:
        if named["name"].lower() == name.lower() and named["namedRangeId"] != except_id:
            raise RequestError(f"A named range with the name {name} already exists.")


def _find_named(context: BatchContext, named_range_id: Any) -> dict[str, Any]:
    for named in context.spreadsheet.named_ranges:
        if named["namedRangeId"] == str(named_range_id):
            return named
    raise RequestError(f"No named range with id: {named_range_id}")


@kind("addNamedRange")
def add_named_range(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    requested = masks.strip_nulls(body.get("namedRange") or {})
    name = str(requested.get("name", ""))
    _check_name(context, name)
    sheet, _ = context.box(requested.get("range") or {})
    named_id = requested.get("namedRangeId") or str(context.state.new_int_id())
    grid_range = dict(requested.get("range") or {})
    grid_range["sheetId"] = sheet.sheet_id
    named = {"namedRangeId": str(named_id), "name": name, "range": grid_range}
    context.spreadsheet.named_ranges.append(named)
    return {"namedRange": {**copy.deepcopy(named), "range": render_grid_range(grid_range)}}


@kind("updateNamedRange")
def update_named_range(context: BatchContext, body: dict[str, Any]) -> None:
    requested = body.get("namedRange") or {}
    named = _find_named(context, requested.get("namedRangeId"))
    mask = field_mask(body)
    updated = copy.deepcopy(named)
    masks.apply_update(updated, requested, mask)
    updated["namedRangeId"] = named["namedRangeId"]
    if updated.get("name") != named["name"]:
        _check_name(context, str(updated.get("name", "")), except_id=named["namedRangeId"])
    sheet, _ = context.box(updated.get("range") or {})
    updated["range"]["sheetId"] = sheet.sheet_id
    named.clear()
    named.update(updated)
    return None


@kind("deleteNamedRange")
def delete_named_range(context: BatchContext, body: dict[str, Any]) -> None:
    named = _find_named(context, body.get("namedRangeId"))
    context.spreadsheet.named_ranges.remove(named)
    return None


# --- the basic filter -------------------------------------------------------------------------


@kind("setBasicFilter")
def set_basic_filter(context: BatchContext, body: dict[str, Any]) -> None:
    requested = masks.strip_nulls(body.get("filter") or {})
    sheet, box = context.box(requested.get("range") or {})
    # Google stores the range with every bound, open sides filled from the grid (recordings).
    requested["range"] = {
        "sheetId": sheet.sheet_id,
        "startRowIndex": box.start_row,
        "endRowIndex": box.end_row,
        "startColumnIndex": box.start_col,
        "endColumnIndex": box.end_col,
    }
    sheet.basic_filter = requested
    return None


@kind("clearBasicFilter")
def clear_basic_filter(context: BatchContext, body: dict[str, Any]) -> None:
    context.sheet(body.get("sheetId")).basic_filter = None
    return None
