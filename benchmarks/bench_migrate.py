"""Benchmark: a whole ``pytest --migrate`` against hand-written gspread (a table, not a test).

    python benchmarks/bench_migrate.py [--sizes 1000,10000,100000] [--repeat 3] [--formulas]
                                       [--output docs/benchmarks.md | --no-write]

For each N it seeds the demo's 65-column v2.1 worksheet with N data rows on the local Sheets
server (a subprocess, so its memory is not the client's) and migrates it to the demo's 68 columns
(tests/v3.0/schema.toml) four ways, each client in its own subprocess, on a freshly seeded sheet
per repetition:

- tool: this tool's whole ``pytest --migrate`` session (backup, columns, verify, init and the
  validation suite) in a temporary project directory aimed at the server;
- naive: gspread ``insert_cols`` (the columns and their headers), then ``update_cell`` per row for
  ``version``; run up to N = 1,000 only, larger N extrapolated linearly from N = 1,000;
- bulk: gspread ``insert_cols``, then one ``update`` of the whole ``version`` column;
- floor: gspread reading the whole sheet once (``get_all_values``), no write;
- tool read: the tool's own reader reading the sheet once as the verification does
  (``SheetReader.snapshot``): its values.batchGet requests are the chunks of one read, which
  the request goal counts twice;
- tool, formulas (with ``--formulas``, issue 13): the tool's session on the same sheet whose
  ``Total`` (column O, right of the inserted columns) holds ``=J{r}*K{r}`` on every data row,
  written USER_ENTERED before the run; the session then relocates it (``=L{r}*M{r}``), verified.

Requests and bytes come from the server's stats (``/_emulator/stats``); wall seconds are the
median of ``--repeat`` runs of the subprocess, start to exit; peak memory is the subprocess's
RSS high-water mark (``VmHWM``, polled), the largest of the repetitions. The
tables, the goals of issue 14 with their verdicts, the machine and the date go to ``--output``,
between this benchmark's markers: the sections other benchmarks wrote there are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from gspread.utils import rowcol_to_a1

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.gateway import SheetGateway
from pytest_sheetmigrate.reader import SheetReader
from pytest_sheetmigrate.schema import load_schema
from pytest_sheetmigrate.transport import sheets_client

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "v3.0"
SCHEMA = load_schema(SUITE / "schema.toml")
WAYS = ("tool", "naive", "bulk", "floor", "tool read")
FORMULAS = "tool, formulas"
FORMULA_COLUMN = "O"  # Total of the v2.1 demo sheet; Q after the columns step
FORMULA = "=J{row}*K{row}"  # Cantidad x Precio_Unitario
RELOCATED = "=L{row}*M{row}"  # as Google rewrites it after the inserts at F:G
NAIVE_MAX_ROWS = 1_000
QUOTA_PER_MINUTE = 60
SECONDS_PER_REQUEST = 0.2
GOAL_FIXED_REQUESTS = 9
"""Issue 14: at most 9 requests besides two reads' chunks."""
GOAL_WRITE_BYTES = 16 * 1024
GOAL_PEAK_MB = 300
GOAL_PEAK_GROWTH = 1.5
GOAL_WALL_RATIO = 2.5
GROWTH_BASE_ROWS = 10_000
BEGIN = "<!-- bench_migrate.py: begin (rewritten by each run; other sections are kept) -->"
END = "<!-- bench_migrate.py: end -->"
OWN_HEADINGS = ("## With a formula column", "## Goals", "## What bounds them")
"""This benchmark's own second-level headings (a file written before the markers)."""
KIND_NAMES = {
    "GET /v4/spreadsheets/{spreadsheetId}": "spreadsheets.get",
    "GET /v4/spreadsheets/{spreadsheetId}/values:batchGet": "values.batchGet",
    "GET /v4/spreadsheets/{spreadsheetId}/values/{range}": "values.get",
    "PUT /v4/spreadsheets/{spreadsheetId}/values/{range}": "values.update",
    "POST /v4/spreadsheets/{spreadsheetId}/values/{range}:append": "values.append",
    "POST /v4/spreadsheets/{spreadsheetId}:batchUpdate": "batchUpdate",
    "POST /v4/spreadsheets/{spreadsheetId}/values:batchUpdateByDataFilter": (
        "values.batchUpdateByDataFilter"
    ),
    "POST /drive/v3/files/{fileId}/copy": "files.copy",
    "GET /drive/v3/files": "files.list",
    "GET /drive/v3/files/{fileId}": "files.get",
}


