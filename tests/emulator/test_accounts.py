"""Accounts like Google's (sharing mode), over HTTP with unmodified gspread: service accounts own
no file, shared drives hold the files they make, files.list searches the collections Drive
searches, readers do not write, and Drive lists a file's owner.

Sources: gspread issue 1592 and kopia issue 2656 (the storageQuotaExceeded answer), the Drive
documentation quoted in n8n-io/n8n issue 26050 ("Service accounts ... can't own any files"),
xing5/mcp-google-sheets issue 24 (spreadsheets.create by a service account), the Drive v3
files.list reference and googleapis/google-api-php-client issue 1825, nithinmurali/pygsheets
issue 437 and RobinBobin/react-native-google-drive-api-wrapper issue 19 (files.list refusals),
PipedreamHQ/pipedream issue 2381 (a shared-drive parent without supportsAllDrives).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from control_api import control

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.transport import sheets_client

USER, ROBOT, OTHER = "ana@example.com", "robot@demo.iam.gserviceaccount.com", "bo@example.com"
FILES = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
QUOTA_MESSAGE = "The user's Drive storage quota has been exceeded."
ACCOUNTS: dict[str, Any] = {
    "user-token": USER,
    "robot-token": {"email": ROBOT, "type": "service_account"},
    "other-token": OTHER,
}


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(sharing=True, accounts=ACCOUNTS) as running:
        yield running


def client(server: EmulatorServer, token: str) -> gspread.Client:
    return sheets_client(server.url, token=token)


def drive(server: EmulatorServer, *members: tuple[str, str], name: str = "Team") -> str:
    made = control(
        server,
        "POST",
        "drives",
        {"name": name, "members": [{"email": e, "role": r} for e, r in members]},
    )
    return str(made["id"])


def raw(
    gc: gspread.Client, method: str, url: str, *, params: Any = None, json: Any = None
) -> requests.Response:
    """A request through gspread's own session, its answer whatever the status."""
    try:
        return gc.http_client.request(method, url, params=params, json=json)
    except gspread.exceptions.APIError as error:
        return error.response


def drive_error(answer: requests.Response) -> tuple[int, str, str]:
    error = answer.json()["error"]
    return error["code"], error["errors"][0]["reason"], error["message"]


# --- service accounts own no file ------------------------------------------------------------


def test_a_service_accounts_client_create_is_refused_for_lack_of_storage_quota(
    server: EmulatorServer,
) -> None:
    with pytest.raises(gspread.exceptions.APIError) as refused:
        client(server, "robot-token").create("Backup")

    body = refused.value.response.json()["error"]
    assert body == {
        "code": 403,
        "message": QUOTA_MESSAGE,
        "errors": [
            {"message": QUOTA_MESSAGE, "domain": "usageLimits", "reason": "storageQuotaExceeded"}
        ],
    }
    assert client(server, "user-token").list_spreadsheet_files() == []


def test_a_service_accounts_copy_into_its_own_drive_is_refused_and_makes_nothing(
    server: EmulatorServer,
) -> None:
    owner = client(server, "user-token")
    original = owner.create("Orders")
    original.share(ROBOT, perm_type="user", role="writer", notify=False)
    robot = client(server, "robot-token")

    with pytest.raises(gspread.exceptions.APIError) as refused:
        robot.copy(original.id, title="Orders backup", copy_comments=False)

    assert drive_error(refused.value.response) == (403, "storageQuotaExceeded", QUOTA_MESSAGE)
    assert [f["name"] for f in owner.list_spreadsheet_files()] == ["Orders"]
    # The account still reads and writes the spreadsheet shared with it: only owning is refused.
    robot.open_by_key(original.id).sheet1.update([["ok"]], "A1")


