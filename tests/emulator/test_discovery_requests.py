"""Strict requests: what Google's discovery documents do not allow is refused as Google refuses it.

Each bad request goes through real gspread (its HTTP client raises ``APIError``) over real HTTP
and must get Google's 400 with Google's message. The source of each message's form is named in
the case's comment; where a form is known only for another field of the same family (the same
Google parser), the case says so. Legal requests with every kind of legal value must pass.

Sources (public reports of Google's answers):
- UNKNOWN_TOP: googleapis/google-api-nodejs-client issue 1380 ``Unknown name "requests": Cannot
  find field.``; google-api-dotnet-client issue 2161 (``at 'data'``).
- UNKNOWN_AT: google-api-php-client issue 1403 (``at 'requests[0]'``); issue 10's audit
  (``at 'requests[0].insert_dimension'``); theoephraim/node-google-spreadsheet issue 523
  (``at 'requests[0].update_sheet_properties.properties'``).
- INVALID_VALUE: ``Invalid value at 'requests[0].add_chart.chart.spec.pie_chart.legend_position'
  (type.googleapis.com/google.apps.sheets.v4.PieChartSpec.PieChartLegendPosition), "NONE"`` and
  ``Invalid value at 'requests[0].update_cells.rows[0].values[N]'`` (reports in public code);
  ``(TYPE_INT32)`` for ``page_size`` (the emulator's earlier Drive answer, same parser).
- SCALAR_OBJECT: Slides' ``Invalid value at 'requests[0].create_shape.element_properties.
  transform' (scale_x), Starting an object on a scalar field`` (same Google JSON parser).
- NOT_REPEATING: ``Unknown name "type" at '...': Proto field is not repeating, cannot start
  list.`` (Gemini API reports in public code; same parser).
- QUERY: ``Invalid JSON payload received. Unknown name "refresh_tokens": Cannot bind query
  parameter. Field 'refresh_tokens' could not be found in request message.`` (Firebase docs,
  quoted in several public projects; same front end).
- SHEETS_FIELDS: ringo380/claude-google-sheets-mcp issue 2, ``Error expanding 'fields'
  parameter. Cannot find matching fields for path ' sheets.properties'.`` (a space is refused).
- DRIVE_FIELDS: googleworkspace/java-samples issue 1547, ``Invalid field selection items``,
  reason ``invalidParameter``, location ``fields``.
- UPDATE_MASK: no public report of the text; the form ``Invalid requests[i].<kind>: ...`` is
  Google's for batchUpdate refusals, the rest is unverified (docs/emulator.md).
"""

from __future__ import annotations

import re
from typing import Any

import gspread
import pytest

from pytest_sheetmigrate.emulator import EmulatorServer, discovery
from pytest_sheetmigrate.emulator.operations import OPERATIONS
from pytest_sheetmigrate.transport import sheets_client

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE = "https://www.googleapis.com/drive/v3/files"
NOT_REPEATING = "Proto field is not repeating, cannot start list."
ENUM = r"\(type\.googleapis\.com/google\.apps\.sheets\.v4\.[\w.]+\)"  # type name approximated


def bind_query(name: str) -> str:
    return (
        f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
        f"Field '{name}' could not be found in request message."
    )


def unknown(name: str, at: str = "") -> str:
    where = f" at '{at}'" if at else ""
    return f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'


def insert(**fields: Any) -> dict[str, Any]:
    return {"requests": [{"insertDimension": fields}]}


def rows_range(**extra: Any) -> dict[str, Any]:
    return {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2, **extra}


