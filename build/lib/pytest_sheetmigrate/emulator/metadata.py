"""Developer metadata: locations, lookups, and keeping column/row metadata on its cells.

A metadata entry is stored as Google returns it: ``metadataId``, ``metadataKey``,
``metadataValue``, ``location`` (``{"spreadsheet": true}``, ``{"sheetId": n}`` or
``{"dimensionRange": {...}}``, each with ``locationType``) and ``visibility``.
Metadata on rows/columns moves with them on insert/delete/move (a deleted span drops it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .grid import Change, adjust_span

if TYPE_CHECKING:
    from .spreadsheet import Spreadsheet


def normalise_location(location: dict[str, Any]) -> dict[str, Any]:
    """A location as Google echoes it, with its ``locationType``."""
    if location.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if "dimensionRange" in location:
        dimension_range = dict(location["dimensionRange"])
        dimension_range.setdefault("sheetId", 0)
        kind = "ROW" if dimension_range.get("dimension") == "ROWS" else "COLUMN"
        return {"locationType": kind, "dimensionRange": dimension_range}
    if "sheetId" in location:
        return {"locationType": "SHEET", "sheetId": location["sheetId"]}
    raise ValueError("a location needs spreadsheet, sheetId or dimensionRange")


def matches(item: dict[str, Any], lookup: dict[str, Any]) -> bool:
    """Whether a metadata entry matches a DeveloperMetadataLookup."""
    if "metadataId" in lookup and item["metadataId"] != int(lookup["metadataId"]):
        return False
    if "metadataKey" in lookup and item.get("metadataKey") != lookup["metadataKey"]:
        return False
    if "metadataValue" in lookup and item.get("metadataValue") != lookup["metadataValue"]:
        return False
    if "visibility" in lookup and item.get("visibility") != lookup["visibility"]:
        return False
    location = item["location"]
    if "locationType" in lookup and location.get("locationType") != lookup["locationType"]:
        return False
    wanted = lookup.get("metadataLocation")
    if wanted:
        target = normalise_location(wanted)
        strategy = lookup.get("locationMatchingStrategy", "EXACT_LOCATION")
        if strategy == "EXACT_LOCATION" and target != location:
            return False
        if strategy == "INTERSECTING_LOCATION" and not _intersects(location, target):
            return False
    return True


def _intersects(location: dict[str, Any], target: dict[str, Any]) -> bool:
    if target.get("spreadsheet"):
        return True
    if "sheetId" in target:
        sheet_id = location.get("sheetId", location.get("dimensionRange", {}).get("sheetId"))
        return sheet_id == target["sheetId"]
    if "dimensionRange" in target and "dimensionRange" in location:
        a, b = location["dimensionRange"], target["dimensionRange"]
        return (
            a.get("sheetId") == b.get("sheetId")
            and a.get("dimension") == b.get("dimension")
            and a.get("startIndex", 0) < b.get("endIndex", 0)
            and b.get("startIndex", 0) < a.get("endIndex", 0)
        )
    return False


def matching_metadata(spreadsheet: Spreadsheet, lookup: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in spreadsheet.developer_metadata:
        if matches(item, lookup):
            yield item


def follow_dimension_change(
    spreadsheet: Spreadsheet, sheet_id: int, dimension: str, change: Change
) -> None:
    """Move row/column metadata of a sheet with its rows/columns; drop what was deleted."""
    kept = []
    for item in spreadsheet.developer_metadata:
        dimension_range = item["location"].get("dimensionRange")
        if (
            dimension_range
            and dimension_range.get("sheetId", 0) == sheet_id
            and dimension_range.get("dimension") == dimension
        ):
            span = adjust_span(
                dimension_range.get("startIndex"), dimension_range.get("endIndex"), change
            )
            if span[0] == span[1]:
                continue
            dimension_range["startIndex"], dimension_range["endIndex"] = span
        kept.append(item)
    spreadsheet.developer_metadata = kept
