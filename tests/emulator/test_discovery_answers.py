"""Every answer of every implemented method validates against Google's discovery documents.

A representative workload drives each operation of urls.py through real gspread over real HTTP;
every JSON answer gspread receives is checked by ``discovery.answer_violations`` against the
method's response schema (sheets.v4.json, drive.v3.json, drive.v2.json from
google-api-python-client). The recorded Google answers of ``../shared/fidelity`` are checked the
same way, which shows the validator accepts what Google really sends. The counts are printed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import gspread
import pytest
import requests
from fidelity_replay import cassette_dir, cassette_names, operation_of

from pytest_sheetmigrate.emulator import EmulatorServer, discovery
from pytest_sheetmigrate.emulator.operations import OPERATIONS
from pytest_sheetmigrate.transport import sheets_client

# Answers that are not JSON by design: media (export) and Drive's 204 deletes.
NOT_JSON = frozenset({"drive_files_export", "drive_files_delete", "drive_permissions_delete"})


class AnswerLog:
    """A ``requests`` response hook: the operation and JSON answer of every 2xx response."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.violations: list[str] = []

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        operation = operation_of(request.method or "GET", request.url or "")
        if operation is None or response.status_code >= 300:
            return
        self.calls[operation.name] += 1
        if operation.name in NOT_JSON:
            return
        self.violations += discovery.answer_violations(operation, response.json())


def run_workload(client: gspread.Client) -> None:
    """At least one call of every implemented operation, with the answers' richer shapes."""
    http = client.http_client
    spreadsheet = client.create("Answers")
    http.request(
        "post",
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={
            "properties": {"title": "Direct", "locale": "en_US"},
            "sheets": [{"properties": {"title": "One", "gridProperties": {"rowCount": 5}}}],
        },
    )
    worksheet = spreadsheet.sheet1
    worksheet.update([["name", "n", "when"], ["a", 1, "=NOW()"], ["b", 2.5, True]], "A1")
    worksheet.update([["x"]], "D1", raw=False, include_values_in_response=True)
    worksheet.append_row(["c", 3], value_input_option="RAW", table_range="A1")
    worksheet.get_all_values()
    worksheet.get("A1:C3", value_render_option=gspread.utils.ValueRenderOption.formula)
    worksheet.batch_get(["A1:B2", "C1"], major_dimension="COLUMNS")
    worksheet.batch_update([{"range": "E1", "values": [["y"]]}], raw=True)
    worksheet.batch_clear(["E1"])
    worksheet.format("A1:C1", {"textFormat": {"bold": True}, "backgroundColor": {"red": 0.9}})
    worksheet.merge_cells("A5:B5")
    worksheet.freeze(rows=1)
    worksheet.insert_rows([["z"]], row=2, inherit_from_before=True)
    worksheet.update_note("A1", "a note")
    worksheet.add_protected_range("A1:A2", description="guarded")
    spreadsheet.add_worksheet("Second", rows=20, cols=5).update_tab_color("#ff0000")
    worksheet.define_named_range("A1:B2", "Named")
    worksheet.set_basic_filter("A1:C4")
    spreadsheet.batch_update(
        {
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "k",
                            "metadataValue": "v",
                            "location": {"sheetId": worksheet.id},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            ],
            "includeSpreadsheetInResponse": True,
        }
    )
    metadata = spreadsheet.fetch_sheet_metadata({"includeGridData": "true"})
    metadata_id = metadata["sheets"][0]["developerMetadata"][0]["metadataId"]
    spreadsheet.fetch_sheet_metadata({"fields": "sheets.properties.tabColorStyle"})
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet.id}"
    http.request("get", f"{base}/developerMetadata/{metadata_id}")
    http.request(
        "post",
        f"{base}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "k"}}]},
    )
    http.request(
        "post",
        f"{base}/values:batchUpdateByDataFilter",
        json={
            "valueInputOption": "RAW",
            "includeValuesInResponse": True,
            "data": [
                {"dataFilter": {"a1Range": "Sheet1!F1"}, "values": [["f"]]},
                {
                    "dataFilter": {"developerMetadataLookup": {"metadataKey": "k"}},
                    "values": [["g"]],
                },
            ],
        },
    )
    worksheet.copy_to(spreadsheet.id)
    worksheet.clear()
    spreadsheet.get_lastUpdateTime()
    client.list_spreadsheet_files()
    spreadsheet.share("friend@example.com", perm_type="user", role="writer", notify=False)
    permissions = spreadsheet.list_permissions()
    friend = next(p for p in permissions if p.get("emailAddress") == "friend@example.com")
    spreadsheet.remove_permissions("friend@example.com")
    assert friend["role"] == "writer"
    copy = client.copy(spreadsheet.id, title="Copy", copy_comments=True)
    client.import_csv(copy.id, "a,b\n1,2\n")
    client.export(copy.id, gspread.utils.ExportFormat.CSV)
    client.del_spreadsheet(copy.id)


