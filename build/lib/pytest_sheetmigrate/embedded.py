"""The embedded server: the local Sheets server a run starts for itself (``--sheets-api embedded``).

Its state lives in a git-ignored folder, so the demo sheet keeps its migration between runs until
``python -m pytest_sheetmigrate.demo reset``. The demo spreadsheet is created on first use, under
its fixed key, with ordinary journaled operations (not counted as API requests). Those are several
operations, so a run killed between them would leave a half-made demo: the marker file
``demo-seeded`` is written (and fsynced) after the last of them, and a start that does not find it
deletes what an unfinished seed left and seeds the demo again.
"""

from __future__ import annotations

import os
from pathlib import Path

from .demo import DEMO_KEY, spreadsheet_body, values
from .emulator.exceptions import ApiError
from .emulator.server import EmulatorServer

SEEDED_MARKER = "demo-seeded"  # in the data folder; written last, so it proves a finished seed


def start_embedded(data_dir: Path, spreadsheet_key: str) -> EmulatorServer:
    server = EmulatorServer(data_dir=data_dir)
    if spreadsheet_key == DEMO_KEY and not _demo_seeded(server, data_dir):
        _seed_demo(server)
        _write_marker(data_dir / SEEDED_MARKER)
    server.start()
    return server


def _demo_seeded(server: EmulatorServer, data_dir: Path) -> bool:
    """The demo exists and its seed finished; an unfinished one is deleted here."""
    if not _exists(server, DEMO_KEY):
        return False
    if (data_dir / SEEDED_MARKER).exists():
        return True
    if _has_developer_metadata(server):  # seeded before the marker existed: its last step landed
        _write_marker(data_dir / SEEDED_MARKER)
        return True
    server.store.execute("drive_files_delete", {"file_id": DEMO_KEY}, None)
    return False


def _exists(server: EmulatorServer, key: str) -> bool:
    try:
        server.store.execute("drive_files_get", {"file_id": key, "fields": "id"}, None)
    except ApiError:
        return False
    return True


def _has_developer_metadata(server: EmulatorServer) -> bool:
    every_entry = {"dataFilters": [{"developerMetadataLookup": {"visibility": "DOCUMENT"}}]}
    found = server.store.execute(
        "developer_metadata_search", {"spreadsheet_id": DEMO_KEY, "body": every_entry}, None
    )
    return bool(found.get("matchedDeveloperMetadata"))


def _write_marker(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as marker:
        marker.write(f"{DEMO_KEY}\n")
        marker.flush()
        os.fsync(marker.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


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
