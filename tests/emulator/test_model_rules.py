"""Data validation, conditional format rules and insertDimension's inheritance on the state model.

Sources: the SetDataValidationRequest, ConditionalFormatRule, Add/Update/Delete
ConditionalFormatRuleRequest and their Response, and InsertDimensionRequest references
(developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/request and /response);
the ConditionType enum as Google's discovery document for Sheets v4 describes it
(googleapiclient/discovery_cache/documents/sheets.v4.json); Google's refusals of gradient points
as recorded by mmedum/google-sheets-mcp (internal/gapi/sheetstest, "spike S").
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from model_helpers import Model

from pytest_sheetmigrate.emulator.conditions import (
    CONDITIONAL_FORMATTING,
    DATA_VALIDATION,
    condition_types,
    discovery_document,
)
from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.emulator.grid import Sheet
from pytest_sheetmigrate.emulator.spreadsheet import sheet_properties


def grid(r0: int, r1: int, c0: int, c1: int, sheet_id: int = 0) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def one_of(*items: str) -> dict[str, Any]:
    return {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": i} for i in items]}


def cells(model: Model, sid: str, a1: str, field: str) -> list[list[Any]]:
    """The ``field`` of each cell of ``a1`` (None where absent), as spreadsheets.get gives it."""
    answer = model("spreadsheets_get", spreadsheet_id=sid, ranges=[a1], include_grid_data=True)
    data = answer["sheets"][0]["data"][0]
    return [[cell.get(field) for cell in row.get("values", [])] for row in data.get("rowData", [])]


def rules(model: Model, sid: str, index: int = 0) -> list[dict[str, Any]]:
    sheet = model("spreadsheets_get", spreadsheet_id=sid)["sheets"][index]
    return list(sheet.get("conditionalFormats", []))


def refusal(model: Model, sid: str, request: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as raised:
        model.batch(sid, request)
    assert raised.value.code == 400
    return raised.value.message


# --- the condition types, from the discovery document -----------------------------------------


def test_every_condition_type_of_the_discovery_document_states_its_uses_and_values() -> None:
    described = discovery_document()["schemas"]["BooleanCondition"]["properties"]["type"]["enum"]
    assert set(condition_types()) == set(described) - {"CONDITION_TYPE_UNSPECIFIED"}
    # Spot checks against the descriptions' words.
    starts = condition_types()["TEXT_STARTS_WITH"]  # "Supported by conditional formatting ..."
    assert starts.uses == {CONDITIONAL_FORMATTING} and (starts.fewest, starts.most) == (1, 1)
    between = condition_types()["DATE_BETWEEN"]  # "Supported by data validation. ... exactly two"
    assert between.uses == {DATA_VALIDATION} and (between.fewest, between.most) == (2, 2)
    boolean = condition_types()["BOOLEAN"]  # "Supports zero, one or two ConditionValues"
    assert (boolean.fewest, boolean.most) == (0, 2)


# --- setDataValidation ------------------------------------------------------------------------


def test_a_validation_rule_is_stored_on_every_cell_of_its_range(model: Model) -> None:
    # SetDataValidationRequest: "The data validation rule to set on each cell in the range";
    # CellData.dataValidation is where spreadsheets.get returns it. False and empty fields are
    # left out, as Google's proto3 JSON leaves out defaults.
    sid = model.new_spreadsheet()
    rule = {"condition": one_of("Yes", "No"), "strict": True, "showCustomUi": False}
    model.batch(sid, {"setDataValidation": {"range": grid(1, 3, 1, 2), "rule": rule}})
    stored = {"condition": one_of("Yes", "No"), "strict": True}
    assert cells(model, sid, "Sheet1!A1:C3", "dataValidation") == [
        [],
        [None, stored],
        [None, stored],
    ]


def test_a_validation_request_without_a_rule_clears_the_range(model: Model) -> None:
    # SetDataValidationRequest.rule: "... or empty to clear the data validation in the range."
    sid = model.new_spreadsheet()
    rule = {"condition": one_of("a")}
    model.batch(sid, {"setDataValidation": {"range": grid(0, 3, 0, 1), "rule": rule}})
    model.batch(sid, {"setDataValidation": {"range": grid(1, 2, 0, 1)}})
    assert cells(model, sid, "Sheet1!A1:A3", "dataValidation") == [
        [{"condition": one_of("a")}],
        [],
        [{"condition": one_of("a")}],
    ]


def _condition(kind: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "values": list(values)} if values else {"type": kind}


_VALUE = {"userEnteredValue": "1"}
_TODAY = {"relativeDate": "TODAY"}


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        pytest.param(
            _condition("BLANK"),
            "not supported in data validation",
            id="BLANK-conditional-formatting-only-per-its-enum-description-and-PR-892",
        ),
        pytest.param(
            _condition("TEXT_STARTS_WITH", _VALUE),
            "not supported in data validation",
            id="TEXT_STARTS_WITH-conditional-formatting-only-per-its-enum-description",
        ),
        pytest.param(
            _condition("NUMBER_BETWEEN", _VALUE),
            "requires 2 condition values, not 1",
            id="NUMBER_BETWEEN-requires-exactly-two-ConditionValues",
        ),
        pytest.param(
            _condition("NUMBER_GREATER"),
            "requires 1 condition values, not 0",
            id="NUMBER_GREATER-requires-a-single-ConditionValue",
        ),
        pytest.param(
            _condition("TEXT_IS_EMAIL", _VALUE),
            "requires 0 condition values, not 1",
            id="TEXT_IS_EMAIL-requires-no-ConditionValues",
        ),
        pytest.param(
            _condition("BOOLEAN", _VALUE, _VALUE, _VALUE),
            "requires 0 to 2 condition values, not 3",
            id="BOOLEAN-supports-zero-one-or-two-ConditionValues",
        ),
        pytest.param(
            _condition("DATE_BEFORE", _TODAY),
            "Relative dates are not supported in data validation.",
            id="relativeDate-not-supported-in-data-validation-per-ConditionValue",
        ),
        pytest.param(
            _condition("TEXT_NOT_EQ", _VALUE),
            "not supported in data validation",
            id="TEXT_NOT_EQ-filters-on-data-source-objects-only",
        ),
        pytest.param(
            _condition("NUMBER_BIGGER", _VALUE),
            "Invalid condition type: NUMBER_BIGGER",
            id="a-type-the-ConditionType-enum-lacks",
        ),
        pytest.param(
            None,
            "A condition with a type is required",
            id="CONDITION_TYPE_UNSPECIFIED-the-default-do-not-use",
        ),
    ],
)
def test_a_validation_rule_google_refuses_is_refused_and_changes_nothing(
    model: Model, condition: dict[str, Any] | None, reason: str
) -> None:
    sid = model.new_spreadsheet()
    before = model.state()
    rule = {"condition": condition} if condition else {"strict": True}
    message = refusal(model, sid, {"setDataValidation": {"range": grid(0, 1, 0, 1), "rule": rule}})
    assert message.startswith("Invalid requests[0].setDataValidation: ")
    assert reason in message
    assert model.state() == before


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(one_of("Yes", "No"), id="ONE_OF_LIST-with-values"),
        pytest.param(
            _condition("ONE_OF_LIST"),
            id="ONE_OF_LIST-empty-supports-any-number-of-values-unverified",
        ),
        pytest.param(_condition("BOOLEAN"), id="BOOLEAN-no-values-is-a-checkbox"),
        pytest.param(
            _condition("BOOLEAN", {"userEnteredValue": "Y"}, {"userEnteredValue": "N"}),
            id="BOOLEAN-checked-and-unchecked-values",
        ),
        pytest.param(
            _condition("CUSTOM_FORMULA", {"userEnteredValue": "=A1>0"}), id="CUSTOM_FORMULA"
        ),
        pytest.param(
            _condition("ONE_OF_RANGE", {"userEnteredValue": "=Sheet1!$E$2:$E$13"}),
            id="ONE_OF_RANGE",
        ),
        pytest.param(_condition("DATE_IS_VALID"), id="DATE_IS_VALID-no-values"),
    ],
)
def test_a_validation_rule_google_accepts_is_stored(
    model: Model, condition: dict[str, Any]
) -> None:
    sid = model.new_spreadsheet()
    model.batch(
        sid, {"setDataValidation": {"range": grid(0, 1, 0, 1), "rule": {"condition": condition}}}
    )
    assert cells(model, sid, "Sheet1!A1", "dataValidation") == [[{"condition": condition}]]


def test_values_written_through_the_api_are_not_checked_against_a_strict_rule(
    model: Model,
) -> None:
    # Unverified: a strict rule refuses input in the UI; no source shows the API refusing a
    # values.update, and scripted writes are reported not to be checked. Not enforced here.
    sid = model.new_spreadsheet()
    rule = {"condition": one_of("Yes", "No"), "strict": True}
    model.batch(sid, {"setDataValidation": {"range": grid(0, 1, 0, 1), "rule": rule}})
    model.put(sid, "Sheet1!A1", [["Maybe"]], option="USER_ENTERED")
    assert model.get(sid, "Sheet1!A1")["values"] == [["Maybe"]]


def test_update_cells_stores_and_checks_a_cell_s_data_validation(model: Model) -> None:
    # CellData.dataValidation is a field of the cell, so updateCells writes it too.
    sid = model.new_spreadsheet()
    row = {"values": [{"dataValidation": {"condition": one_of("a"), "strict": False}}]}
    model.batch(
        sid,
        {"updateCells": {"range": grid(0, 1, 0, 1), "rows": [row], "fields": "dataValidation"}},
    )
    assert cells(model, sid, "Sheet1!A1", "dataValidation") == [[{"condition": one_of("a")}]]
    bad = {"values": [{"dataValidation": {"condition": _condition("BLANK")}}]}
    message = refusal(
        model,
        sid,
        {"updateCells": {"range": grid(0, 1, 0, 1), "rows": [bad], "fields": "dataValidation"}},
    )
    assert message.startswith("Invalid requests[0].updateCells: ")


def test_a_cell_s_validation_moves_with_it_when_rows_and_columns_change(model: Model) -> None:
    # Data validation belongs to its cell (CellData), so it moves as the cell does.
    sid = model.new_spreadsheet()
    rule = {"condition": one_of("x")}
    model.batch(sid, {"setDataValidation": {"range": grid(1, 2, 1, 2), "rule": rule}})  # B2
    model.batch(
        sid,
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
            }
        },
        {
            "moveDimension": {
                "source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2},
                "destinationIndex": 4,
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
            }
        },
    )
    # B2 -> B3 (row inserted above) -> D3 (column B moved before E) -> C3 (column A deleted).
    assert cells(model, sid, "Sheet1!A3:D3", "dataValidation") == [
        [None, None, {"condition": one_of("x")}]
    ]


# --- conditional format rules -----------------------------------------------------------------


def boolean_rule(kind: str = "NOT_BLANK", *ranges: dict[str, int]) -> dict[str, Any]:
    return {
        "ranges": list(ranges) or [grid(0, 10, 0, 1)],
        "booleanRule": {
            "condition": {"type": kind},
            "format": {"textFormat": {"bold": True}},
        },
    }


def _rendered(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule as Google echoes it: sheetId 0 left out of its GridRanges."""
    ranges = [{k: v for k, v in r.items() if k != "sheetId"} for r in rule["ranges"]]
    return {**rule, "ranges": ranges}


