"""Benchmark: a migration at Google's quota shape, paced and not (a table, not a test).

    python benchmarks/bench_quota.py [--sizes 10000,100000] [--per-minute 60] [--output FILE]

For each N it starts the local Sheets server in a subprocess with ``--quota google`` (60 read
and 60 write requests a minute per user, 300 per project, no ``Retry-After``, windows on the
clock's minute: Sheets "Usage limits", developers.google.com/workspace/sheets/api/limits), seeds
the demo's 65-column worksheet with N data rows, and migrates it to the demo's 68 columns
through the engine (backup, columns, verify, init; no validation suite) twice, on a freshly
seeded sheet each time:

- paced: ``--reads-per-minute 60 --writes-per-minute 60`` (the defaults);
- unpaced: ``off``, so the server's 429s are met and waited out (``--retry-base-seconds`` 0.5:
  2, 4, 8, 16, 32 s, at most 70 s per request).

Requests, 429s and the pacer's waits are the client's own counts (the gateway's request log);
the floor is the read requests at 60 a minute (the issue's measure); the least in a sliding
minute is a whole minute for each 60 reads after the first 60 (the pacer's rule; the server's
windows start on the clock's minute, so an unpaced run may take up to a minute less)
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_migrate import seed_body  # noqa: E402

from pytest_sheetmigrate.run import Run  # noqa: E402
from pytest_sheetmigrate.schema import load_schema  # noqa: E402
from pytest_sheetmigrate.settings import Mode, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "v3.0" / "schema.toml"
READS_PER_MINUTE = 60


@contextmanager
def google_shaped_server(per_user: int = READS_PER_MINUTE) -> Iterator[str]:
    """The server at Google's quota shape; ``per_user``: the reads and writes a minute left to
    this user (Google's 60, or less when an application shares the account)."""
    args = [sys.executable, "-m", "pytest_sheetmigrate.emulator", "--port", "0", "--quota"]
    args += ["google", "--read-quota-per-user", str(per_user)]
    args += ["--write-quota-per-user", str(per_user)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=120)


def seed(url: str, body: bytes) -> str:
    requests.post(f"{url}/_emulator/reset", timeout=600).raise_for_status()
    response = requests.post(
        f"{url}/_emulator/spreadsheets",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=600,
    )
    response.raise_for_status()
    return str(response.json()["spreadsheetId"])


@dataclass
class Outcome:
    rows: int
    way: str
    completed: str
    requests: int
    reads: int
    writes: int
    refusals: int
    paced_waits: int
    seconds: float

    budget: int = READS_PER_MINUTE
    """The reads a minute the server grants this user."""

    @property
    def floor_seconds(self) -> float:
        """The issue's floor: the read requests at the budget a minute."""
        return self.reads / self.budget * 60

    @property
    def least_seconds(self) -> float:
        """The least a client keeping to 60 reads in any minute (a sliding minute, the
        pacer's rule) takes: a budget at once, then a minute for each next one. The server's
        windows start on the clock's minute, so an unpaced run can take up to a minute less."""
        return (math.ceil(self.reads / self.budget) - 1) * 60.0

    def row(self) -> str:
        return (
            f"| {self.rows:,} | {self.budget} | {self.way} | {self.completed} | {self.requests} "
            f"| {self.reads} | {self.writes} | {self.refusals} | {self.paced_waits} "
            f"| {self.seconds:.0f} s | {self.floor_seconds:.0f} s | {self.least_seconds:.0f} s |"
        )


def migrate(url: str, key: str, rows: int, per_minute: int, folder: Path, budget: int) -> Outcome:
    settings = Settings(
        sheet=key,
        schema_path=SCHEMA,
        sheets_api=url,
        credentials=None,
        checkpoint_dir=folder / "checkpoints",
        report_dir=folder / "reports",
        backup=None,
        mode=Mode.MIGRATE,
        rootdir=folder,
        reads_per_minute=per_minute,
        writes_per_minute=per_minute,
    )
    run = Run(settings, load_schema(SCHEMA), lambda line: print("   ", line, flush=True))
    started = time.monotonic()
    completed = "yes"
    try:
        run.open()
        run.backup()
        run.columns()
        run.init(run.verify())
    except Exception as error:  # the table says how it ended
        completed = f"no: {str(error)[:80]}"
    finally:
        run.close()
    seconds = time.monotonic() - started
    log = run.gateway.log
    by_kind = log.by_kind
    reads = by_kind["values.batchGet"] + by_kind["spreadsheets.get"]
    writes = by_kind["spreadsheets.batchUpdate"] + by_kind["values.batchUpdateByDataFilter"]
    way = f"paced ({per_minute}/min)" if per_minute else "unpaced"
    return Outcome(
        rows, way, completed, log.total, reads, writes, log.quota_refusals,
        run.gateway.pacer.waits, seconds, budget,
    )  # fmt: skip


def table(outcomes: list[Outcome]) -> str:
    head = (
        "| rows | quota (reads a minute) | pacing | completed | requests | reads | writes "
        "| 429s received | pacer waits | total time | floor (reads at the quota) "
        "| least in a sliding minute |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *(outcome.row() for outcome in outcomes)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--per-minute",
        type=int,
        default=READS_PER_MINUTE,
        help="the reads and writes a minute the server grants the user, and the pace "
        "(default Google's 60; less stands for an application sharing the account)",
    )
    args = parser.parse_args()
    outcomes, budget = [], args.per_minute
    with google_shaped_server(budget) as url, tempfile.TemporaryDirectory() as tmp:
        for rows in (int(n.replace("_", "")) for n in args.sizes.split(",")):
            body = seed_body(rows)
            for per_minute in (budget, 0):
                print(f"{rows:,} rows, pace {per_minute or 'off'}:", flush=True)
                folder = Path(tmp) / f"{rows}-{per_minute}"
                key = seed(url, body)
                outcomes.append(migrate(url, key, rows, per_minute, folder, budget))
                print(table(outcomes[-1:]).splitlines()[-1], flush=True)
    text = table(outcomes)
    print(text)
    if args.output:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        section = (
            f"\n## Google's quota shape, paced and not (bench_quota.py, {when})\n\n"
            "`python benchmarks/bench_quota.py --sizes "
            f"{args.sizes}`: the server at `--quota google` (60 reads and 60 writes a minute "
            "per user, no Retry-After), the engine's migration (no validation suite).\n\n"
            f"{text}\n"
        )
        with args.output.open("a") as handle:
            handle.write(section)


if __name__ == "__main__":
    main()
