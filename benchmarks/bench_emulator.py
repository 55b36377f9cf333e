"""Benchmark of the local Sheets server on a 100,000 x 68 sheet (prints a table; not a test).

    python benchmarks/bench_emulator.py [--rows 100000] [--columns 68] [--repeat 3]
        [--formulas 10000]

For each mode (state in memory; durable with ``--data``) it starts the server as a subprocess,
builds the sheet with gspread (values.update in chunks of 10,000 rows, RAW), then times, median
of ``--repeat`` runs, from the client over loopback:

- a values.get of the whole sheet (until the last byte of the answer is in), in both of the
  server's forms: pretty-printed as Google's answers are (what gspread gets: it never sends
  ``prettyPrint=false``) and compact (``prettyPrint=false``), each against ``json.dumps`` of
  the same values in the same run (the goal: within 2x, in both forms), with the answers'
  sizes;
- a batchUpdate insertDimension of one column;
- a batchUpdate repeatCell over every row of one column;
- the same insertDimension once ``--formulas`` rows hold a formula (every one relocated);

and the server's peak RSS (``VmHWM`` from /proc). Durable mode answers only after the journal
record is fsynced, so its mutating times include the fsync. In durable mode the server is then
stopped (SIGTERM: a clean stop writes the snapshot) and started again on the same directory:
the restart time is until it prints its ``listening`` line, the whole state loaded.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from pytest_sheetmigrate.transport import sheets_client

CHUNK_ROWS = 10_000


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(mode: str, rows: int, columns: int, repeat: int, formulas: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        args = [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0"]
        if mode == "durable":
            args += ["--data", data_dir]
        server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[-1]
            result = measure(url, server.pid, rows, columns, repeat, formulas)
        finally:
            server.terminate()
            server.wait(timeout=120)
        result["restart"] = restart_seconds(args) if mode == "durable" else float("nan")
        return result


def restart_seconds(args: list[str]) -> float:
    """Seconds until a server started on an existing data directory is listening."""
    start = time.perf_counter()
    server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()
        return time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=120)


def measure(
    url: str, pid: int, rows: int, columns: int, repeat: int, formulas: int
) -> dict[str, float]:
    client = sheets_client(url)
    spreadsheet = client.create("Benchmark")
    sheet_id = spreadsheet.sheet1.id
    spreadsheet.batch_update(
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": sheet_id,
                            "gridProperties": {"rowCount": rows, "columnCount": columns},
                        },
                        "fields": "gridProperties(rowCount,columnCount)",
                    }
                }
            ]
        }
    )
    build_start = time.perf_counter()
    for first in range(0, rows, CHUNK_ROWS):
        chunk = [
            [f"v{r}-{c}" if c % 3 else r * 1.5 for c in range(columns)]
            for r in range(first, min(first + CHUNK_ROWS, rows))
        ]
        spreadsheet.values_update(
            f"Sheet1!A{first + 1}", {"valueInputOption": "RAW"}, {"values": chunk}
        )
    build = time.perf_counter() - build_start

    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = "Bearer bench"
    values_url = f"{url}/v4/spreadsheets/{spreadsheet.id}/values/Sheet1"
    pretty: list[bytes] = []
    compact: list[bytes] = []
    read = median_seconds(
        lambda: pretty.append(session.get(values_url, timeout=600).content), repeat
    )
    read_compact = median_seconds(
        lambda: compact.append(
            session.get(values_url, params={"prettyPrint": "false"}, timeout=600).content
        ),
        repeat,
    )
    values = json.loads(pretty[-1])["values"]
    assert len(values) == rows, (len(values), rows)
    assert json.loads(compact[-1])["values"] == values
    dumps = median_seconds(lambda: json.dumps(values), repeat)

    def batch(request: dict[str, object]) -> None:
        spreadsheet.batch_update({"requests": [request]})

    insert_column = {
        "insertDimension": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 5, "endIndex": 6},
            "inheritFromBefore": True,
        }
    }
    insert = median_seconds(lambda: batch(insert_column), repeat)
    repeat_cell = median_seconds(
        lambda: batch(
            {
                "repeatCell": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "endRowIndex": rows,
                        "startColumnIndex": 5,
                        "endColumnIndex": 6,
                    },
                    "cell": {"userEnteredValue": {"numberValue": 0}},
                    "fields": "userEnteredValue",
                }
            }
        ),
        repeat,
    )
    rss_mb = peak_rss_mb(pid)  # before the formula step, so that the row compares across versions
    spreadsheet.values_update(
        "Sheet1!A1",
        {"valueInputOption": "USER_ENTERED"},
        {"values": [[f"=F{r}*G{r}+SUM(H{r}:K{r})"] for r in range(1, formulas + 1)]},
    )
    insert_formulas = median_seconds(lambda: batch(insert_column), repeat)
    return {
        "build": build,
        "read": read,
        "read_compact": read_compact,
        "dumps": dumps,
        "insert": insert,
        "repeat_cell": repeat_cell,
        "insert_formulas": insert_formulas,
        "rss_mb": rss_mb,
        "read_mb": len(pretty[-1]) / 1e6,
        "read_compact_mb": len(compact[-1]) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=68)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formulas", type=int, default=10_000)
    args = parser.parse_args()
    results = {
        mode: run(mode, args.rows, args.columns, args.repeat, args.formulas)
        for mode in ("memory", "durable")
    }
    for result in results.values():
        result["ratio"] = result["read"] / result["dumps"]
        result["ratio_compact"] = result["read_compact"] / result["dumps"]
        result["bytes_ratio"] = result["read_mb"] / result["read_compact_mb"]
    memory, durable = results["memory"], results["durable"]
    print(f"local Sheets server, {args.rows:,} x {args.columns} sheet, median of {args.repeat}")
    print(f"{'measure':<46} {'memory':>10} {'--data':>10}")
    rows = [
        ("build (values.update, 10k-row chunks) s", "build", "{:.2f}"),
        ("values.get whole sheet (pretty) s", "read", "{:.2f}"),
        ("values.get whole sheet (prettyPrint=false) s", "read_compact", "{:.2f}"),
        ("json.dumps of the same values s", "dumps", "{:.2f}"),
        ("values.get (pretty) / json.dumps", "ratio", "{:.2f}x"),
        ("values.get (prettyPrint=false) / json.dumps", "ratio_compact", "{:.2f}x"),
        ("answer MB (pretty)", "read_mb", "{:.1f}"),
        ("answer MB (prettyPrint=false)", "read_compact_mb", "{:.1f}"),
        ("answer bytes pretty / prettyPrint=false", "bytes_ratio", "{:.2f}x"),
        ("batchUpdate insertDimension (1 column) s", "insert", "{:.3f}"),
        ("batchUpdate repeatCell (every row) s", "repeat_cell", "{:.3f}"),
        (f"insertDimension, {args.formulas:,} formulas s", "insert_formulas", "{:.3f}"),
        ("server peak RSS (VmHWM) MB", "rss_mb", "{:.0f}"),
        ("restart with the state loaded s", "restart", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        cells = ["-" if math.isnan(r[key]) else fmt.format(r[key]) for r in (memory, durable)]
        print(f"{label:<46} {cells[0]:>10} {cells[1]:>10}")


if __name__ == "__main__":
    main()