def test_every_answer_of_every_implemented_method_validates_against_the_discovery_documents(
    server: EmulatorServer,
) -> None:
    client = sheets_client(server.url)
    log = AnswerLog()
    client.http_client.session.hooks["response"].append(log)
    run_workload(client)
    called = set(log.calls)
    print(
        f"\ndiscovery answers: {sum(log.calls.values())} calls validated over "
        f"{len(called)} operations, {len(log.violations)} violations"
    )
    implemented = {name for name, operation in OPERATIONS.items() if operation.discovery}
    assert called == implemented, implemented - called
    assert log.violations == []


@pytest.mark.skipif(not cassette_names(), reason="no fidelity cassettes")
def test_googles_recorded_answers_validate_against_the_same_documents() -> None:
    """The validator agrees with Google: its own recorded answers show no violation."""
    calls = 0
    violations: list[str] = []
    for path in sorted(cassette_dir().glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["interactions"]:
            request, response = item["request"], item["response"]
            operation = operation_of(request["method"], request["uri"])
            text = response["body"]["string"]
            if operation is None or operation.name in NOT_JSON or response["status"]["code"] >= 300:
                continue
            calls += 1
            violations += [
                f"{path.stem}: {v}"
                for v in discovery.answer_violations(operation, json.loads(text))
            ]
    print(f"\nrecorded Google answers: {calls} validated, {len(violations)} violations")
    assert calls > 0
    assert violations == []


@pytest.mark.parametrize(
    ("operation", "answer", "violation"),
    [
        (
            "spreadsheets_get",
            {"spreadsheetId": "x", "sheets": [{"properties": {"sheetid": 0}}]},
            "spreadsheets_get: sheets[0].properties.sheetid: unknown field",
        ),
        (
            "spreadsheets_get",
            {"sheets": [{"properties": {"index": "0"}}]},
            'spreadsheets_get: sheets[0].properties.index: "0" is not a int32 integer',
        ),
        (
            "values_get",
            {"range": "A1", "majorDimension": "ROW"},
            'values_get: majorDimension: "ROW" is not a value of its enum',
        ),
        (
            "values_update",
            {"updatedCells": True},
            "values_update: updatedCells: true is not a int32 integer",
        ),
        (
            "drive_files_get",
            {"id": "x", "size": 12},  # Drive writes int64 as a JSON string
            "drive_files_get: size: 12 is not a int64 string",
        ),
        (
            "drive_files_list",
            {"files": {"id": "x"}},
            'drive_files_list: files: expected an array, got {"id": "x"}',
        ),
        (
            "spreadsheets_batch_update",
            {"replies": [{}], "updatedSpreadsheet": None},
            "spreadsheets_batch_update: updatedSpreadsheet: null",
        ),
    ],
    ids=["unknown", "string-int", "enum", "bool-int", "int64-number", "object-array", "null"],
)
def test_the_answer_validator_reports_what_the_response_schema_does_not_allow(
    operation: str, answer: dict[str, Any], violation: str
) -> None:
    assert discovery.answer_violations(OPERATIONS[operation], answer) == [violation]
