"""Benchmark: a forced rollback's restore (``pytest --rollback --force-rollback``), both sources.

    python benchmarks/bench_restore.py [--rows 100000] [--drive-rows 50000]

For each case it seeds the demo's 65-column v2.1 worksheet with ``--rows`` data rows on the
local Sheets server (a subprocess), migrates it with the engine (commands.migrate), changes one
cell of an old column (so a plain rollback is refused) and times the forced rollback:

- drive: the Drive copy is there: sheets.copyTo, then one batchUpdate with copyPaste, at
  ``--drive-rows`` and at ``--rows``. At 100,000 rows x 65 columns the copied tab (6.5 M cells)
  beside the migrated worksheet (6.8 M) would pass Google's 10,000,000 cells a spreadsheet, so
  the restore falls back to the local snapshot (the "used" column);
- local: the Drive copy is deleted first: the rows come from the local snapshot, in updateCells
  each under Google's 10,485,760-byte body limit.

Printed: the rollback's requests (all, and batchUpdates) from the server's stats, the largest
request body (measured by the tool before sending, as restore.py does), whether every body is
under the limit, the rows' bytes in all (what the one updateCells sent before this change held),
the rollback's wall seconds, and its summary's proof (digest equal).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.restore import GOOGLE_BODY_LIMIT
from pytest_sheetmigrate.settings import Mode, Settings
from pytest_sheetmigrate.transport import sheets_client

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "v3.0" / "schema.toml"


@contextmanager
def local_server() -> Iterator[str]:
    args = [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=120)


def post(url: str, path: str, **kwargs: Any) -> requests.Response:
    response = requests.post(f"{url}{path}", timeout=600, **kwargs)
    response.raise_for_status()
    return response


def seeded(url: str, rows: int) -> str:
    post(url, "/_emulator/reset")
    sheet = {
        "title": demo.WORKSHEET,
        "values": demo.values(rows),
        "rowCount": rows + 1,
        "columnCount": len(demo.COLUMNS),
    }
    body = json.dumps({"title": demo.DEMO_TITLE, "sheets": [sheet]}).encode()
    answer = post(url, "/_emulator/spreadsheets", data=body)
    return str(answer.json()["spreadsheetId"])


def settings(url: str, key: str, folder: Path) -> Settings:
    return Settings(
        sheet=key,
        schema_path=SCHEMA,
        sheets_api=url,
        credentials=None,
        checkpoint_dir=folder / "logs" / "checkpoints",
        report_dir=folder / "logs" / "migration",
        backup=None,
        mode=Mode.MIGRATE,
        rootdir=folder,
    )


def measure(url: str, rows: int, source: str) -> dict[str, Any]:
    key = seeded(url, rows)
    with tempfile.TemporaryDirectory() as folder:
        chosen = settings(url, key, Path(folder))
        commands.migrate(chosen)
        client = sheets_client(url)
        client.open_by_key(key).worksheet(demo.WORKSHEET).update([["changed"]], "B3")
        checkpoint = Path(folder) / "logs" / "checkpoints" / "step_1_backup.json"
        if source == "local":
            client.del_spreadsheet(json.loads(checkpoint.read_text())["details"]["backup"])
        post(url, "/_emulator/stats/reset")
        started = time.perf_counter()
        record = commands.rollback(chosen, force=True)
        wall = time.perf_counter() - started
    stats = requests.get(f"{url}/_emulator/stats", timeout=60).json()
    result = record.steps[0].result
    bodies = result.details["restore_bodies"]
    updates = sum(n for name, n in stats["by_endpoint"].items() if name.endswith(":batchUpdate"))
    used = "Drive copy" if "from the Drive copy" in result.summary else "local snapshot"
    return {
        "source": source,
        "used": used,
        "rows": rows,
        "requests": stats["requests"],
        "batch_updates": updates,
        "largest": max(bodies),
        "under": all(size < GOOGLE_BODY_LIMIT for size in bodies),
        "total": sum(bodies),
        "wall": wall,
        "proof": "equal" if result.summary.endswith("equals the pre-migration snapshot") else "NO",
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| case | rows | used | requests | batchUpdates | largest body | all under 10,485,760 "
        "| bodies in all | wall | digest |",
        "|---|---:|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['source']} | {r['rows']:,} | {r['used']} | {r['requests']} "
            f"| {r['batch_updates']} "
            f"| {r['largest']:,} | {'yes' if r['under'] else 'NO'} | {r['total']:,} "
            f"| {r['wall']:.1f} s | {r['proof']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--drive-rows", type=int, default=50_000)
    args = parser.parse_args()
    cases = [("drive", args.drive_rows), ("drive", args.rows), ("local", args.rows)]
    with local_server() as url:
        results = [measure(url, rows, source) for source, rows in cases]
    print(table(results))


if __name__ == "__main__":
    main()
