"""batchUpdate request kinds for rules: data validation and conditional formats.

setDataValidation stores the rule on every cell of its range, as Google's CellData.dataValidation
(a request without a rule, or with an empty one, clears it: SetDataValidationRequest reference);
the rule then lives with its cell, so inserts, deletes and moves carry it (grid.Sheet._remap).
addConditionalFormatRule, updateConditionalFormatRule and deleteConditionalFormatRule keep a
sheet's ConditionalFormatRule list (grid.Sheet.conditional_formats), in priority order, returned
by spreadsheets.get as ``sheets[].conditionalFormats``; the replies are the reference's
UpdateConditionalFormatRuleResponse (newRule, newIndex, oldRule or oldIndex) and
DeleteConditionalFormatRuleResponse (rule); addConditionalFormatRule has no reply.

Conditions are checked against the discovery document (see :mod:`conditions`); gradient points
as Google refused them in the recorded tests of mmedum/google-sheets-mcp (sheetstest "spike S":
"No interpolationPointType specified.", "InterpolationPoint.value is required.", a MIN/MAX
point's value dropped). Not implemented: the rules are stored and moved, never evaluated (no
value is refused for breaking a strict rule, and no effectiveFormat shows a conditional format);
``filteredRowsIncluded`` is accepted and has no effect (no row is ever hidden by a filter here).
"""

from __future__ import annotations

import copy
from typing import Any

from .. import fields as masks
from ..conditions import (
    CONDITIONAL_FORMATTING,
    ConditionError,
    check_condition,
    normalise_validation,
)
from ..grid import Sheet
from ..spreadsheet import normalise_color, normalise_format, render_rule
from .registry import BatchContext, RequestError, kind

VALIDATION = "dataValidation"
_POINT_TYPES = ("MIN", "MAX", "NUMBER", "PERCENT", "PERCENTILE")
_POINTS_WITH_VALUE = ("NUMBER", "PERCENT", "PERCENTILE")


def _validation(rule: dict[str, Any]) -> dict[str, Any]:
    try:
        return normalise_validation(rule)
    except ConditionError as error:
        raise RequestError(str(error)) from None


