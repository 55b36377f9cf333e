"""batchUpdate request kinds on developer metadata: createDeveloperMetadata,
updateDeveloperMetadata, deleteDeveloperMetadata.

Metadata is found by ``developerMetadataLookup`` data filters only (the other DataFilter kinds
are refused); locations are checked against the sheet they name.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import fields as masks
from ..metadata import matches, normalise_location
from .registry import BatchContext, RequestError, field_mask, kind


def _check_location(context: BatchContext, location: dict[str, Any]) -> dict[str, Any]:
    try:
        normal = normalise_location(location)
    except ValueError as error:
        raise RequestError(str(error)) from None
    if "sheetId" in normal:
        context.sheet(normal["sheetId"])
    if "dimensionRange" in normal:
        context.dimension_range(normal["dimensionRange"])
    return normal


@kind("createDeveloperMetadata")
def create_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    requested = masks.strip_nulls(body.get("developerMetadata") or {})
    if not requested.get("metadataKey"):
        raise RequestError("Developer metadata must have a metadataKey.")
    existing = {m["metadataId"] for m in context.spreadsheet.developer_metadata}
    metadata_id = requested.get("metadataId")
    if metadata_id is None:
        metadata_id = context.state.new_int_id()
        while metadata_id in existing:
            metadata_id = context.state.new_int_id()
    elif int(metadata_id) in existing:
        raise RequestError(f"Developer metadata with ID {metadata_id} already exists.")
    item: dict[str, Any] = {"metadataId": int(metadata_id), "metadataKey": requested["metadataKey"]}
    if "metadataValue" in requested:
        item["metadataValue"] = requested["metadataValue"]
    item["location"] = _check_location(context, requested.get("location") or {})
    item["visibility"] = requested.get("visibility", "DOCUMENT")
    context.spreadsheet.developer_metadata.append(item)
    return {"developerMetadata": copy.deepcopy(item)}


def _lookups(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lookups = []
    for data_filter in filters:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            raise RequestError(
                "Only developerMetadataLookup data filters are supported by this server."
            )
        lookups.append(lookup)
    return lookups


# What an update may change: every field but metadataId, which is given once, at creation
# (DeveloperMetadata reference: "IDs may be specified when metadata is created").
_UPDATABLE_METADATA = ("metadataKey", "metadataValue", "location", "visibility")


@kind("updateDeveloperMetadata")
def update_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    """``fields: "*"`` stands for every updatable field (UpdateDeveloperMetadataRequest
    reference: 'A single "*" can be used as short-hand for listing every field'); the id always
    survives. An update that leaves a key, location or visibility empty is refused ("Developer
    metadata must always have a visibility specified"); which wording Google uses is unverified."""
    lookups = _lookups(body.get("dataFilters") or [])
    mask = field_mask(body) or {}
    if "*" in mask:
        mask = {key: None for key in _UPDATABLE_METADATA}
    mask = {key: sub for key, sub in mask.items() if key != "metadataId"}
    source = body.get("developerMetadata") or {}
    updated = []
    for item in context.spreadsheet.developer_metadata:
        if any(matches(item, lookup) for lookup in lookups):
            masks.apply_update(item, source, mask)
            if not item.get("metadataKey"):
                raise RequestError("Developer metadata must have a metadataKey.")
            if not item.get("visibility"):
                raise RequestError("Developer metadata must always have a visibility specified.")
            if "location" in mask:
                if not item.get("location"):
                    raise RequestError("Developer metadata must have a location.")
                item["location"] = _check_location(context, item["location"])
            updated.append(copy.deepcopy(item))
    return {"developerMetadata": updated} if updated else {}


@kind("deleteDeveloperMetadata")
def delete_developer_metadata(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    lookups = _lookups([body.get("dataFilter") or {}])
    kept: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    for item in context.spreadsheet.developer_metadata:
        (deleted if any(matches(item, lookup) for lookup in lookups) else kept).append(item)
    context.spreadsheet.developer_metadata = kept
    return {"deletedDeveloperMetadata": deleted} if deleted else {}