# the measured clients (each runs in its own subprocess) ---------------------------------------


def client_main(way: str, url: str, key: str, rows: int) -> None:
    """One hand-written gspread client; the tool's client is ``pytest --migrate`` itself."""
    if way == "tool read":
        gateway = SheetGateway(sheets_client(url), key, endpoint=url)
        snapshot = SheetReader(gateway).snapshot(SCHEMA, demo.WORKSHEET, len(demo.COLUMNS))
        assert snapshot.row_count == rows, (snapshot.row_count, rows)
        return
    worksheet = sheets_client(url).open_by_key(key).worksheet(demo.WORKSHEET)
    if way == "floor":
        values = worksheet.get_all_values()
        assert len(values) == rows + 1, (len(values), rows)
        return
    # Ocupado_Por and Fecha_Ocupacion at F and G, with their headers; version at the right edge.
    worksheet.insert_cols([["Ocupado_Por"], ["Fecha_Ocupacion"]], col=6)
    version = len(SCHEMA.header)
    worksheet.insert_cols([["version"]], col=version, inherit_from_before=True)
    if way == "naive":
        for row in range(2, rows + 2):
            worksheet.update_cell(row, version, 0)
    elif way == "bulk":
        worksheet.update([[0]] * rows, rowcol_to_a1(2, version), raw=True)
    else:
        raise SystemExit(f"unknown way {way!r}")


# the local server -----------------------------------------------------------------------------


@dataclass
class Server:
    url: str

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        response = requests.post(f"{self.url}{path}", timeout=600, **kwargs)
        response.raise_for_status()
        return response

    def seed(self, body: bytes, formula_rows: int = 0) -> str:
        """A fresh spreadsheet of ``body``; with ``formula_rows``, FORMULA down the formula
        column of that many data rows, as a user types it. The stats start after the seeding."""
        self.post("/_emulator/reset")
        headers = {"Content-Type": "application/json"}
        key = str(
            self.post("/_emulator/spreadsheets", data=body, headers=headers).json()["spreadsheetId"]
        )
        if formula_rows:
            worksheet = sheets_client(self.url).open_by_key(key).worksheet(demo.WORKSHEET)
            cells = [[FORMULA.format(row=row)] for row in range(2, formula_rows + 2)]
            span = f"{FORMULA_COLUMN}2:{FORMULA_COLUMN}{formula_rows + 1}"
            worksheet.update(cells, span, raw=False)
        self.post("/_emulator/stats/reset")
        return key

    def formula_after(self, key: str, row: int) -> Any:
        """The formula column's cell of ``row`` after the columns step, as stored."""
        worksheet = sheets_client(self.url).open_by_key(key).worksheet(demo.WORKSHEET)
        column = column_letter(SCHEMA.header.index("Total"))
        return worksheet.acell(f"{column}{row}", value_render_option="FORMULA").value

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_emulator/stats", timeout=60).json()

    def header(self, key: str) -> list[str]:
        worksheet = sheets_client(self.url).open_by_key(key).worksheet(demo.WORKSHEET)
        return worksheet.row_values(1)


