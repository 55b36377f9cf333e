"""Replaying recorded Google traffic (VCR cassettes) against the local Sheets server.

A cassette (``../shared/fidelity/cassettes/*.json``, see its README) holds one or more
*episodes*: recordings of the same gspread test, each starting with the cassette's first request.
An episode is replayed on a fresh server state, request by request over real HTTP. Recorded ids
(spreadsheet and Drive ids, sheetIds, protected/named range ids, metadata ids) differ from the
local ones: :class:`IdMap` learns recorded -> local from each answer and rewrites later requests
and recorded answers with it. Answers are then compared after masking only what the README lists
as volatile: ``createdTime``/``modifiedTime``, ``spreadsheetUrl``, editor e-mails, Drive file
lists (only this episode's files are kept), upload metadata (only ``kind, id, title, mimeType`` of
the Drive v2 upload answer are compared); errors are compared by code and status.

Requests that read the recording account's *other* files (a recorded id never created in the
episode, answered with success: gspread's ``openall`` opens every file the account has) cannot be
replayed and are counted as skipped; a request on an unknown id that Google refused is replayed.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from werkzeug.exceptions import HTTPException

from pytest_sheetmigrate.emulator import discovery
from pytest_sheetmigrate.emulator.operations import Operation
from pytest_sheetmigrate.emulator.urls import url_map

ENV_VAR = "SHEETMIGRATE_FIDELITY_DIR"
REPO = Path(__file__).resolve().parents[2]

# Keys whose values are ids that differ between the recording and the local server.
ID_KEYS = frozenset(
    {
        "spreadsheetId",
        "id",
        "sheetId",
        "sourceSheetId",
        "newSheetId",
        "protectedRangeId",
        "namedRangeId",
        "metadataId",
        "destinationSpreadsheetId",
    }
)
VOLATILE_KEYS = frozenset({"createdTime", "modifiedTime", "spreadsheetUrl"})
UPLOAD_KEYS = ("kind", "id", "title", "mimeType")
MASK = "<volatile>"
_LONG_ID = re.compile(r"[A-Za-z0-9_-]{25,}")


def cassette_dir() -> Path:
    """$SHEETMIGRATE_FIDELITY_DIR, else <repo>/../shared/fidelity/cassettes."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else REPO.parent / "shared" / "fidelity" / "cassettes"


def cassette_names() -> list[str]:
    folder = cassette_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json"))


@dataclass(frozen=True)
class Interaction:
    method: str
    uri: str
    body: str | None
    content_type: str | None
    status: int
    response: str


def load_episodes(path: Path) -> list[list[Interaction]]:
    """The cassette's interactions, split where its first request (method, uri, body) repeats."""
    raw = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    interactions = [_interaction(item) for item in raw]
    episodes: list[list[Interaction]] = []
    first = interactions[0]
    for interaction in interactions:
        key = (interaction.method, interaction.uri, interaction.body)
        if not episodes or key == (first.method, first.uri, first.body):
            episodes.append([])
        episodes[-1].append(interaction)
    return episodes


def _interaction(item: dict[str, Any]) -> Interaction:
    request, response = item["request"], item["response"]
    content_type = (request.get("headers") or {}).get("Content-Type")
    return Interaction(
        method=request["method"],
        uri=request["uri"],
        body=request.get("body"),
        content_type=content_type[0] if content_type else None,
        status=int(response["status"]["code"]),
        response=response["body"]["string"],
    )


# --- ids ---------------------------------------------------------------------------------------


@dataclass
class IdMap:
    """Recorded ids -> local ids, learned from answers."""

    ids: dict[str, str] = field(default_factory=dict)

    def learn(self, recorded: Any, local: Any, key: str | None = None) -> None:
        """Walk a recorded answer and the local one side by side; pair the ids they hold."""
        if isinstance(recorded, dict) and isinstance(local, dict):
            for name, value in recorded.items():
                if name in local:
                    self.learn(value, local[name], name)
        elif isinstance(recorded, list) and isinstance(local, list):
            for a, b in zip(recorded, local, strict=False):
                self.learn(a, b, key)
        elif key in ID_KEYS and isinstance(recorded, str | int) and not isinstance(recorded, bool):
            if recorded == 0:
                return  # the first sheet's id is 0, not a random id: it must stay 0
            self.ids.setdefault(str(recorded), str(local))

    def text(self, text: str) -> str:
        """Long ids (spreadsheet / Drive ids) rewritten inside a URL or any string."""
        return _LONG_ID.sub(lambda m: self.ids.get(m.group(0), m.group(0)), text)

    def json(self, value: Any, key: str | None = None) -> Any:
        """A JSON value with its ids rewritten (id fields by key, long ids inside strings)."""
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if key in ID_KEYS and isinstance(value, int) and not isinstance(value, bool):
            return int(self.ids.get(str(value), value))
        if isinstance(value, str):
            if key in ID_KEYS and value in self.ids:
                return self.ids[value]
            return self.text(value)
        return value

    def url(self, uri: str) -> str:
        """The recorded URL's path and query with ids rewritten (sheet and metadata ids too)."""
        parts = urlsplit(uri)
        path = self.text(parts.path)
        path = re.sub(
            r"/(sheets|developerMetadata)/(\d+)",
            lambda m: f"/{m.group(1)}/{self.ids.get(m.group(2), m.group(2))}",
            path,
        )
        return urlunsplit(("", "", path, self.text(parts.query), ""))


