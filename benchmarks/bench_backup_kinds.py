"""Benchmark: each backup kind run by a service account, as Google treats one (issue 14 item 1).

    PYTHONPATH=$PWD python benchmarks/bench_backup_kinds.py [--rows 2556] [--output FILE]

The local Sheets server (in process) runs in sharing mode; the demo's 65-column v2.1 worksheet
with ``--rows`` data rows is owned by a user and shared with a service account as Editor; the
account is declared a service account, so Drive refuses it any file it would own
(403 storageQuotaExceeded), as Google does. The engine runs with that account's JSON key
(the server issues its token) and migrates once per case:

- ``drive``: a Drive copy in the account's My Drive: refused, and the message is shown;
- ``drive, fallback local``: the same, with ``--backup-fallback local`` allowed;
- ``folder``: the Drive copy into a shared drive the account is a contributor of;
- ``tab``: the hidden, protected tab made in the backup stamp's batchUpdate;
- ``local``: the local snapshot alone;
- ``tab, 10M cells``: the tab kind on a worksheet whose grid has 76,000 rows: refused before
  any write, the message shown.

For each migration: the outcome (the backup step's summary, or the refusal), requests and bytes
(up, down) from the server's stats, and then, when it migrated, a forced rollback after one cell
of an old column was changed: its requests, bytes, the backup it used, and its digest proof.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import requests

from pytest_sheetmigrate import commands, demo
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.service_keys import (
    SERVICE_ACCOUNT,
    service_account_info,
    write_key_file,
)
from pytest_sheetmigrate.errors import SheetMigrateError
from pytest_sheetmigrate.settings import BackupKind, Mode, Settings
from pytest_sheetmigrate.transport import sheets_client

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "v3.0" / "schema.toml"
OWNER, OWNER_TOKEN = "owner@example.com", "owner-token"
CASES: list[tuple[str, dict[str, Any], int | None]] = [
    ("drive", {}, None),
    ("drive, fallback local", {"backup_fallback": BackupKind.LOCAL}, None),
    ("folder", {"backup_folder": "shared drive"}, None),
    ("tab", {"backup_kind": BackupKind.TAB}, None),
    ("local", {"backup_kind": BackupKind.LOCAL}, None),
    ("tab, 10M cells", {"backup_kind": BackupKind.TAB}, 76_000),
]


def post(url: str, path: str, body: Any = None, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(f"{url}{path}", json=body, headers=headers, timeout=600)
    response.raise_for_status()
    return dict(response.json()) if response.content else {}


def stats(url: str) -> dict[str, Any]:
    return dict(requests.get(f"{url}/_emulator/stats", timeout=60).json())


def key_file(folder: Path, token_uri: str) -> Path:
    """A service account's JSON key, freshly generated (the server checks no signature)."""
    return write_key_file(folder / "sa.json", service_account_info(token_uri))


def seeded(url: str, rows: int, grid_rows: int | None) -> str:
    """The demo, owned by OWNER, shared with the declared service account."""
    post(url, "/_emulator/reset")
    values = demo.values(rows)
    sheet = {"title": demo.WORKSHEET, "values": values, "rowCount": grid_rows or len(values)}
    made = post(
        url,
        "/_emulator/spreadsheets",
        {"title": demo.DEMO_TITLE, "owner": OWNER, "sheets": [sheet]},
    )
    key = str(made["spreadsheetId"])
    owner = sheets_client(url, token=OWNER_TOKEN).open_by_key(key)
    owner.share(SERVICE_ACCOUNT, perm_type="user", role="writer", notify=False)
    post(url, "/_emulator/accounts", {"email": SERVICE_ACCOUNT, "type": "service_account"})
    return key


def settings(url: str, key: str, folder: Path, choice: dict[str, Any]) -> Settings:
    if choice.get("backup_folder"):
        members = [{"email": SERVICE_ACCOUNT, "role": "writer"}]
        drive = post(url, "/_emulator/drives", {"name": "Backups", "members": members})
        choice = {**choice, "backup_folder": drive["id"]}
    return Settings(
        sheet=key,
        schema_path=SCHEMA,
        sheets_api=url,
        credentials=key_file(folder, f"{url}/token"),
        checkpoint_dir=folder / "logs" / "checkpoints",
        report_dir=folder / "logs" / "migration",
        backup=None,
        mode=Mode.MIGRATE,
        rootdir=folder,
        reads_per_minute=0,
        writes_per_minute=0,
        **choice,
    )


def measure(url: str, rows: int, case: str, choice: dict[str, Any], grid: int | None) -> dict:
    key = seeded(url, rows, grid)
    with tempfile.TemporaryDirectory() as name:
        chosen = settings(url, key, Path(name), choice)
        post(url, "/_emulator/stats/reset")
        try:
            record = commands.migrate(chosen)
            outcome = record.steps[0].result.summary
            migrated = True
        except SheetMigrateError as error:
            outcome, migrated = f"refused: {error}", False
        made = stats(url)
        result: dict[str, Any] = {"case": case, "outcome": outcome, "migration": made}
        if not migrated:
            return result
        owner = sheets_client(url, token=OWNER_TOKEN).open_by_key(key)
        owner.worksheet(demo.WORKSHEET).update([["changed"]], "B3")
        post(url, "/_emulator/stats/reset")
        rolled = commands.rollback(chosen, force=True).steps[0].result.summary
        result["rollback"], result["rolled"] = stats(url), rolled
    return result


def used(summary: str) -> str:
    for words, said in (
        ("from the Drive copy", "Drive copy (copyTo + copyPaste)"),
        ("from the hidden tab", "backup tab (copyPaste)"),
        ("from the local snapshot", "local snapshot (updateCells, not atomic)"),
    ):
        if words in summary:
            return said
    return "?"


def size(n: int) -> str:
    return f"{n:,} B" if n < 10_000 else f"{n / 1024:,.1f} KB"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| case | migration | requests | up | down | rollback used | requests | up | down "
        "| digest |",
        "|---|---|--:|--:|--:|---|--:|--:|--:|---|",
    ]
    for r in results:
        m = r["migration"]
        outcome = "refused" if r["outcome"].startswith("refused") else "migrated"
        row = f"| {r['case']} | {outcome} | {m['requests']} | {size(m['bytes_in'])} "
        row += f"| {size(m['bytes_out'])} "
        if "rollback" in r:
            b = r["rollback"]
            proof = "equal" if r["rolled"].endswith("equals the pre-migration snapshot") else "NO"
            row += f"| {used(r['rolled'])} | {b['requests']} | {size(b['bytes_in'])} "
            row += f"| {size(b['bytes_out'])} | {proof} |"
        else:
            row += "| - | - | - | - | - |"
        lines.append(row)
    lines.append("")
    for r in results:
        lines.append(f"- **{r['case']}**: {r['outcome']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_556, help="data rows (the demo's 2,556)")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    with EmulatorServer(sharing=True, accounts={OWNER_TOKEN: OWNER}) as server:
        results = [measure(server.url, args.rows, *case) for case in CASES]
    text = table(results)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
