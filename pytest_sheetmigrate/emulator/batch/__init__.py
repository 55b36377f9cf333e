"""spreadsheets.batchUpdate: one function per request kind, applied to a working copy.

:mod:`.registry` holds what every kind works on (:class:`BatchContext`), the ``@kind``
decorator, :class:`RequestError` and :func:`apply_request`, the dispatcher; it imports no kind
module. The kind modules import the registry and register their kinds when imported, which this
``__init__`` does:

- :mod:`.sheets`: addSheet, deleteSheet, duplicateSheet, updateSheetProperties,
  updateSpreadsheetProperties;
- :mod:`.dimensions`: insertDimension, appendDimension, deleteDimension, moveDimension,
  updateDimensionProperties, addDimensionGroup, deleteDimensionGroup;
- :mod:`.developer_metadata`: createDeveloperMetadata, updateDeveloperMetadata,
  deleteDeveloperMetadata;
- :mod:`.cell_edits`: updateCells, repeatCell, appendCells, mergeCells, unmergeCells, sortRange,
  updateBorders;
- :mod:`.ranges`: addProtectedRange, deleteProtectedRange, addNamedRange, updateNamedRange,
  deleteNamedRange, setBasicFilter, clearBasicFilter;
- :mod:`.paste`: copyPaste, cutPaste, autoResizeDimensions;
- :mod:`.rules`: setDataValidation, addConditionalFormatRule, updateConditionalFormatRule,
  deleteConditionalFormatRule.
"""

from __future__ import annotations

from . import cell_edits, developer_metadata, dimensions, paste, ranges, rules, sheets
from .registry import KINDS, BatchContext, RequestError, apply_request, kind
from .sheets import check_new_sheet

__all__ = [
    "KINDS",
    "BatchContext",
    "RequestError",
    "apply_request",
    "cell_edits",
    "check_new_sheet",
    "developer_metadata",
    "dimensions",
    "kind",
    "paste",
    "ranges",
    "rules",
    "sheets",
]