# --- comparing ---------------------------------------------------------------------------------


def parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def normalise(answer: Any, status: int, path: str, ids: IdMap, *, recorded: bool) -> Any:
    """An answer with volatile fields masked (and, when recorded, its ids mapped to local ones)."""
    if recorded:
        answer = ids.json(answer)
    if status >= 400 and isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        error = answer["error"]
        return {"error": {"code": error.get("code"), "status": error.get("status")}}
    if not isinstance(answer, dict):
        return answer
    if path.startswith("/upload/drive/v2/"):
        return {k: answer.get(k) for k in UPLOAD_KEYS}
    if path == "/drive/v3/files" and isinstance(answer.get("files"), list):
        local_ids = set(ids.ids.values())
        answer = {**answer, "files": [f for f in answer["files"] if f.get("id") in local_ids]}
    return _mask(answer)


def _mask(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if k in VOLATILE_KEYS else _mask(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        if key == "users":  # protected range editors: the recording account's e-mails
            return [MASK for _ in value]
        return [_mask(v, key) for v in value]
    return value


@dataclass
class Mismatch:
    episode: int
    index: int
    method: str
    uri: str
    expected: Any
    actual: Any

    def describe(self) -> str:
        expected = json.dumps(self.expected, indent=1, sort_keys=True, ensure_ascii=False)
        actual = json.dumps(self.actual, indent=1, sort_keys=True, ensure_ascii=False)
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "recorded", "local", lineterm="", n=2
        )
        lines = list(diff)
        if len(lines) > 60:
            lines = [*lines[:60], f"... ({len(lines) - 60} more diff lines)"]
        return (
            f"episode {self.episode}, request {self.index}: {self.method} {self.uri}\n"
            + "\n".join(lines)
        )


@dataclass
class Replay:
    """What replaying an episode found: the first differing answer, and what was not replayed."""

    mismatch: Mismatch | None = None
    replayed: int = 0
    other_files: int = 0
    answers_validated: int = 0
    violations: list[str] = field(default_factory=list)


def operation_of(method: str, url: str) -> Operation | None:
    """The emulator operation a request's method and URL (or path) reach, if any."""
    try:
        operation, _ = url_map.bind("localhost").match(urlsplit(url).path, method=method)
    except HTTPException:
        return None
    assert isinstance(operation, Operation)
    return operation


def _other_file(interaction: Interaction, ids: IdMap) -> bool:
    """Whether the request reads a file of the recording account this episode did not create."""
    path = urlsplit(interaction.uri).path
    unknown = [i for i in _LONG_ID.findall(path) if i not in ids.ids]
    return bool(unknown) and interaction.status < 400


def replay_episode(
    session: requests.Session, base_url: str, episode: list[Interaction], number: int
) -> Replay:
    """Replay one episode on the server's current state, stopping at the first difference."""
    ids = IdMap()
    result = Replay()
    for index, interaction in enumerate(episode):
        if _other_file(interaction, ids):
            result.other_files += 1
            continue
        result.replayed += 1
        target = ids.url(interaction.uri)
        body: Any = interaction.body
        headers = {"Authorization": "Bearer fidelity"}
        if interaction.content_type:
            headers["Content-Type"] = interaction.content_type
        if body is not None and interaction.content_type == "application/json":
            body = json.dumps(ids.json(json.loads(body)))
        answer = session.request(
            interaction.method, base_url + target, data=body, headers=headers, timeout=30
        )
        recorded, local = parse(interaction.response), parse(answer.text)
        path = urlsplit(target).path
        if answer.status_code < 300 and isinstance(local, dict):
            operation = operation_of(interaction.method, path)
            if operation is not None:
                result.answers_validated += 1
                result.violations += discovery.answer_violations(operation, local)
        if not (path == "/drive/v3/files" and interaction.method == "GET"):
            ids.learn(recorded, local)  # (a file list pairs other files of the recording)
        expected = (
            interaction.status,
            normalise(recorded, interaction.status, path, ids, recorded=True),
        )
        actual = (
            answer.status_code,
            normalise(local, answer.status_code, path, ids, recorded=False),
        )
        if expected != actual:
            result.mismatch = Mismatch(number, index, interaction.method, target, expected, actual)
            return result
    return result
