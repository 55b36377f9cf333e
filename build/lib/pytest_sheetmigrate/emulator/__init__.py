"""A local Google Sheets API v4 + Drive v3 server that unmodified gspread talks to.

In-process::

    from pytest_sheetmigrate.emulator import EmulatorServer

    with EmulatorServer(data_dir="state") as server:
        print(server.url)

From a shell: ``python -m pytest_sheetmigrate.emulator --port 8123 --data DIR``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import EmulatorServer

__all__ = ["EmulatorServer"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so the pure modules (a1, cells, faults ...) load without the server.
    if name == "EmulatorServer":
        from .server import EmulatorServer

        return EmulatorServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
