"""The answers' bytes: Google's pretty form, ``prettyPrint=false``, stats, the payload limit.

Every JSON answer recorded from Google in ``../shared/fidelity/cassettes`` is orjson's 2-space
indented form plus a final newline, non-ASCII written as UTF-8 (the cassettes' raw
``response.body.string``); the replays below compare the local answers' raw bytes with them.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from control_api import control
from fidelity_replay import (
    ID_KEYS,
    VOLATILE_KEYS,
    IdMap,
    cassette_dir,
    load_episodes,
    normalise,
    parse,
)

from pytest_sheetmigrate.emulator import EmulatorServer

LIMIT = 10_485_760  # "Request payload size exceeds the limit: 10485760 bytes."

# Recordings chosen for their shapes: non-ASCII text and emoji titles, empty rows ([]), an
# empty list of a Drive answer, floats and nested formats, an error body.
BYTE_CASSETTES = [
    "WorksheetTest.test_update_cells_unicode",
    "WorksheetTest.test_update_cell",
    "SpreadsheetTest.test_values_get",
    "WorksheetTest.test_get_all_values",
    "ClientTest.test_copy",
    "WorksheetTest.test_format",
    "WorksheetTest.test_hide_show_worksheet",
]
_NUMERIC_ID = re.compile(r'("(?:' + "|".join(sorted(ID_KEYS)) + r')": )(\d+)')


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        opened.trust_env = False
        opened.headers["Authorization"] = "Bearer format"
        yield opened


def _has_volatile(value: object) -> bool:
    if isinstance(value, dict):
        return any(k in VOLATILE_KEYS or k == "users" or _has_volatile(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_volatile(v) for v in value)
    return False


def _recorded_bytes_with_local_ids(recorded: str, ids: IdMap) -> bytes:
    text = ids.text(recorded)
    text = _NUMERIC_ID.sub(lambda m: m.group(1) + ids.ids.get(m.group(2), m.group(2)), text)
    return text.encode()


@pytest.mark.parametrize("cassette", BYTE_CASSETTES)
def test_json_answers_are_byte_for_byte_the_recorded_ones(
    cassette: str, server: EmulatorServer, session: requests.Session
) -> None:
    compared = 0
    for episode in load_episodes(cassette_dir() / f"{cassette}.json"):
        control(server, "POST", "reset")
        ids = IdMap()
        for interaction in episode:
            body = interaction.body
            headers = {"Content-Type": interaction.content_type} if interaction.content_type else {}
            if body is not None and interaction.content_type == "application/json":
                body = json.dumps(ids.json(json.loads(body)))
            answer = session.request(
                interaction.method,
                server.url + ids.url(interaction.uri),
                data=body,
                headers=headers,
                timeout=30,
            )
            recorded = parse(interaction.response)
            path = urlsplit(interaction.uri).path
            ids.learn(recorded, parse(answer.text))
            if not isinstance(recorded, dict) or _has_volatile(recorded):
                continue
            status = interaction.status
            if normalise(recorded, status, path, ids, recorded=True) != normalise(
                parse(answer.text), answer.status_code, path, ids, recorded=False
            ):
                continue  # a difference of content: test_fidelity's business, not the bytes'
            if status >= 400:  # errors are compared whole here: the recorded one is Google's
                assert answer.content == interaction.response.encode()
            else:
                assert answer.content == _recorded_bytes_with_local_ids(interaction.response, ids)
            compared += 1
    assert compared >= 2, f"only {compared} answers of {cassette} could be compared byte for byte"


def _seeded(server: EmulatorServer) -> str:
    seeded = control(
        server,
        "POST",
        "spreadsheets",
        {"title": "Format", "sheets": [{"values": [["Ärger", "🌵"], [], ["x", 1.5]]}]},
    )
    return f"{server.url}/v4/spreadsheets/{seeded['spreadsheetId']}"


def test_prettyprint_false_gives_the_same_json_compact_and_stats_count_the_bytes_sent(
    server: EmulatorServer, session: requests.Session
) -> None:
    url = _seeded(server) + "/values/Sheet1"
    control(server, "POST", "stats/reset")
    pretty = session.get(url, timeout=5)
    compact = session.get(url, params={"prettyPrint": "false"}, timeout=5)
    assert pretty.json() == compact.json()
    assert (
        pretty.content == json.dumps(pretty.json(), indent=2, ensure_ascii=False).encode() + b"\n"
    )
    assert (
        compact.content
        == json.dumps(compact.json(), separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert "Ärger".encode() in compact.content
    stats = control(server, "GET", "stats")
    assert stats["bytes_out"] == len(pretty.content) + len(compact.content)


def test_errors_are_pretty_printed_too_unless_prettyprint_is_false(
    server: EmulatorServer, session: requests.Session
) -> None:
    url = f"{server.url}/v4/spreadsheets/no-such-spreadsheet"
    pretty = session.get(url, timeout=5)
    compact = session.get(url, params={"prettyPrint": "false"}, timeout=5)
    assert pretty.status_code == compact.status_code == 404
    assert pretty.content.startswith(b'{\n  "error": {\n    "code": 404,\n')
    assert pretty.content.endswith(b"}\n")
    assert compact.content.startswith(b'{"error":{"code":404,')


def _batch_clear_body(size: int) -> bytes:
    """A valid batchClear body of exactly ``size`` bytes (JSON padded with whitespace)."""
    body = b'{"ranges": ["Sheet1!A1"]}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(
    server: EmulatorServer, session: requests.Session
) -> None:
    url = _seeded(server) + "/values:batchClear"
    accepted = session.post(url, data=_batch_clear_body(LIMIT), timeout=30)
    refused = session.post(url, data=_batch_clear_body(LIMIT + 1), timeout=30)
    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 400
    assert refused.json() == {
        "error": {
            "code": 400,
            "message": "Request payload size exceeds the limit: 10485760 bytes.",
            "status": "INVALID_ARGUMENT",
        }
    }


def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(
    server: EmulatorServer,
) -> None:
    """Only the headers are sent: a server that read the body first would never answer."""
    target = urlsplit(_seeded(server) + "/values:batchClear")
    assert target.hostname is not None and target.port is not None
    with socket.create_connection((target.hostname, target.port), timeout=10) as raw:
        raw.sendall(
            f"POST {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\n"
            f"Authorization: Bearer format\r\nContent-Type: application/json\r\n"
            f"Content-Length: {LIMIT + 1}\r\n\r\n{{".encode()
        )
        answer = b""
        while chunk := raw.recv(65536):  # the server answers, then closes the connection
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Request payload size exceeds the limit: 10485760 bytes." in answer


def test_a_chunked_body_over_the_limit_is_refused_too(
    server: EmulatorServer, session: requests.Session
) -> None:
    body = _batch_clear_body(LIMIT + 1)
    chunks = (body[i : i + 1_000_000] for i in range(0, len(body), 1_000_000))
    refused = session.post(_seeded(server) + "/values:batchClear", data=chunks, timeout=30)
    assert refused.request.headers.get("Transfer-Encoding") == "chunked"
    assert refused.status_code == 400
    assert "Request payload size exceeds the limit" in refused.json()["error"]["message"]


def test_a_chunked_body_within_the_limit_is_read_whole(
    server: EmulatorServer, session: requests.Session
) -> None:
    url = _seeded(server)
    body = b'{"ranges": ["Sheet1!A1"]}'
    cleared = session.post(url + "/values:batchClear", data=iter([body[:9], body[9:]]), timeout=5)
    assert cleared.request.headers.get("Transfer-Encoding") == "chunked"
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["clearedRanges"] == ["Sheet1!A1"]