@contextmanager
def local_server() -> Iterator[Server]:
    args = [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield Server(process.stdout.readline().split()[-1])
    finally:
        process.terminate()
        process.wait(timeout=120)


def seed_body(rows: int) -> bytes:
    sheet = {
        "title": demo.WORKSHEET,
        "values": demo.values(rows),
        "rowCount": rows + 1,
        "columnCount": len(demo.COLUMNS),
    }
    return json.dumps({"title": demo.DEMO_TITLE, "sheets": [sheet]}).encode()


# measuring ------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    peak_mb: float
    stats: dict[str, Any]
    cpu: float = float("nan")
    """The client process's CPU seconds (user + system, all its threads), as last polled."""


@dataclass
class Result:
    way: str
    rows: int
    runs: list[Run] = field(default_factory=list)
    extrapolated_from: int | None = None

    @property
    def wall(self) -> float:
        return statistics.median(run.wall for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(run.peak_mb for run in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(run.cpu for run in self.runs)

    @property
    def stats(self) -> dict[str, Any]:
        """The stats of the median run (every repetition sends the same requests)."""
        return sorted(self.runs, key=lambda run: run.wall)[len(self.runs) // 2].stats

    @property
    def requests(self) -> int:
        return int(self.stats["requests"])

    @property
    def by_kind(self) -> Counter[str]:
        return Counter({KIND_NAMES.get(k, k): n for k, n in self.stats["by_endpoint"].items() if n})

    def google_pace(self) -> float:
        """Seconds at Google's pace: max(requests / quota, local wall + 200 ms per request)."""
        quota = self.requests / QUOTA_PER_MINUTE * 60
        return max(quota, self.wall + SECONDS_PER_REQUEST * self.requests)


def run_subprocess(args: list[str], cwd: Path) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS in MB of the process, its output and its CPU seconds (polled
    like the peak, so up to 10 ms short); SystemExit if it failed.

    The peak is ``VmHWM`` of /proc/<pid>/status, polled every 10 ms until the exit: the
    process's own high-water mark. (``ru_maxrss`` from ``wait4`` would not do: Linux carries
    into it the high-water mark of the memory the child ran in before its exec, that is of
    this benchmark process, which holds the seeded rows.)
    """
    with tempfile.TemporaryFile("w+") as output:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        peak_kb, cpu = 0, 0.0
        while process.poll() is None:
            peak_kb = max(peak_kb, vm_hwm_kb(process.pid))
            cpu = max(cpu, cpu_seconds(process.pid))
            time.sleep(0.01)
        wall = time.perf_counter() - start
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}):\n{text[-4000:]}")
    return wall, peak_kb / 1024, text, cpu


def cpu_seconds(pid: int) -> float:
    """utime + stime of /proc/<pid>/stat (fields 14 and 15, after the command's parentheses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:  # gone between the poll and the read
        pass
    return 0


def tool_project(directory: Path, url: str, key: str) -> Path:
    shutil.copytree(SUITE, directory / "tests" / "v3.0")
    (directory / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        f'sheetmigrate_sheets_api = "{url}"\n'
        f'sheetmigrate_sheet = "{key}"\n'
        'sheetmigrate_schema = "tests/v3.0/schema.toml"\n'
        # The tool's own speed, as the hand-written clients (which do not pace) have it; its
        # time at Google's 60 requests a minute is benchmarks/bench_quota.py's.
        'sheetmigrate_reads_per_minute = "off"\n'
        'sheetmigrate_writes_per_minute = "off"\n'
    )
    return directory


def measure_once(server: Server, body: bytes, way: str, rows: int) -> Run:
    key = server.seed(body, formula_rows=rows if way == FORMULAS else 0)
    with tempfile.TemporaryDirectory() as directory:
        if way in ("tool", FORMULAS):
            cwd = tool_project(Path(directory), server.url, key)
            args = [sys.executable, "-m", "pytest", "--migrate", "-p", "no:cacheprovider", "-q"]
        else:
            cwd = Path(directory)
            args = [sys.executable, str(Path(__file__).resolve()), "--client", way, server.url]
            args += [key, str(rows)]
        wall, peak_mb, _, cpu = run_subprocess(args, cwd)
    stats = server.stats()
    if way not in ("floor", "tool read") and server.header(key) != SCHEMA.header:
        raise SystemExit(f"{way} at {rows:,} rows did not leave the schema's header")
    if way == FORMULAS and (found := server.formula_after(key, rows + 1)) != RELOCATED.format(
        row=rows + 1
    ):
        raise SystemExit(f"{way} at {rows:,} rows left the formula {found!r}, not relocated")
    return Run(wall, peak_mb, stats, cpu)


def measure(sizes: list[int], repeat: int, formulas: bool = False) -> dict[int, dict[str, Result]]:
    results: dict[int, dict[str, Result]] = {}
    naive: Result | None = None
    with local_server() as server:
        for rows in sizes:
            body = seed_body(rows)
            results[rows] = {}
            for group in ((("tool", FORMULAS),) if formulas else (("tool",),)) + tuple(
                (way,) for way in WAYS if way != "tool"
            ):
                if group == ("naive",) and rows > NAIVE_MAX_ROWS:
                    continue
                for way in group:
                    results[rows][way] = Result(way, rows)
                for index in range(repeat):  # a group's ways take turns: the same load on each
                    for way in group:
                        print(f"  {rows:,} rows, {way}, run {index + 1}/{repeat}", file=sys.stderr)
                        results[rows][way].runs.append(measure_once(server, body, way, rows))
            naive = results[rows].get("naive", naive)
            del body
        if naive is None or naive.rows < min(NAIVE_MAX_ROWS, max(sizes)):
            naive_rows = min(NAIVE_MAX_ROWS, max(sizes))
            body = seed_body(naive_rows)
            naive = Result("naive", naive_rows)
            for _ in range(repeat):
                naive.runs.append(measure_once(server, body, "naive", naive_rows))
    for rows, by_way in results.items():
        if "naive" not in by_way:
            by_way["naive"] = extrapolate(naive, rows)
    return results


def extrapolate(measured: Result, rows: int) -> Result:
    """The naive way at ``rows``: one values.update per row more, bytes and wall in proportion."""
    scale = rows / measured.rows
    by_endpoint = dict(measured.stats["by_endpoint"])
    per_row = next(k for k, v in KIND_NAMES.items() if v == "values.update")
    by_endpoint[per_row] = by_endpoint.get(per_row, 0) + rows - measured.rows
    stats = {
        "requests": measured.requests + rows - measured.rows,
        "bytes_in": round(measured.stats["bytes_in"] * scale),
        "bytes_out": round(measured.stats["bytes_out"] * scale),
        "by_endpoint": by_endpoint,
    }
    runs = [Run(run.wall * scale, float("nan"), stats) for run in measured.runs]
    return Result("naive", rows, runs, extrapolated_from=measured.rows)


# reporting ------------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def size(n_bytes: float) -> str:
    if n_bytes < 10_000:
        return f"{n_bytes:,.0f} B"
    if n_bytes < 10_000_000:
        return f"{n_bytes / 1024:,.1f} KB"
    return f"{n_bytes / 1024 / 1024:,.1f} MB"


def cell_data(by_way: dict[str, Result]) -> int:
    """Bytes of the sheet's cell data: what the floor downloads to read it once."""
    return int(by_way["floor"].stats["bytes_out"])


def read_chunks(by_way: dict[str, Result]) -> int:
    """The values.batchGet chunks of one read of the sheet by the tool's reader."""
    return int(by_way["tool read"].by_kind["values.batchGet"])


def request_budget(by_way: dict[str, Result]) -> int:
    """Issue 14's goal: 9 requests plus two reads' chunks."""
    return GOAL_FIXED_REQUESTS + 2 * read_chunks(by_way)


def table(rows: int, by_way: dict[str, Result]) -> list[str]:
    floor = by_way["floor"]
    lines = [
        f"### {rows:,} data rows x 65 columns -> 68 "
        f"(cell data {size(cell_data(by_way))}, median of {len(floor.runs)})",
        "",
        "| way | requests by kind | requests | uploaded | wall | peak RSS | wall / floor "
        "| at Google's pace |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for way in WAYS:
        result = by_way[way]
        approx = "≈ " if result.extrapolated_from else ""
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(result.by_kind.items()))
        peak = "not run" if result.extrapolated_from else f"{result.peak_mb:.0f} MB"
        name = way
        if result.extrapolated_from:
            name += f" (extrapolated from {result.extrapolated_from:,} rows)"
        lines.append(
            f"| {name} | {approx}{kinds} | {approx}{result.requests:,} "
            f"| {approx}{size(result.stats['bytes_in'])} | {approx}{result.wall:.2f} s "
            f"| {peak} | {approx}{result.wall / floor.wall:.1f}x "
            f"| {approx}{duration(result.google_pace())} |"
        )
    return lines


def formulas_table(results: dict[int, dict[str, Result]]) -> list[str]:
    """The tool's session with and without the formula column, side by side (issue 13)."""
    lines = [
        "## With a formula column (issue 13)",
        "",
        f"The same sheet with `Total` (column {FORMULA_COLUMN}, right of the inserted columns)",
        f"holding `{FORMULA.format(row='{r}')}` on every data row (written USER_ENTERED before",
        f"the run): the session relocates it as Google does (`{RELOCATED.format(row='{r}')}`),",
        "checked after each run. Same columns as above; downloaded: the server's bytes out;",
        "client CPU: the session's CPU seconds (user + system, /proc/<pid>/stat), median. The",
        "two sessions take turns, repetition by repetition, so they see the same load.",
        "",
        "| rows | sheet | requests by kind | requests | downloaded | uploaded | wall | client CPU "
        "| peak RSS |",
        "|--:|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for rows, by_way in results.items():
        if FORMULAS not in by_way:
            continue
        plain, formulas = by_way["tool"], by_way[FORMULAS]
        for name, result in (("no formulas", plain), ("formula column", formulas)):
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(result.by_kind.items()))
            lines.append(
                f"| {rows:,} | {name} | {kinds} | {result.requests:,} "
                f"| {size(result.stats['bytes_out'])} "
                f"| {size(result.stats['bytes_in'])} | {result.wall:.2f} s "
                f"| {result.cpu:.2f} s | {result.peak_mb:.0f} MB |"
            )
        lines.append(
            f"| {rows:,} | ratio | | {formulas.requests / plain.requests:.2f}x "
            f"| {formulas.stats['bytes_out'] / plain.stats['bytes_out']:.2f}x "
            f"| {formulas.stats['bytes_in'] / plain.stats['bytes_in']:.2f}x "
            f"| {formulas.wall / plain.wall:.2f}x | {formulas.cpu / plain.cpu:.2f}x "
            f"| {formulas.peak_mb / plain.peak_mb:.2f}x |"
        )
    return [*lines, ""]


def goals(results: dict[int, dict[str, Result]]) -> list[str]:
    lines = ["| goal (issue 14) | measured | met |", "|---|---|---|"]

    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    for rows, by_way in results.items():
        tool, budget, chunks = by_way["tool"], request_budget(by_way), read_chunks(by_way)
        passes = tool.stats["bytes_out"] / by_way["tool read"].stats["bytes_out"]
        lines.append(
            f"| requests at {rows:,} rows <= {GOAL_FIXED_REQUESTS} + two reads' chunks "
            f"(2 x {chunks}) = {budget:,} | {tool.requests:,} ({tool.requests - budget:+,}; "
            f"downloads {passes:.1f} times what one read of the sheet does) "
            f"| {verdict(tool.requests <= budget)} |"
        )
    for rows, by_way in results.items():
        uploaded = by_way["tool"].stats["bytes_in"]
        lines.append(
            f"| uploaded at {rows:,} rows < 16 KB | {size(uploaded)} "
            f"| {verdict(uploaded < GOAL_WRITE_BYTES)} |"
        )
    largest = max(results)
    tool, floor = results[largest]["tool"], results[largest]["floor"]
    ratio = tool.wall / floor.wall
    lines.append(
        f"| wall at {largest:,} rows <= {GOAL_WALL_RATIO}x the read-once floor "
        f"| {ratio:.1f}x ({tool.wall:.1f} s vs {floor.wall:.1f} s) "
        f"| {verdict(ratio <= GOAL_WALL_RATIO)} |"
    )
    for rows, by_way in results.items():
        peak = by_way["tool"].peak_mb
        lines.append(
            f"| peak RSS at {rows:,} rows < {GOAL_PEAK_MB} MB | {peak:.0f} MB "
            f"| {verdict(peak < GOAL_PEAK_MB)} |"
        )
    smaller = [rows for rows in results if rows < largest]
    if smaller:
        base = GROWTH_BASE_ROWS if GROWTH_BASE_ROWS in smaller else max(smaller)
        peak, base_peak = tool.peak_mb, results[base]["tool"].peak_mb
        growth = peak / base_peak
        lines.append(
            f"| peak RSS at {largest:,} rows <= {GOAL_PEAK_GROWTH}x that at {base:,} "
            f"| {growth:.2f}x ({base_peak:.0f} -> {peak:.0f} MB) "
            f"| {verdict(growth <= GOAL_PEAK_GROWTH)} |"
        )
    for rows, by_way in results.items():
        tool = by_way["tool"]
        lines.append(
            f"| time at Google's pace at {rows:,} rows (no goal: the issue asks it measured) "
            f"| {duration(tool.google_pace())} ({tool.requests:,} requests) | |"
        )
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram_kb / 1024 / 1024:.0f} GB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"commit {commit or 'unknown'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def report(results: dict[int, dict[str, Result]], repeat: int) -> str:
    lines = [
        "# Benchmark: a whole migration against hand-written gspread",
        "",
        "Generated by `python benchmarks/bench_migrate.py` (issues 6 and 14); do not edit by hand.",
        "",
        f"Machine: {machine()}.",
        "",
        "The demo's worksheet (65 columns, v2.1) with N data rows, migrated to the 68 columns of",
        "`tests/v3.0/schema.toml` on the local Sheets server (a subprocess), each client in its",
        "own subprocess, on a freshly seeded sheet per repetition. **tool**: the whole",
        "`pytest --migrate` session (backup, columns, verify, init and the validation suite).",
        "**naive**: gspread `insert_cols` (columns and headers), then `update_cell` per row.",
        "**bulk**: gspread `insert_cols`, then one `update` of the whole version column.",
        "**floor**: gspread `get_all_values` of the whole sheet, nothing written (the read-once",
        "floor). **tool read**: the tool's own reader reading the sheet once, as the verification",
        "does (compact answers, `prettyPrint=false`): its chunks are those of one read.",
        "",
        "Requests by kind and bytes uploaded: the server's stats. Wall: subprocess start to exit,",
        f"median of {repeat}. Peak RSS: the client process's own high-water mark (`VmHWM` of",
        "/proc/<pid>/status, polled every 10 ms), the largest of the repetitions. Wall / floor:",
        "median wall over the floor's median wall.",
        f"At Google's pace: max(requests / {QUOTA_PER_MINUTE} per minute, local wall + "
        f"{SECONDS_PER_REQUEST * 1000:.0f} ms per request), the quota of one user and a",
        "typical request latency. Rows marked ≈ are extrapolated linearly from the naive run",
        f"at {NAIVE_MAX_ROWS:,} rows (one `update_cell` request per row), not measured.",
        "",
    ]
    for rows, by_way in results.items():
        lines += table(rows, by_way) + [""]
    if any(FORMULAS in by_way for by_way in results.values()):
        lines += formulas_table(results)
    lines += [
        "## Goals",
        "",
        "Issue 14's goals. The request budget: 9 requests plus two reads' chunks, a read's",
        "chunks being the values.batchGet requests of **tool read** (the cell data is",
        "downloaded twice: the fresh Drive copy standing for the sheet before, the sheet after",
        "the columns step). Bytes uploaded: the request bodies the server received.",
        "",
        *goals(results),
        "",
        *bounds(results),
    ]
    return "\n".join(lines)


def bounds(results: dict[int, dict[str, Result]]) -> list[str]:
    """What bounds the request and wall goals, in figures of the largest N."""
    rows = max(results)
    tool, floor, once = results[rows]["tool"], results[rows]["floor"], results[rows]["tool read"]
    reads = tool.stats["bytes_out"] / once.stats["bytes_out"]
    chunks = read_chunks(results[rows])
    others = tool.requests - 2 * chunks
    return [
        f"## What bounds them (figures at {rows:,} rows)",
        "",
        f"Requests: the session downloads {reads:.1f} times what one read of the sheet does: the",
        "Drive copy the backup step has just made, read alone (it stands for the sheet before;",
        "a copy given with `--backup` or left by an interrupted run is still read beside the",
        "source), and the sheet after the columns step for the seven checks; equal cells prove",
        "both that the copy is the sheet as it was and that no cell changed. The validation",
        "snapshot (`migrated_sheet`) reuses the verification read and reads the key and version",
        "columns again with the header row; the demo suite's formula check reads `Total` alone",
        f'(`live_rows("Total")`). A read is {chunks} chunk(s) of up to `reader.CHUNK_BYTES`;',
        f"the other {others} requests are the opening (metadata and objects in one",
        "spreadsheets.get, the header row, the key column), the lease (read, take, confirm),",
        "the Drive look for a copy an interrupted run left and the copy, the validation rules",
        "of row 2, the key-column guards right before the columns and init writes, the grid's",
        "height before the verification read, init's look at where its columns are, the key",
        "column after init's write (rows deleted under it), the four batchUpdates (lease,",
        "backup stamp, columns, init) and init's values.batchUpdateByDataFilter, and the",
        "validation snapshot's read again: each is a guard a write depends on or a write.",
        "",
        "Uploaded: init's values.batchUpdateByDataFilter carries a value per data row (null",
        "where a cell holds a value already), because it is addressed by the column's developer",
        "metadata and lands in the marked column wherever it is when Google applies it; a",
        "repeatCell or autoFill would be tiny but addressed by index, and no documented guard in",
        "a batchUpdate fails when a column moved, so the per-row write is kept (sent as compact",
        "JSON).",
        "",
        f"Wall: the floor is one read ({floor.wall:.1f} s, gspread parsing included); the session",
        "makes two (the next chunk prefetched while one is digested), digests both cell by cell,",
        "writes the copy's rows to the compressed local backup file and runs the suite",
        f"({tool.wall / floor.wall:.1f}x measured).",
        "",
    ]


def written(text: str, output: Path) -> str:
    """``output``'s text with this benchmark's section (between its markers) replaced by
    ``text``; the sections other benchmarks wrote are kept. A file from before the markers:
    its first lines up to the first heading that is not this benchmark's are replaced."""
    section = f"{BEGIN}\n{text.rstrip()}\n{END}\n"
    old = output.read_text() if output.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        return head + section + rest.split(END, 1)[1].lstrip("\n")
    lines = old.splitlines(keepends=True)
    own = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("## ") and not line.startswith(OWN_HEADINGS)
        ),
        len(lines),
    )
    others = "".join(lines[own:])
    return section + ("\n" + others if others else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="data rows, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--formulas",
        action="store_true",
        help="also run the tool on the sheet with a formula column right of the inserts",
    )
    parser.add_argument(
        "--client", nargs=4, metavar=("WAY", "URL", "KEY", "ROWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.client:
        way, url, key, rows = args.client
        client_main(way, url, key, int(rows))
        return
    sizes = sorted(int(n.replace("_", "")) for n in args.sizes.split(","))
    text = report(measure(sizes, args.repeat, args.formulas), args.repeat)
    print(text)
    if not args.no_write:
        args.output.write_text(written(text, args.output))
        print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
