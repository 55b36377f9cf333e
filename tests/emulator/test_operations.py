"""The operation table: every entry's parameters are exactly its handler's, and the rest of the
server (routes, stats keys, journaling, the backend's dispatch) follows the table."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytest_sheetmigrate.emulator.backend import SheetsBackend
from pytest_sheetmigrate.emulator.exceptions import ApiError
from pytest_sheetmigrate.emulator.operations import OPERATIONS, Kind, Operation, Source
from pytest_sheetmigrate.emulator.store import Store
from pytest_sheetmigrate.emulator.urls import url_map

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def handler_parameters(operation: Operation) -> list[inspect.Parameter]:
    """The handler's keyword parameters: after ``self`` (a service method) or the server."""
    parameters = list(inspect.signature(operation.handler).parameters.values())
    return parameters[1:]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_parsed_parameters_are_exactly_the_handlers_parameters(name: str) -> None:
    operation = OPERATIONS[name]
    parameters = handler_parameters(operation)
    catch_alls = [p.name for p in parameters if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    assert catch_alls == [], f"{name}: a handler takes no catch-all argument"
    assert sorted(p.name for p in parameters) == sorted(p.name for p in operation.params)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_path_parameters_are_the_variables_of_the_route(name: str) -> None:
    operation = OPERATIONS[name]
    rule = next(r for r in url_map.iter_rules() if r.endpoint is operation)
    in_path = {p.name for p in operation.params if p.source is Source.PATH}
    assert in_path == set(rule.arguments)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_parameter_a_request_may_leave_out_has_a_default_in_the_handler(name: str) -> None:
    """The parser gives None for a query parameter left out, and internal parameters only come
    from the server's own callers: the handler must have a default for each (a model test calls
    an operation with only the parameters it needs)."""
    operation = OPERATIONS[name]
    required = {
        p.name for p in handler_parameters(operation) if p.default is inspect.Parameter.empty
    }
    optional_sources = {Source.INTERNAL, Source.QUERY, Source.FLAG, Source.NUMBER}
    assert not {p.name for p in operation.params if p.source in optional_sources} & required


def test_a_misspelt_parameter_is_an_error_not_silently_dropped() -> None:
    backend = SheetsBackend()
    created = backend.execute("spreadsheets_create", {}, caller=None, seed=1, now=NOW)
    call = {"spreadsheet_id": created["spreadsheetId"], "range": "A1", "value_render": "FORMULA"}
    with pytest.raises(TypeError, match="value_render"):
        backend.execute("values_get", call, caller=None, seed=2, now=NOW)


def test_the_backend_runs_every_state_operation_of_the_table_and_no_other() -> None:
    backend = SheetsBackend()
    on_state = {name for name, operation in OPERATIONS.items() if operation.kind.on_state}
    assert set(backend._handlers) == on_state
    for name in set(OPERATIONS) - on_state:
        with pytest.raises(ApiError, match="Method not found"):
            backend.execute(name, {}, caller=None, seed=1, now=NOW)


def test_the_store_journals_the_mutating_and_control_operations_of_the_table(
    tmp_path: Path,
) -> None:
    journaled = {n for n, o in OPERATIONS.items() if o.kind in (Kind.MUTATING, Kind.CONTROL)}
    assert journaled == SheetsBackend.JOURNALED
    assert {"values_update", "emulator_create_drive"} <= journaled
    assert not {"values_get", "drive_files_list", "stats_get"} & journaled
    store = Store(SheetsBackend(), tmp_path)
    store.execute("emulator_declare_account", {"email": "a@x", "type": "user"}, None)
    store.execute("drive_files_list", {}, None)
    assert store._seq == 1, "the control operation is journaled, the read is not"
    store.close()


def test_each_route_has_its_own_stats_key() -> None:
    keys = [operation.stats_key for operation in OPERATIONS.values()]
    assert len(set(keys)) == len(keys)
    assert OPERATIONS["values_get"].stats_key == (
        "GET /v4/spreadsheets/{spreadsheetId}/values/{range}"
    )
    assert OPERATIONS["drive_permissions_delete"].stats_key == (
        "DELETE /drive/v3/files/{fileId}/permissions/{permissionId}"
    )