# (id, http method, path after the spreadsheet id or Drive file id, query, body, message).
# A message starting with "^" is a regular expression (enum type names are approximated).
BAD: list[tuple[str, str, str, dict[str, str], Any, str]] = [
    # -- unknown names at several depths (UNKNOWN_TOP, UNKNOWN_AT) --
    ("unknown-top-level", "POST", ":batchUpdate", {}, {"requestz": []}, unknown("requestz")),
    (
        "unknown-request-kind",
        "POST",
        ":batchUpdate",
        {},
        {"requests": [{"insertDimensionz": {}}]},
        unknown("insertDimensionz", "requests[0]"),
    ),
    (
        "unknown-in-insert-dimension",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(), foo=1),
        unknown("foo", "requests[0].insert_dimension"),
    ),
    (
        "unknown-in-dimension-range",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(sheet=0)),
        unknown("sheet", "requests[0].insert_dimension.range"),
    ),
    (
        "unknown-in-sheet-properties",  # node-google-spreadsheet issue 523
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "headerValues": ["a"]},
                        "fields": "title",
                    }
                }
            ]
        },
        unknown("headerValues", "requests[0].update_sheet_properties.properties"),
    ),
    (
        "unknown-deep-in-cell-data",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "updateCells": {
                        "start": {"sheetId": 0},
                        "rows": [{"values": [{"userEnteredValue": {"text": "a"}}]}],
                        "fields": "userEnteredValue",
                    }
                }
            ]
        },
        unknown("text", "requests[0].update_cells.rows[0].values[0].user_entered_value"),
    ),
    (
        "unknown-second-request-of-the-batch",
        "POST",
        ":batchUpdate",
        {},
        {"requests": [{"insertDimension": {"range": rows_range()}}, {"addSheet": {"title": "x"}}]},
        unknown("title", "requests[1].add_sheet"),
    ),
    (
        "two-unknown-names-reported-one-a-line",  # php-client issue 1403 lists every one
        "POST",
        ":batchUpdate",
        {},
        {"requests": [{"properties": {}}, {"properties": {}}]},
        unknown("properties", "requests[0]") + "\n" + unknown("properties", "requests[1]"),
    ),
    (
        "unknown-in-values-update-body",
        "PUT",
        "/values/A1",
        {"valueInputOption": "RAW"},
        {"values": [["a"]], "valueInputOption": "RAW"},
        unknown("valueInputOption"),
    ),
    (
        "unknown-in-values-batch-update-data",  # dotnet-client issue 2161 form
        "POST",
        "/values:batchUpdate",
        {},
        {"valueInputOption": "RAW", "data": [{"range": "A1", "value": [["a"]]}]},
        unknown("value", "data[0]"),
    ),
    (
        "unknown-in-batch-clear",
        "POST",
        "/values:batchClear",
        {},
        {"range": ["A1"]},
        unknown("range"),
    ),
    (
        "unknown-in-metadata-search-filter",
        "POST",
        "/developerMetadata:search",
        {},
        {"dataFilters": [{"metadataKey": "k"}]},
        unknown("metadataKey", "data_filters[0]"),
    ),
    (
        "unknown-in-copy-to",
        "POST",
        "/sheets/0:copyTo",
        {},
        {"destinationSpreadsheet": "x"},
        unknown("destinationSpreadsheet"),
    ),
    # -- wrong JSON types (INVALID_VALUE, SCALAR_OBJECT, NOT_REPEATING) --
    (
        "string-for-int32",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(startIndex="abc")),
        "Invalid value at 'requests[0].insert_dimension.range.start_index' (TYPE_INT32), \"abc\"",
    ),
    (
        "fraction-for-int32",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(endIndex=1.5)),
        "Invalid value at 'requests[0].insert_dimension.range.end_index' (TYPE_INT32), 1.5",
    ),
    (
        "int32-overflow",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(endIndex=3000000000)),
        "Invalid value at 'requests[0].insert_dimension.range.end_index' (TYPE_INT32), 3000000000",
    ),
    (
        "string-for-bool",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(), inheritFromBefore="yes"),
        "Invalid value at 'requests[0].insert_dimension.inherit_from_before' (TYPE_BOOL), \"yes\"",
    ),
    (
        "number-for-string",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {"updateSpreadsheetProperties": {"properties": {"title": 5}, "fields": "title"}}
            ]
        },
        "Invalid value at 'requests[0].update_spreadsheet_properties.properties.title' "
        "(TYPE_STRING), 5",
    ),
    (
        "string-for-number",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {"sheetId": 0},
                        "cell": {"userEnteredFormat": {"backgroundColor": {"red": "much"}}},
                        "fields": "userEnteredFormat.backgroundColor",
                    }
                }
            ]
        },
        "Invalid value at 'requests[0].repeat_cell.cell.user_entered_format.background_color.red'"
        ' (TYPE_FLOAT), "much"',
    ),
    (
        "string-for-message",
        "POST",
        ":batchUpdate",
        {},
        insert(range="A1:A2"),
        "Invalid value at 'requests[0].insert_dimension.range' "
        '(type.googleapis.com/google.apps.sheets.v4.DimensionRange), "A1:A2"',
    ),
    (
        "object-for-scalar",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(sheetId={"id": 0})),
        "Invalid value at 'requests[0].insert_dimension.range' (sheet_id), "
        "Starting an object on a scalar field",
    ),
    (
        "list-for-message",
        "POST",
        ":batchUpdate",
        {},
        insert(range=[rows_range()]),
        f'Invalid JSON payload received. Unknown name "range" at '
        f"'requests[0].insert_dimension': {NOT_REPEATING}",
    ),
    (
        "list-for-scalar",
        "POST",
        "/values:batchUpdate",
        {},
        {"valueInputOption": ["RAW"], "data": []},
        f'Invalid JSON payload received. Unknown name "valueInputOption": {NOT_REPEATING}',
    ),
    (
        "row-of-values-not-a-list",
        "PUT",
        "/values/A1",
        {"valueInputOption": "RAW"},
        {"values": ["a"]},
        "Invalid value at 'values[0]' (type.googleapis.com/google.protobuf.ListValue), \"a\"",
    ),
    # -- enum values the API does not have (INVALID_VALUE, enum form) --
    (
        "bad-enum-dimension",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(dimension="ROW")),
        rf"^Invalid value at 'requests\[0\]\.insert_dimension\.range\.dimension' {ENUM}, \"ROW\"$",
    ),
    (
        "bad-enum-merge-type",
        "POST",
        ":batchUpdate",
        {},
        {"requests": [{"mergeCells": {"range": {"sheetId": 0}, "mergeType": "MERGE_EVERYTHING"}}]},
        rf"^Invalid value at 'requests\[0\]\.merge_cells\.merge_type' {ENUM}, "
        r"\"MERGE_EVERYTHING\"$",
    ),
    (
        "bad-enum-in-body-value-input-option",
        "POST",
        "/values:batchUpdate",
        {},
        {"valueInputOption": "RAWW", "data": []},
        rf"^Invalid value at 'value_input_option' {ENUM}, \"RAWW\"$",
    ),
    (
        "bad-enum-major-dimension-in-value-range",
        "PUT",
        "/values/A1",
        {"valueInputOption": "RAW"},
        {"values": [["a"]], "majorDimension": "ROW"},
        rf"^Invalid value at 'major_dimension' {ENUM}, \"ROW\"$",
    ),
    # -- query parameters (QUERY, INVALID_VALUE) --
    ("unknown-query-parameter", "GET", "/values/A1", {"foo": "1"}, None, bind_query("foo")),
    (
        "misspelt-query-parameter",
        "GET",
        "",
        {"includeGridDat": "true"},
        None,
        bind_query("includeGridDat"),
    ),
    (
        "body-field-as-query-parameter",  # values.batchUpdate takes valueInputOption in the body
        "POST",
        "/values:batchUpdate",
        {"valueInputOption": "RAW"},
        {"valueInputOption": "RAW", "data": []},
        bind_query("valueInputOption"),
    ),
    (
        "bad-query-enum-value-input-option",
        "PUT",
        "/values/A1",
        {"valueInputOption": "RAWW"},
        {"values": [["a"]]},
        rf"^Invalid value at 'value_input_option' {ENUM}, \"RAWW\"$",
    ),
    (
        "bad-query-enum-value-render-option",
        "GET",
        "/values/A1",
        {"valueRenderOption": "FORMULAS"},
        None,
        rf"^Invalid value at 'value_render_option' {ENUM}, \"FORMULAS\"$",
    ),
    (
        "bad-query-enum-insert-data-option",
        "POST",
        "/values/A1:append",
        {"valueInputOption": "RAW", "insertDataOption": "INSERT"},
        {"values": [["a"]]},
        rf"^Invalid value at 'insert_data_option' {ENUM}, \"INSERT\"$",
    ),
    (
        "bad-query-bool",
        "GET",
        "",
        {"includeGridData": "maybe"},
        None,
        "Invalid value at 'include_grid_data' (TYPE_BOOL), \"maybe\"",
    ),
    (
        "bad-standard-parameter-enum",
        "GET",
        "/values/A1",
        {"alt": "xml"},
        None,
        r"^Invalid value at 'alt' \(type\.googleapis\.com/[\w.]+\), \"xml\"$",
    ),
    # -- partial-response masks (SHEETS_FIELDS, DRIVE_FIELDS) --
    (
        "sheets-fields-unknown",
        "GET",
        "",
        {"fields": "sheets.foo"},
        None,
        "Error expanding 'fields' parameter. Cannot find matching fields for path 'sheets.foo'.",
    ),
    (
        "sheets-fields-with-a-space",  # claude-google-sheets-mcp issue 2
        "GET",
        "",
        {"fields": "properties, sheets.properties"},
        None,
        "Error expanding 'fields' parameter. Cannot find matching fields for path "
        "' sheets.properties'.",
    ),
    (
        "sheets-fields-on-values-get",
        "GET",
        "/values/A1",
        {"fields": "valuez"},
        None,
        "Error expanding 'fields' parameter. Cannot find matching fields for path 'valuez'.",
    ),
    (
        "sheets-fields-below-a-scalar",
        "GET",
        "",
        {"fields": "properties.title.length"},
        None,
        "Error expanding 'fields' parameter. Cannot find matching fields for path "
        "'properties.title.length'.",
    ),
    # -- update masks in batchUpdate requests (UPDATE_MASK) --
    (
        "update-mask-unknown-sheet-property",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {"updateSheetProperties": {"properties": {"sheetId": 0}, "fields": "titel"}}
            ]
        },
        "Invalid requests[0].updateSheetProperties: Invalid field mask: titel",
    ),
    (
        "update-mask-unknown-cell-format-field",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {"sheetId": 0},
                        "cell": {},
                        "fields": "userEnteredFormat.colour",
                    }
                }
            ]
        },
        "Invalid requests[0].repeatCell: Invalid field mask: userEnteredFormat.colour",
    ),
    (
        "update-mask-names-the-implied-root",  # "'row.values.' should not be specified"
        "POST",
        ":batchUpdate",
        {},
        {"requests": [{"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "rows"}}]},
        "Invalid requests[0].updateCells: Invalid field mask: rows",
    ),
]

# Drive: (id, http method, path after /drive/v3/files, query, message of errors[0]).
DRIVE_BAD: list[tuple[str, str, str, dict[str, str], str]] = [
    (
        "drive-list-v2-field-names",  # java-samples issue 1547, verbatim
        "GET",
        "",
        {"fields": "nextPageToken, items(id, title)"},
        "Invalid field selection items",
    ),
    (
        "drive-get-unknown-field",
        "GET",
        "/{file}",
        {"fields": "titel"},
        "Invalid field selection titel",
    ),
    (
        "drive-copy-unknown-field",
        "POST",
        "/{file}/copy",
        {"fields": "id,size2"},
        "Invalid field selection size2",
    ),
    (
        "drive-permissions-unknown-nested-field",
        "GET",
        "/{file}/permissions",
        {"fields": "permissions(id,mail)"},
        "Invalid field selection mail",
    ),
]


@pytest.fixture(scope="module")
def client(server: EmulatorServer) -> gspread.Client:
    return sheets_client(server.url)


@pytest.fixture(scope="module")
def spreadsheet(client: gspread.Client) -> gspread.Spreadsheet:
    return client.create("Strict")


def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(gspread.exceptions.APIError) as raised:
        call()
    response = raised.value.response
    assert response.status_code == 400
    error: dict[str, Any] = response.json()["error"]
    return error


def test_the_table_has_at_least_the_audits_thirty_six_cases() -> None:
    assert len(BAD) + len(DRIVE_BAD) >= 36


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_a_request_google_refuses_is_refused_with_googles_message(
    client: gspread.Client,
    spreadsheet: gspread.Spreadsheet,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    message: str,
) -> None:
    url = f"{SHEETS}/{spreadsheet.id}{path}"
    error = refusal(lambda: client.http_client.request(method, url, params=query, json=body))
    assert error["status"] == "INVALID_ARGUMENT"
    if message.startswith("^"):
        assert re.match(message, error["message"]), error["message"]
    else:
        assert error["message"] == message


@pytest.mark.parametrize(
    ("method", "path", "query", "message"),
    [case[1:] for case in DRIVE_BAD],
    ids=[case[0] for case in DRIVE_BAD],
)
def test_a_drive_request_with_a_bad_field_selection_is_refused_as_drive_refuses_it(
    client: gspread.Client,
    spreadsheet: gspread.Spreadsheet,
    method: str,
    path: str,
    query: dict[str, str],
    message: str,
) -> None:
    url = DRIVE + path.format(file=spreadsheet.id)
    error = refusal(lambda: client.http_client.request(method, url, params=query, json=None))
    assert error["message"] == message
    assert error["errors"][0]["reason"] == "invalidParameter"
    assert error["errors"][0]["location"] == "fields"


# Legal requests with every kind of legal value (proto3 JSON mapping,
# https://protobuf.dev/programming-guides/json/: "Parsers accept both the lowerCamelCase name
# and the original proto field name"; int32 "Either numbers or strings are accepted"; enums by
# name or number; null is the default) and the document's standard parameters.
GOOD: list[tuple[str, str, str, dict[str, str], Any]] = [
    (
        "proto-field-names",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "insert_dimension": {
                        "range": {
                            "sheet_id": 0,
                            "dimension": "COLUMNS",
                            "start_index": 1,
                            "end_index": 2,
                        },
                        "inherit_from_before": True,
                    }
                }
            ]
        },
    ),
    (
        "int32-as-string-and-integral-number",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(startIndex="1", endIndex=2.0)),
    ),
    (
        "enum-as-number-and-null-field",
        "POST",
        ":batchUpdate",
        {},
        insert(range=rows_range(dimension=1), inheritFromBefore=None),
    ),
    (
        "number-as-string-and-map-keys",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {"sheetId": 0, "endRowIndex": 1},
                        "cell": {
                            "userEnteredFormat": {"backgroundColor": {"red": "0.5", "green": 1}}
                        },
                        "fields": "userEnteredFormat(backgroundColor,textFormat.bold)",
                    }
                },
                {
                    "setBasicFilter": {
                        "filter": {
                            "range": {"sheetId": 0},
                            "criteria": {"0": {"hiddenValues": ["a"]}},
                        }
                    }
                },
            ]
        },
    ),
    (
        "star-and-nested-update-masks",
        "POST",
        ":batchUpdate",
        {},
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                },
                {"updateSpreadsheetProperties": {"properties": {"title": "T"}, "fields": "*"}},
            ]
        },
    ),
    (
        "any-values-and-standard-parameters",
        "PUT",
        "/values/A1",
        {
            "valueInputOption": "USER_ENTERED",
            "includeValuesInResponse": "False",
            "prettyPrint": "false",
            "alt": "json",
            "$.xgafv": "2",
            "quotaUser": "q",
        },
        {"range": "A1", "majorDimension": "ROWS", "values": [["a", 1, 2.5, True, None]]},
    ),
    (
        "repeated-query-parameter-and-slash-mask",
        "GET",
        "",
        {
            "ranges": ["A1", "B2"],
            "includeGridData": "true",
            "fields": "sheets/data/rowData/values/note,properties(title,locale)",
        },
        None,
    ),
    (
        "values-mask-and-enum-query",
        "GET",
        "/values:batchGet",
        {
            "ranges": "A1",
            "majorDimension": "COLUMNS",
            "valueRenderOption": "FORMULA",
            "fields": "spreadsheetId,valueRanges(range,values)",
        },
        None,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [case[1:] for case in GOOD],
    ids=[case[0] for case in GOOD],
)
def test_a_request_with_legal_values_of_every_kind_passes(
    client: gspread.Client,
    spreadsheet: gspread.Spreadsheet,
    method: str,
    path: str,
    query: dict[str, Any],
    body: Any,
) -> None:
    url = f"{SHEETS}/{spreadsheet.id}{path}"
    response = client.http_client.request(method, url, params=query, json=body)
    assert response.status_code == 200