def test_rules_are_added_at_their_index_and_returned_in_order(model: Model) -> None:
    # AddConditionalFormatRuleRequest.index: "The zero-based index where the rule should be
    # inserted"; Sheet.conditionalFormats: "The conditional format rules in this sheet."
    sid = model.new_spreadsheet()
    first, second, third = (boolean_rule(k) for k in ("NOT_BLANK", "BLANK", "NOT_BLANK"))
    third["ranges"] = [grid(0, 5, 2, 3)]
    answer = model.batch(
        sid,
        {"addConditionalFormatRule": {"rule": first, "index": 0}},
        {"addConditionalFormatRule": {"rule": second, "index": 0}},
        {"addConditionalFormatRule": {"rule": third, "index": 1}},
    )
    assert answer["replies"] == [{}, {}, {}]  # the Response message has no reply for an add
    assert rules(model, sid) == [_rendered(second), _rendered(third), _rendered(first)]


def test_updating_a_rule_replaces_it_and_replies_the_new_and_the_old_rule(model: Model) -> None:
    # UpdateConditionalFormatRuleResponse: newRule, newIndex, oldRule ("oldIndex: Not set if a
    # rule was replaced").
    sid = model.new_spreadsheet()
    old, new = boolean_rule("NOT_BLANK"), boolean_rule("BLANK")
    model.batch(sid, {"addConditionalFormatRule": {"rule": old, "index": 0}})
    answer = model.batch(sid, {"updateConditionalFormatRule": {"index": 0, "rule": new}})
    assert answer["replies"] == [
        {
            "updateConditionalFormatRule": {
                "newRule": _rendered(new),
                "newIndex": 0,
                "oldRule": _rendered(old),
            }
        }
    ]
    assert rules(model, sid) == [_rendered(new)]


