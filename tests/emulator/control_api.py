"""The local server's control API (``/_emulator/...``) as the server tests call it."""

from __future__ import annotations

from typing import Any

import requests

from pytest_sheetmigrate.emulator import EmulatorServer


def control(server: EmulatorServer, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{server.url}/_emulator/{path}", json=body, timeout=5)
    answer.raise_for_status()
    return answer.json()
