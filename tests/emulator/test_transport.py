"""sheets_client(): unmodified gspread aimed at the local server, with a static token or a
service account whose token exchange the server answers too."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import gspread
import pytest
import requests
from google.oauth2 import service_account

from pytest_sheetmigrate.emulator import EmulatorServer, service_keys
from pytest_sheetmigrate.errors import CredentialsError
from pytest_sheetmigrate.transport import sheets_client

SERVICE_ACCOUNT = "migrator@demo-project.iam.gserviceaccount.com"
OWNER = "owner@example.com"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture
def sharing_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(sharing=True, accounts={"owner-token": OWNER}) as running:
        yield running


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    return service_keys.private_key_pem()


def service_account_credentials(pem: str, token_uri: str) -> service_account.Credentials:
    info = {
        "type": "service_account",
        "project_id": "demo-project",
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    return service_account.Credentials.from_service_account_info(
        info, scopes=gspread.auth.DEFAULT_SCOPES
    )


def test_gspread_with_a_static_token_writes_and_reads_back_through_the_local_server(
    server: EmulatorServer,
) -> None:
    client = sheets_client(server.url)
    worksheet = client.create("Transport").sheet1
    worksheet.update([["id", "name"], ["1", "Ada"]], "A1", raw=True)
    assert client.open("Transport").sheet1.get_all_values() == [["id", "name"], ["1", "Ada"]]
    assert server.app.stats.to_json()["requests"] > 0


def test_proxy_settings_in_the_environment_are_ignored(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy that does not exist: a client honouring it could not connect at all.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = sheets_client(server.url)
    assert client.create("Behind a proxy").title == "Behind a proxy"


def test_a_request_without_a_bearer_token_gets_401_unauthenticated(server: EmulatorServer) -> None:
    answer = requests.get(f"{server.url}/v4/spreadsheets/anything", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert answer.json()["error"]["code"] == 401


def test_an_unknown_token_is_refused_when_accounts_are_configured(
    sharing_server: EmulatorServer,
) -> None:
    client = sheets_client(sharing_server.url, token="stolen-token")
    with pytest.raises(gspread.exceptions.APIError) as refused:
        client.open_by_key("any-spreadsheet")
    assert refused.value.code == 401
    assert refused.value.error["status"] == "UNAUTHENTICATED"


def test_a_service_account_sees_a_sheet_only_after_it_is_shared_with_it(
    sharing_server: EmulatorServer, private_key_pem: str
) -> None:
    owner = sheets_client(sharing_server.url, token="owner-token")
    spreadsheet = owner.create("Shared data")
    spreadsheet.sheet1.update([["a"]], "A1", raw=True)
    credentials = service_account_credentials(private_key_pem, f"{sharing_server.url}/token")
    robot = sheets_client(sharing_server.url, credentials)

    # gspread turns a 403 on open_by_key into PermissionError, chained to the API's answer.
    with pytest.raises(PermissionError) as denied:
        robot.open_by_key(spreadsheet.id)
    answer = denied.value.__cause__
    assert isinstance(answer, gspread.exceptions.APIError)
    assert answer.code == 403
    assert answer.error["status"] == "PERMISSION_DENIED"
    assert answer.error["message"] == "The caller does not have permission"

    spreadsheet.share(SERVICE_ACCOUNT, perm_type="user", role="writer", notify=False)
    robot.open_by_key(spreadsheet.id).sheet1.update([["b"]], "B1", raw=True)
    assert owner.open_by_key(spreadsheet.id).sheet1.get_all_values() == [["a", "b"]]
    assert credentials.token is not None and credentials.valid


def test_the_token_exchange_for_googles_token_uri_goes_to_the_local_server(
    sharing_server: EmulatorServer, private_key_pem: str
) -> None:
    credentials = service_account_credentials(
        private_key_pem, "https://oauth2.googleapis.com/token"
    )
    robot = sheets_client(sharing_server.url, credentials)
    created = robot.create("Made by the robot")
    listed = robot.list_spreadsheet_files()
    assert [f["id"] for f in listed] == [created.id]


def test_the_token_endpoint_answers_with_a_bearer_token_for_the_assertions_issuer(
    sharing_server: EmulatorServer,
) -> None:
    claims = json.dumps({"iss": SERVICE_ACCOUNT, "aud": "x"}).encode()
    payload = base64.urlsafe_b64encode(claims).decode().rstrip("=")
    answer = requests.post(
        f"{sharing_server.url}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": f"e30.{payload}.unsigned",
        },
        timeout=5,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    client = sheets_client(sharing_server.url, token=body["access_token"])
    assert client.create("Mine").title == "Mine"


def test_the_token_endpoint_refuses_other_grant_types(server: EmulatorServer) -> None:
    answer = requests.post(
        f"{server.url}/token", data={"grant_type": "password", "assertion": "x"}, timeout=5
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_real_google_without_credentials_is_refused_with_the_fix() -> None:
    with pytest.raises(CredentialsError, match="service-account"):
        sheets_client(None)