def test_moving_a_rule_reorders_them_and_replies_the_old_index(model: Model) -> None:
    # UpdateConditionalFormatRuleRequest.newIndex with sheetId ("Required if new_index is set");
    # the response's oldRule "Not set if a rule was moved".
    sid = model.new_spreadsheet()
    a, b, c = (boolean_rule(k) for k in ("NOT_BLANK", "BLANK", "NOT_BLANK"))
    c["ranges"] = [grid(0, 2, 0, 2)]
    for rule in (c, b, a):
        model.batch(sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    answer = model.batch(
        sid, {"updateConditionalFormatRule": {"index": 0, "newIndex": 2, "sheetId": 0}}
    )
    assert answer["replies"][0]["updateConditionalFormatRule"] == {
        "newRule": _rendered(a),
        "newIndex": 2,
        "oldIndex": 0,
    }
    assert rules(model, sid) == [_rendered(b), _rendered(c), _rendered(a)]


def test_deleting_a_rule_replies_the_deleted_rule(model: Model) -> None:
    # DeleteConditionalFormatRuleResponse.rule: "The rule that was deleted."
    sid = model.new_spreadsheet()
    kept, gone = boolean_rule("BLANK"), boolean_rule("NOT_BLANK")
    model.batch(
        sid,
        {"addConditionalFormatRule": {"rule": kept, "index": 0}},
        {"addConditionalFormatRule": {"rule": gone, "index": 1}},
    )
    answer = model.batch(sid, {"deleteConditionalFormatRule": {"index": 1, "sheetId": 0}})
    assert answer["replies"] == [{"deleteConditionalFormatRule": {"rule": _rendered(gone)}}]
    assert rules(model, sid) == [_rendered(kept)]


@pytest.mark.parametrize(
    ("request_", "kind"),
    [
        pytest.param(
            {"addConditionalFormatRule": {"rule": boolean_rule(), "index": 2}},
            "addConditionalFormatRule",
            id="add-past-the-end-of-the-list",
        ),
        pytest.param(
            {"updateConditionalFormatRule": {"index": 1, "rule": boolean_rule()}},
            "updateConditionalFormatRule",
            id="replace-a-rule-that-does-not-exist",
        ),
        pytest.param(
            {"updateConditionalFormatRule": {"index": 0, "newIndex": 1, "sheetId": 0}},
            "updateConditionalFormatRule",
            id="move-past-the-end",
        ),
        pytest.param(
            {"deleteConditionalFormatRule": {"index": 1, "sheetId": 0}},
            "deleteConditionalFormatRule",
            id="delete-a-rule-that-does-not-exist",
        ),
    ],
)
def test_an_index_outside_the_rule_list_is_refused(
    model: Model, request_: dict[str, Any], kind: str
) -> None:
    sid = model.new_spreadsheet()
    model.batch(sid, {"addConditionalFormatRule": {"rule": boolean_rule(), "index": 0}})
    before = model.state()
    message = refusal(model, sid, request_)
    assert message.startswith(f"Invalid requests[0].{kind}: ")
    assert "out of range" in message
    assert model.state() == before


def _point(kind: str, value: str | None = None) -> dict[str, Any]:
    point: dict[str, Any] = {"type": kind, "color": {"red": 1, "green": 1, "blue": 1}}
    if value is not None:
        point["value"] = value
    return point


@pytest.mark.parametrize(
    ("gradient", "reason"),
    [
        pytest.param(
            {"minpoint": _point("MIN")},
            "No interpolationPointType specified.",
            id="no-maxpoint-spike-S",
        ),
        pytest.param(
            {"minpoint": _point("NUMBER"), "maxpoint": _point("MAX")},
            "InterpolationPoint.value is required.",
            id="a-number-point-with-no-value-spike-S",
        ),
        pytest.param(
            {
                "minpoint": _point("MIN"),
                "midpoint": _point("PERCENTILE"),
                "maxpoint": _point("MAX"),
            },
            "InterpolationPoint.value is required.",
            id="a-percentile-midpoint-with-no-value-spike-S",
        ),
        pytest.param(
            {"minpoint": {"value": "1"}, "maxpoint": _point("MAX")},
            "No interpolationPointType specified.",
            id="a-point-with-no-type-spike-S",
        ),
    ],
)
def test_a_colour_scale_google_refuses_is_refused(
    model: Model, gradient: dict[str, Any], reason: str
) -> None:
    sid = model.new_spreadsheet()
    rule = {"ranges": [grid(0, 5, 0, 1)], "gradientRule": gradient}
    message = refusal(model, sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    assert message == f"Invalid requests[0].addConditionalFormatRule: {reason}"


def test_a_colour_scale_is_stored_with_its_min_point_value_dropped(model: Model) -> None:
    # Spike S (Q3): "a value sent on a min point is dropped".
    sid = model.new_spreadsheet()
    gradient = {"minpoint": _point("MIN", "2"), "maxpoint": _point("NUMBER", "256")}
    rule = {"ranges": [grid(9, 10, 0, 26)], "gradientRule": gradient}
    model.batch(sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    stored = rules(model, sid)[0]["gradientRule"]
    assert "value" not in stored["minpoint"]
    assert stored["maxpoint"]["value"] == "256"
    assert stored["maxpoint"]["colorStyle"] == {"rgbColor": {"red": 1, "green": 1, "blue": 1}}


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        pytest.param(
            boolean_rule("TEXT_IS_EMAIL"),
            "not supported in conditional formatting",
            id="TEXT_IS_EMAIL-supported-by-data-validation-only",
        ),
        pytest.param(
            boolean_rule("DATE_ON_OR_BEFORE"),
            "not supported in conditional formatting",
            id="DATE_ON_OR_BEFORE-supported-by-data-validation-only",
        ),
        pytest.param(
            {
                "ranges": [grid(0, 1, 0, 1)],
                "booleanRule": {"condition": {"type": "DATE_EQ", "values": [_TODAY]}},
            },
            "A relative date is not valid for the condition type DATE_EQ.",
            id="relativeDate-valid-only-for-DATE_BEFORE-AFTER-ON_OR-per-ConditionValue",
        ),
        pytest.param(
            boolean_rule("NOT_BLANK", grid(0, 1, 0, 1), grid(0, 1, 0, 1, sheet_id=7)),
            "must be on the same grid",
            id="ranges-on-two-grids-All-the-ranges-must-be-on-the-same-grid",
        ),
        pytest.param(
            {"ranges": [grid(0, 1, 0, 1)]},
            "Exactly one of booleanRule and gradientRule is required.",
            id="neither-kind-of-rule-unverified-wording",
        ),
    ],
)
def test_a_conditional_rule_google_refuses_is_refused(
    model: Model, rule: dict[str, Any], reason: str
) -> None:
    sid = model.new_spreadsheet()
    message = refusal(model, sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    assert message.startswith("Invalid requests[0].addConditionalFormatRule: ")
    assert reason in message


def test_a_relative_date_is_accepted_in_a_conditional_format(model: Model) -> None:
    # ConditionValue.relativeDate: "supported only in conditional formatting and conditional
    # filters", for DATE_BEFORE, DATE_AFTER, DATE_ON_OR_BEFORE or DATE_ON_OR_AFTER.
    sid = model.new_spreadsheet()
    condition = {"type": "DATE_AFTER", "values": [{"relativeDate": "PAST_WEEK"}]}
    rule = {"ranges": [grid(0, 5, 0, 1)], "booleanRule": {"condition": condition}}
    model.batch(sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    assert rules(model, sid)[0]["booleanRule"]["condition"] == condition


def _insert(dimension: str, start: int, end: int, before: bool = False) -> dict[str, Any]:
    request: dict[str, Any] = {
        "range": {"sheetId": 0, "dimension": dimension, "startIndex": start, "endIndex": end}
    }
    if before:
        request["inheritFromBefore"] = True
    return {"insertDimension": request}


def _delete(dimension: str, start: int, end: int) -> dict[str, Any]:
    return {
        "deleteDimension": {
            "range": {"sheetId": 0, "dimension": dimension, "startIndex": start, "endIndex": end}
        }
    }


@pytest.mark.parametrize(
    ("change", "ranges_after"),
    [
        pytest.param(
            _insert("COLUMNS", 2, 4), [grid(1, 5, 1, 6)], id="columns-inserted-inside-grow-it"
        ),
        pytest.param(
            _insert("COLUMNS", 4, 5, before=True),
            [grid(1, 5, 1, 4)],
            id="a-column-inserted-just-past-its-end-does-not-grow-it",
        ),
        pytest.param(
            _insert("COLUMNS", 0, 1), [grid(1, 5, 2, 5)], id="a-column-inserted-before-moves-it"
        ),
        pytest.param(
            _insert("ROWS", 1, 3), [grid(3, 7, 1, 4)], id="rows-inserted-at-its-start-move-it"
        ),
        pytest.param(
            _delete("ROWS", 0, 2), [grid(0, 3, 1, 4)], id="deleting-rows-it-holds-shrinks-it"
        ),
        pytest.param(
            {
                "moveDimension": {
                    "source": {
                        "sheetId": 0,
                        "dimension": "COLUMNS",
                        "startIndex": 1,
                        "endIndex": 4,
                    },
                    "destinationIndex": 6,
                }
            },
            [grid(1, 5, 3, 6)],
            id="its-columns-moved-carry-it",
        ),
        pytest.param(
            _delete("COLUMNS", 1, 4), [], id="a-rule-whose-cells-are-all-deleted-disappears"
        ),
    ],
)
def test_a_conditional_format_range_follows_its_cells(
    model: Model, change: dict[str, Any], ranges_after: list[dict[str, int]]
) -> None:
    # Conditional-format ranges move and grow with their cells like every anchored range
    # (../shared/google-behaviour.md, "Objects that move with cells"); a rule left with no
    # range disappearing is unverified.
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {"addConditionalFormatRule": {"rule": boolean_rule("BLANK", grid(1, 5, 1, 4)), "index": 0}},
    )
    model.batch(sid, change)
    found = rules(model, sid)
    expected = [_rendered(boolean_rule("BLANK", *ranges_after))] if ranges_after else []
    assert found == expected


def test_a_rule_keeps_its_other_ranges_when_one_is_deleted(model: Model) -> None:
    sid = model.new_spreadsheet()
    rule = boolean_rule("BLANK", grid(0, 5, 0, 1), grid(0, 5, 3, 4))
    model.batch(sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    model.batch(sid, _delete("COLUMNS", 0, 1))
    assert rules(model, sid) == [_rendered(boolean_rule("BLANK", grid(0, 5, 2, 3)))]


def test_an_open_ended_range_keeps_its_open_side(model: Model) -> None:
    sid = model.new_spreadsheet()
    rule = boolean_rule("BLANK", {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 2})
    model.batch(sid, {"addConditionalFormatRule": {"rule": rule, "index": 0}})
    model.batch(sid, _insert("COLUMNS", 0, 1))
    assert rules(model, sid)[0]["ranges"] == [{"startRowIndex": 1, "startColumnIndex": 3}]


def test_a_duplicated_sheet_has_the_rules_on_its_own_grid(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(sid, {"addConditionalFormatRule": {"rule": boolean_rule(), "index": 0}})
    model.batch(sid, {"duplicateSheet": {"sourceSheetId": 0, "newSheetId": 42}})
    copied = rules(model, sid, index=1)
    assert [r["sheetId"] for r in copied[0]["ranges"]] == [42]
    assert rules(model, sid) == [_rendered(boolean_rule())]  # the source keeps its own


def test_a_sheet_copied_to_another_spreadsheet_has_the_rules_on_its_new_grid(
    model: Model,
) -> None:
    # Unverified (closest evidence: a copied sheet keeps its formatting): the rules go with it.
    sid, target = model.new_spreadsheet("from"), model.new_spreadsheet("to")
    model.batch(sid, {"addConditionalFormatRule": {"rule": boolean_rule(), "index": 0}})
    copied = model(
        "sheets_copy_to", spreadsheet_id=sid, sheet_id=0, body={"destinationSpreadsheetId": target}
    )
    found = rules(model, target, index=1)
    assert [r["sheetId"] for r in found[0]["ranges"]] == [copied["sheetId"]]


# --- insertDimension: inheritFromBefore -------------------------------------------------------

RED = {"backgroundColor": {"red": 1}}
GREEN = {"backgroundColor": {"green": 1}}


def _decorate_columns(model: Model, sid: str) -> None:
    """Column A red with a list rule, column B green with a note, both with widths and values."""
    model.put(sid, "Sheet1!A1", [["a", "b"], ["1", "2"]])
    model.batch(
        sid,
        {
            "repeatCell": {
                "range": grid(0, 2, 0, 1),
                "cell": {"userEnteredFormat": RED, "note": "left"},
                "fields": "userEnteredFormat,note",
            }
        },
        {
            "repeatCell": {
                "range": grid(0, 2, 1, 2),
                "cell": {"userEnteredFormat": GREEN},
                "fields": "userEnteredFormat",
            }
        },
        {"setDataValidation": {"range": grid(0, 2, 0, 1), "rule": {"condition": one_of("a")}}},
        {
            "updateDimensionProperties": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": 50},
                "fields": "pixelSize",
            }
        },
    )


def _column_widths(model: Model, sid: str) -> list[int]:
    answer = model("spreadsheets_get", spreadsheet_id=sid, ranges=["A1:D1"], include_grid_data=True)
    return [m["pixelSize"] for m in answer["sheets"][0]["data"][0]["columnMetadata"]]


def test_columns_inherited_from_before_take_the_left_column_s_format_rule_and_width(
    model: Model,
) -> None:
    # InsertDimensionRequest: "If inheritFromBefore is true, the two new rows will be red
    # (because the row before the insertion point was red)". Values and notes are not
    # properties of the dimension and are not inherited.
    sid = model.new_spreadsheet()
    _decorate_columns(model, sid)
    model.batch(sid, _insert("COLUMNS", 1, 3, before=True))
    fmt = cells(model, sid, "Sheet1!A1:D1", "userEnteredFormat")[0]
    assert [f["backgroundColor"] for f in fmt] == [{"red": 1}, {"red": 1}, {"red": 1}, {"green": 1}]
    validations = cells(model, sid, "Sheet1!A2:D2", "dataValidation")[0]
    assert validations == [{"condition": one_of("a")}] * 3 + [None]
    assert cells(model, sid, "Sheet1!A1:D1", "note") == [["left", None, None, None]]
    assert model.get(sid, "Sheet1!A1:D2")["values"] == [["a", "", "", "b"], ["1", "", "", "2"]]
    assert _column_widths(model, sid) == [50, 50, 50, 100]


def test_columns_inherited_from_after_take_the_right_column_s_format(model: Model) -> None:
    # "... whereas if inheritFromBefore is false, the two new rows will be green (because the row
    # after the insertion point was green)" (InsertDimensionRequest reference).
    sid = model.new_spreadsheet()
    _decorate_columns(model, sid)
    model.batch(sid, _insert("COLUMNS", 1, 2))
    fmt = cells(model, sid, "Sheet1!A1:C1", "userEnteredFormat")[0]
    assert [f["backgroundColor"] for f in fmt] == [{"red": 1}, {"green": 1}, {"green": 1}]
    assert cells(model, sid, "Sheet1!B2:C2", "dataValidation") == [[None, None]]
    assert _column_widths(model, sid) == [50, 100, 100, 100]


def test_a_row_inserted_at_the_end_has_nothing_after_it_to_inherit(model: Model) -> None:
    sid = model.new_spreadsheet()
    model.batch(
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"rowCount": 2}},
                "fields": "gridProperties.rowCount",
            }
        },
        {
            "repeatCell": {
                "range": grid(1, 2, 0, 1),
                "cell": {"userEnteredFormat": RED},
                "fields": "userEnteredFormat",
            }
        },
    )
    model.batch(sid, _insert("ROWS", 2, 3))  # inheritFromBefore false, at the end
    assert cells(model, sid, "Sheet1!A3", "userEnteredFormat") == []
    model.batch(sid, _insert("ROWS", 2, 3, before=True))  # the same place, from before
    formats = cells(model, sid, "Sheet1!A2:A4", "userEnteredFormat")
    assert [[f["backgroundColor"] for f in row] for row in formats] == [[{"red": 1}], [{"red": 1}]]


def test_inheriting_from_before_the_first_row_is_refused(model: Model) -> None:
    # InsertDimensionRequest: "True to inherit from the dimensions before (in which case the
    # start index must be greater than 0)".
    sid = model.new_spreadsheet()
    message = refusal(model, sid, _insert("ROWS", 0, 1, before=True))
    assert message.startswith("Invalid requests[0].insertDimension: ")


# --- snapshots --------------------------------------------------------------------------------


def test_a_sheet_pickled_before_conditional_formats_existed_loads_with_none() -> None:
    sheet = Sheet(sheet_properties(0, "Sheet1", 0, 10, 5))
    del sheet.__dict__["conditional_formats"]  # as a snapshot written before the field
    loaded = pickle.loads(pickle.dumps(sheet))
    assert loaded.conditional_formats == []
    assert loaded.clone().conditional_formats == []