@kind("setDataValidation")
def set_data_validation(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, box = context.box(body.get("range") or {})
    rule = _validation(body["rule"]) if body.get("rule") else None
    if rule is None:
        for key in [k for k, extra in sheet.extras.items() if VALIDATION in extra]:
            if box.start_row <= key[0] < box.end_row and box.start_col <= key[1] < box.end_col:
                sheet.set_extra(key[0], key[1], {}, cleared=(VALIDATION,))
        return None
    for r in range(box.start_row, box.end_row):
        for c in range(box.start_col, box.end_col):
            sheet.set_extra(r, c, {VALIDATION: rule}, cleared=())
    return None


# --- conditional formats ----------------------------------------------------------------------


def _point(point: Any) -> dict[str, Any]:
    if not isinstance(point, dict) or point.get("type") not in _POINT_TYPES:
        raise RequestError("No interpolationPointType specified.")
    out = dict(point)
    if out["type"] in _POINTS_WITH_VALUE:
        if not out.get("value"):
            raise RequestError("InterpolationPoint.value is required.")
    else:
        out.pop("value", None)  # a MIN or MAX point keeps no value (spike S, Q3)
    # Colours as a cell's: 8-bit components, color and colorStyle mirrored (as for cell formats;
    # unverified for interpolation points).
    if isinstance(out.get("color"), dict):
        out["color"] = normalise_color(out["color"])
        out.setdefault("colorStyle", {"rgbColor": dict(out["color"])})
    style = out.get("colorStyle")
    if isinstance(style, dict) and isinstance(style.get("rgbColor"), dict):
        style["rgbColor"] = normalise_color(style["rgbColor"])
        out.setdefault("color", dict(style["rgbColor"]))
    return out


def _conditional_rule(context: BatchContext, requested: Any) -> tuple[Sheet, dict[str, Any]]:
    """The sheet a ConditionalFormatRule is on and the rule as stored; RequestError if refused."""
    rule = masks.strip_nulls(copy.deepcopy(requested or {}))
    ranges = rule.get("ranges") or []
    if not ranges:  # unverified: a rule that formats no cell
        raise RequestError("A conditional format rule needs at least one range.")
    if len({int(r.get("sheetId", 0)) for r in ranges}) > 1:
        # ConditionalFormatRule.ranges: "All the ranges must be on the same grid."
        raise RequestError("All the ranges of a conditional format rule must be on the same grid.")
    stored: list[dict[str, Any]] = []
    sheet: Sheet | None = None
    for grid_range in ranges:
        sheet, _ = context.box(grid_range)
        stored.append({**grid_range, "sheetId": sheet.sheet_id})
    assert sheet is not None
    out: dict[str, Any] = {"ranges": stored}
    has = [k for k in ("booleanRule", "gradientRule") if k in rule]
    if len(has) != 1:  # the rule's oneof; wording unverified
        raise RequestError("Exactly one of booleanRule and gradientRule is required.")
    if has == ["booleanRule"]:
        boolean = dict(rule["booleanRule"])
        try:
            check_condition(boolean.get("condition"), CONDITIONAL_FORMATTING)
        except ConditionError as error:
            raise RequestError(str(error)) from None
        if isinstance(boolean.get("format"), dict):
            boolean["format"] = normalise_format(boolean["format"])
        out["booleanRule"] = boolean
    else:
        gradient = rule["gradientRule"]
        points = {"minpoint": _point(gradient.get("minpoint"))}
        if gradient.get("midpoint") is not None:
            points["midpoint"] = _point(gradient["midpoint"])
        points["maxpoint"] = _point(gradient.get("maxpoint"))
        out["gradientRule"] = points
    return sheet, out


def _index(body: dict[str, Any], key: str, count: int, *, inclusive: bool = False) -> int:
    index = int(body.get(key, 0))
    if not 0 <= index < count + (1 if inclusive else 0):  # wording unverified
        raise RequestError(f"{key} {index} is out of range: the sheet has {count} rules.")
    return index


@kind("addConditionalFormatRule")
def add_conditional_format_rule(context: BatchContext, body: dict[str, Any]) -> None:
    sheet, rule = _conditional_rule(context, body.get("rule"))
    index = _index(body, "index", len(sheet.conditional_formats), inclusive=True)
    sheet.conditional_formats.insert(index, rule)
    return None


@kind("updateConditionalFormatRule")
def update_conditional_format_rule(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    replacing, moving = body.get("rule") is not None, body.get("newIndex") is not None
    if replacing == moving:  # the request's oneof; wording unverified
        raise RequestError("Exactly one of rule and newIndex is required.")
    if replacing:
        # sheetId: "Required if new_index is set, unused otherwise": the rule's ranges name it.
        sheet, new = _conditional_rule(context, body["rule"])
        index = _index(body, "index", len(sheet.conditional_formats))
        old = sheet.conditional_formats[index]
        sheet.conditional_formats[index] = new
        return {"newRule": render_rule(new), "newIndex": index, "oldRule": render_rule(old)}
    sheet = context.sheet(body.get("sheetId"))
    rules = sheet.conditional_formats
    index = _index(body, "index", len(rules))
    new_index = _index(body, "newIndex", len(rules))
    moved = rules.pop(index)
    rules.insert(new_index, moved)
    return {"newRule": render_rule(moved), "newIndex": new_index, "oldIndex": index}


@kind("deleteConditionalFormatRule")
def delete_conditional_format_rule(context: BatchContext, body: dict[str, Any]) -> dict[str, Any]:
    sheet = context.sheet(body.get("sheetId"))
    index = _index(body, "index", len(sheet.conditional_formats))
    return {"rule": render_rule(sheet.conditional_formats.pop(index))}