def test_drive_field_selections_allow_spaces_and_nested_lists(
    client: gspread.Client, spreadsheet: gspread.Spreadsheet
) -> None:
    """Drive tolerates spaces in ``fields`` (claude-google-sheets-mcp issue 2)."""
    listing = client.http_client.request(
        "get", DRIVE, params={"fields": "kind, nextPageToken, files(id, name)"}
    ).json()
    assert {"id", "name"} <= set(listing["files"][0])


def test_every_request_kind_of_the_document_is_known_to_the_checker() -> None:
    """The kinds come from the document, so new kinds (setDataValidation, copyPaste ...) pass."""
    kinds = discovery.document("sheets")["schemas"]["Request"]["properties"]
    assert {"setDataValidation", "copyPaste", "cutPaste", "autoResizeDimensions"} <= set(kinds)
    discovery.check_request(
        OPERATIONS["spreadsheets_batch_update"],
        [],
        {"requests": [{kind: {}} for kind in kinds]},
    )


def test_a_request_in_proto_names_and_string_numbers_does_what_its_json_form_does(
    client: gspread.Client,
) -> None:
    """The state model receives the canonical form of a legal request (protobuf JSON mapping)."""
    spreadsheet = client.create("Canonical")
    before = spreadsheet.sheet1.col_count
    spreadsheet.batch_update(
        {
            "requests": [
                {
                    "insert_dimension": {
                        "range": {
                            "sheet_id": str(spreadsheet.sheet1.id),
                            "dimension": 2,  # COLUMNS, by number
                            "start_index": "1",
                            "end_index": 3.0,
                        },
                        "inherit_from_before": None,
                    }
                }
            ]
        }
    )
    assert spreadsheet.worksheet("Sheet1").col_count == before + 2
