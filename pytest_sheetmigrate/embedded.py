"""The embedded server: the local Sheets server a run starts for itself (``--sheets-api embedded``).

Its state lives in a git-ignored folder, so the demo sheet keeps its migration between runs until
``python -m pytest_sheetmigrate.demo reset``. The demo spreadsheet is created on first use, under
its fixed key, with ordinary journaled operations (not counted as API requests).
"""

from __future__ import annotations

from pathlib import Path

from .demo import DEMO_KEY, spreadsheet_body, values
from .emulator.exceptions import ApiError
from .emulator.server import EmulatorServer


def start_embedded(data_dir: Path, spreadsheet_key: str) -> EmulatorServer:
    server = EmulatorServer(data_dir=data_dir)
    if spreadsheet_key == DEMO_KEY and not _exists(server, DEMO_KEY):
        _seed_demo(server)
    server.start()
    return server


def _exists(server: EmulatorServer, key: str) -> bool:
    try:
        server.store.execute("drive_files_get", {"file_id": key, "fields": "id"}, None)
    except ApiError:
        return False
    return True


def _seed_demo(server: EmulatorServer) -> None:
    run = server.store.execute
    body, metadata = spreadsheet_body()
    run("spreadsheets_create", {"body": body, "spreadsheet_id": DEMO_KEY}, None)
    title = body["sheets"][0]["properties"]["title"]
    run(
        "values_update",
        {
            "spreadsheet_id": DEMO_KEY,
            "range": f"{title}!A1",
            "body": {"values": values()},
            "value_input_option": "RAW",
            "include_values_in_response": None,
            "response_value_render_option": None,
            "response_date_time_render_option": None,
        },
        None,
    )
    run(
        "spreadsheets_batch_update",
        {"spreadsheet_id": DEMO_KEY, "body": {"requests": metadata}},
        None,
    )