def test_a_service_accounts_spreadsheets_create_is_refused_with_permission_denied(
    server: EmulatorServer,
) -> None:
    # xing5/mcp-google-sheets issue 24: POST /v4/spreadsheets by a service account answers
    # 403 "The caller does not have permission".
    answer = raw(
        client(server, "robot-token"),
        "post",
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={"properties": {"title": "Direct"}},
    )

    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }


def test_an_account_becomes_a_service_account_when_the_control_api_declares_it(
    server: EmulatorServer,
) -> None:
    other = client(server, "other-token")
    other.create("Before")  # a user's create works

    declared = control(server, "POST", "accounts", {"email": OTHER, "type": "service_account"})

    assert declared == {"email": OTHER, "type": "service_account"}
    with pytest.raises(gspread.exceptions.APIError) as refused:
        other.create("After")
    assert drive_error(refused.value.response)[:2] == (403, "storageQuotaExceeded")
    control(server, "POST", "accounts", {"email": OTHER, "type": "user"})
    assert other.create("Again").title == "Again"


def test_a_token_from_the_jwt_exchange_is_not_a_service_account_until_declared(
    server: EmulatorServer,
) -> None:
    # On Google every JWT-bearer token is a service account's; here the declaration is explicit
    # (docs/emulator.md), so the tool's tests that create files with such a token keep working.
    issued = server.app.accounts.issue("ci@demo.iam.gserviceaccount.com")
    assert client(server, issued).create("Made by CI").title == "Made by CI"


def test_a_control_api_account_of_an_unknown_type_is_refused(server: EmulatorServer) -> None:
    answer = requests.post(
        f"{server.url}/_emulator/accounts", json={"email": USER, "type": "robot"}, timeout=5
    )
    assert answer.status_code == 400


# --- shared drives -----------------------------------------------------------------------------


def test_a_service_account_creates_and_copies_into_a_shared_drive_it_belongs_to(
    server: EmulatorServer,
) -> None:
    team = drive(server, (ROBOT, "writer"), (USER, "organizer"))
    robot = client(server, "robot-token")

    made = robot.create("Backup", folder_id=team)
    copied = robot.copy(made.id, title="Backup 2", folder_id=team, copy_comments=False)

    for spreadsheet in (made, copied):
        file = raw(
            robot,
            "get",
            f"{FILES}/{spreadsheet.id}",
            params={"supportsAllDrives": True, "fields": "id,driveId,parents,owners"},
        ).json()
        assert file == {"id": spreadsheet.id, "driveId": team, "parents": [team]}
    # The drive's other members see its files.
    assert client(server, "user-token").open_by_key(copied.id).title == "Backup 2"


def test_files_list_finds_a_shared_drives_files_by_in_parents(server: EmulatorServer) -> None:
    # A shared drive's id is its root folder's id: its files list it as their parent (Drive v3
    # File.parents), and "'<id>' in parents" finds them (the query the backup step sends).
    team, other = drive(server, (ROBOT, "writer")), drive(server, (ROBOT, "writer"), name="B")
    robot = client(server, "robot-token")
    inside = robot.create("Backup", folder_id=team)
    robot.create("Backup", folder_id=other)

    def listed(query: str) -> list[str]:
        params = {
            "q": query,
            "corpora": "allDrives",
            "supportsAllDrives": True,
            "includeItemsFromAllDrives": True,
            "fields": "files(id)",
        }
        return [file["id"] for file in raw(robot, "get", FILES, params=params).json()["files"]]

    assert listed(f"name = 'Backup' and '{team}' in parents") == [inside.id]
    assert listed("'0Anowhere' in parents") == []


def test_a_copy_of_a_shared_drives_file_without_parents_stays_in_that_drive(
    server: EmulatorServer,
) -> None:
    # "If not specified as part of a copy request, the file inherits any discoverable parent of
    # the source file" (Drive v3 File.parents).
    team = drive(server, (ROBOT, "writer"))
    robot = client(server, "robot-token")
    source = robot.create("Sheet", folder_id=team)

    answer = raw(
        robot,
        "post",
        f"{FILES}/{source.id}/copy",
        params={"supportsAllDrives": True},
        json={"name": "Sheet backup"},
    )

    assert answer.status_code == 200
    file = raw(
        robot,
        "get",
        f"{FILES}/{answer.json()['id']}",
        params={"supportsAllDrives": True, "fields": "driveId"},
    )
    assert file.json() == {"driveId": team}


@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        # Without supportsAllDrives the drive is no parent Drive knows: 404 "File not found"
        # for the parent (PipedreamHQ/pipedream issue 2381, querylab/lazywarden PR 29).
        pytest.param("robot-token", {}, (404, "notFound"), id="no-supportsAllDrives"),
        # A drive the account is not a member of is as unknown.
        pytest.param("other-token", {"supportsAllDrives": True}, (404, "notFound"), id="outsider"),
        # A reader member may not add files (unverified message).
        pytest.param(
            "user-token",
            {"supportsAllDrives": True},
            (403, "insufficientFilePermissions"),
            id="reader-member",
        ),
    ],
)
def test_a_file_created_into_a_shared_drive_is_refused_unless_the_caller_may_add_to_it(
    server: EmulatorServer, who: str, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    team = drive(server, (ROBOT, "writer"), (USER, "reader"))

    answer = raw(
        client(server, who),
        "post",
        FILES,
        params=params,
        json={"name": "X", "mimeType": SPREADSHEET, "parents": [team]},
    )

    assert drive_error(answer)[:2] == expected
    if expected[0] == 404:
        assert drive_error(answer)[2] == f"File not found: {team}."


def test_a_shared_drives_file_is_not_found_by_id_without_supports_all_drives(
    server: EmulatorServer,
) -> None:
    team = drive(server, (ROBOT, "writer"))
    robot = client(server, "robot-token")
    made = robot.create("In the drive", folder_id=team)

    answer = raw(robot, "get", f"{FILES}/{made.id}")

    assert drive_error(answer) == (404, "notFound", f"File not found: {made.id}.")


def test_a_shared_drives_file_is_hidden_from_accounts_outside_the_drive(
    server: EmulatorServer,
) -> None:
    team = drive(server, (ROBOT, "writer"))
    made = client(server, "robot-token").create("Team sheet", folder_id=team)

    with pytest.raises(PermissionError):
        client(server, "other-token").open_by_key(made.id)


# --- files.list over drives ------------------------------------------------------------------


TEAM = "{team}"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # "The driveId parameter must be specified if and only if corpora is set to drive."
        # (googleapis/google-api-php-client issue 1825; the code, 403, is unverified).
        pytest.param(
            {"driveId": TEAM, "includeItemsFromAllDrives": True},
            (403, "teamDriveIdRequiresTeamDriveCorpora"),
            id="driveId-without-corpora-drive",
        ),
        pytest.param(
            {"corpora": "drive", "includeItemsFromAllDrives": True},
            (403, "teamDriveIdRequiresTeamDriveCorpora"),
            id="corpora-drive-without-driveId",
        ),
        # nithinmurali/pygsheets issue 437: 403 "The includeItemsFromAllDrives parameter must be
        # set to true when driveId is specified or corpora contains drive or allDrives."
        pytest.param(
            {"corpora": "drive", "driveId": TEAM},
            (403, "forbidden"),
            id="drive-without-includeItemsFromAllDrives",
        ),
        pytest.param({"corpora": "allDrives"}, (403, "forbidden"), id="allDrives-without-include"),
        # RobinBobin/react-native-google-drive-api-wrapper issue 19: 404 "Shared drive not found".
        pytest.param(
            {"corpora": "drive", "driveId": "0AnoSuchDriveUk9PVA", "includeItemsFromAllDrives": 1},
            (404, "notFound"),
            id="unknown-drive",
        ),
    ],
)
def test_files_list_refuses_the_drive_parameters_drive_refuses(
    server: EmulatorServer, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    team = drive(server, (USER, "writer"))
    filled = {k: (team if v == TEAM else v) for k, v in params.items()}

    answer = raw(client(server, "user-token"), "get", FILES, params=filled)

    assert drive_error(answer)[:2] == expected


def listed(gc: gspread.Client, **params: Any) -> list[str]:
    answer = raw(gc, "get", FILES, params={"supportsAllDrives": True, **params})
    assert answer.status_code == 200, answer.text
    return sorted(f["name"] for f in answer.json()["files"])


def test_files_list_searches_the_collections_corpora_names(server: EmulatorServer) -> None:
    team = drive(server, (ROBOT, "writer"), (USER, "writer"))
    robot, user = client(server, "robot-token"), client(server, "user-token")
    robot.create("robot in team", folder_id=team)
    user.create("user in team", folder_id=team)
    user.create("user mine")

    assert listed(user) == ["user mine"]  # corpora=user, My Drive only
    # corpora=user with all drives' items: also the shared-drive files the account created.
    assert listed(user, includeItemsFromAllDrives=True) == ["user in team", "user mine"]
    assert listed(user, corpora="drive", driveId=team, includeItemsFromAllDrives=True) == [
        "robot in team",
        "user in team",
    ]
    assert listed(user, corpora="allDrives", includeItemsFromAllDrives=True) == [
        "robot in team",
        "user in team",
        "user mine",
    ]
    # gspread's list_spreadsheet_files sends includeItemsFromAllDrives without corpora.
    assert [f["name"] for f in robot.list_spreadsheet_files()] == ["robot in team"]
    # An account outside the drive sees none of it.
    assert (
        listed(client(server, "other-token"), corpora="allDrives", includeItemsFromAllDrives=1)
        == []
    )


# --- roles, owners, invisible files ----------------------------------------------------------


def test_a_reader_may_read_but_not_write(server: EmulatorServer) -> None:
    spreadsheet = client(server, "user-token").create("Shared to read")
    spreadsheet.sheet1.update([["kept"]], "A1")
    spreadsheet.share(OTHER, perm_type="user", role="reader", notify=False)
    reader = client(server, "other-token").open_by_key(spreadsheet.id)

    assert reader.sheet1.get_all_values() == [["kept"]]
    with pytest.raises(gspread.exceptions.APIError) as refused:
        reader.sheet1.update([["no"]], "A1")
    assert refused.value.code == 403
    assert refused.value.error["message"] == "The caller does not have permission"
    assert spreadsheet.sheet1.get_all_values() == [["kept"]]


@pytest.mark.parametrize("sharing", [True, False], ids=["sharing", "no-sharing"])
def test_permissions_list_names_the_owner(sharing: bool) -> None:
    # Drive lists the owner's own permission, role "owner" (Drive v3 permissions.list).
    with EmulatorServer(sharing=sharing, accounts=ACCOUNTS if sharing else None) as running:
        spreadsheet = client(running, "user-token").create("Owned")
        spreadsheet.share(OTHER, perm_type="user", role="writer", notify=False)

        permissions = spreadsheet.list_permissions()

    owner = USER if sharing else "owner@sheets-emulator.invalid"
    assert [(p["emailAddress"], p["role"]) for p in permissions] == [
        (owner, "owner"),
        (OTHER, "writer"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        # Sheets answers 403 PERMISSION_DENIED for another account's private spreadsheet
        # (burnash/gspread issues: "The caller does not have permission").
        ("get", "https://sheets.googleapis.com/v4/spreadsheets/{id}", None, 403),
        ("get", "https://sheets.googleapis.com/v4/spreadsheets/{id}/values/A1", None, 403),
        ("put", "https://sheets.googleapis.com/v4/spreadsheets/{id}/values/A1", {}, 403),
        ("post", "https://sheets.googleapis.com/v4/spreadsheets/{id}:batchUpdate", {}, 403),
        # Drive answers 404 notFound for a file the caller cannot see ("items ... not visible
        # and the API reports them as 404 notFound rather than 403", plotlinelabs/loma PR 111).
        ("get", f"{FILES}/{{id}}", None, 404),
        ("post", f"{FILES}/{{id}}/copy", {}, 404),
    ],
)
def test_another_accounts_private_spreadsheet_answers_as_google_does(
    server: EmulatorServer, method: str, path: str, body: Any, expected: int
) -> None:
    spreadsheet = client(server, "user-token").create("Private")

    answer = raw(
        client(server, "other-token"),
        method,
        path.format(id=spreadsheet.id),
        params={"valueInputOption": "RAW"} if method == "put" else None,
        json=body,
    )

    assert answer.status_code == expected
    error = answer.json()["error"]
    if expected == 403:
        assert (error["status"], error["message"]) == (
            "PERMISSION_DENIED",
            "The caller does not have permission",
        )
    else:
        assert error["message"] == f"File not found: {spreadsheet.id}."


def test_declared_accounts_and_shared_drives_survive_a_restart(tmp_path: Path) -> None:
    with EmulatorServer(sharing=True, accounts={"t": USER}, data_dir=tmp_path) as first:
        control(first, "POST", "accounts", {"email": USER, "type": "service_account"})
        team = drive(first, (USER, "writer"))
        made = client(first, "t").create("Kept", folder_id=team)

    with EmulatorServer(sharing=True, accounts={"t": USER}, data_dir=tmp_path) as second:
        user = client(second, "t")
        assert listed(user, corpora="drive", driveId=team, includeItemsFromAllDrives=1) == ["Kept"]
        assert user.open_by_key(made.id).title == "Kept"
        with pytest.raises(gspread.exceptions.APIError):
            user.create("Not in My Drive")


def test_only_the_owner_or_a_drives_organizer_deletes_a_file(server: EmulatorServer) -> None:
    # "Permanently deletes a file owned by the user ... If the file belongs to a shared drive,
    # the user must be an organizer on the parent folder." (Drive v3 files.delete reference)
    user, other = client(server, "user-token"), client(server, "other-token")
    mine = user.create("Mine")
    mine.share(OTHER, perm_type="user", role="writer", notify=False)
    team = drive(server, (OTHER, "writer"), (USER, "organizer"))
    in_team = other.create("In the team", folder_id=team)

    refusals = [
        raw(other, "delete", f"{FILES}/{key}", params={"supportsAllDrives": True})
        for key in (mine.id, in_team.id)
    ]
    user.del_spreadsheet(mine.id)
    user.del_spreadsheet(in_team.id)

    assert [drive_error(answer)[:2] for answer in refusals] == [
        (403, "insufficientFilePermissions"),
        (403, "insufficientFilePermissions"),
    ]
    assert listed(user, corpora="allDrives", includeItemsFromAllDrives=True) == []


def test_the_accounts_file_of_the_command_line_declares_service_accounts(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        '{"user-token": "ana@example.com",'
        ' "robot-token": {"email": "robot@x.iam.gserviceaccount.com", "type": "service_account"}}'
    )
    command = [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0", "--sharing"]
    process = subprocess.Popen(
        [*command, "--accounts", str(accounts)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        assert sheets_client(url, token="user-token").create("Mine").title == "Mine"
        with pytest.raises(gspread.exceptions.APIError) as refused:
            sheets_client(url, token="robot-token").create("Not mine")
        assert drive_error(refused.value.response)[:2] == (403, "storageQuotaExceeded")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_an_accounts_file_entry_of_an_unknown_type_stops_the_command_line(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text('{"t": {"email": "a@example.com", "type": "robot"}}')

    finished = subprocess.run(
        [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--accounts", str(accounts)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode != 0
    assert "service_account" in finished.stderr
