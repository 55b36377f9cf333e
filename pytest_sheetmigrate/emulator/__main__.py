"""``python -m pytest_sheetmigrate.emulator``: serve the local Sheets API until SIGINT/SIGTERM.

Prints exactly one line on stdout, ``listening on http://HOST:PORT``; errors go to stderr. A
clean stop compacts the ``--data`` directory. A ``--data`` folder another server (this CLI, or a
pytest run's embedded server) is serving is refused, exit 2, naming that process and its URL.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from .data_lock import DataFolderInUse
from .quotas import QuotaSettings
from .server import EmulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_sheetmigrate.emulator",
        description="A local Google Sheets API v4 + Drive v3 server for gspread.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8123, help="port; 0 picks a free one")
    parser.add_argument("--data", type=Path, help="directory keeping the state across restarts")
    parser.add_argument(
        "--sharing",
        action="store_true",
        help="a spreadsheet is visible only to its owner and the accounts it is shared with",
    )
    parser.add_argument(
        "--accounts",
        type=Path,
        help='JSON file {"<bearer token>": "<account e-mail>" | {"email": "<e-mail>", "type":'
        ' "service_account" | "user"}}; other tokens get 401',
    )
    quotas = parser.add_argument_group(
        "quotas", "per-minute limits like Google's; off unless --quota google or a limit is given"
    )
    quotas.add_argument(
        "--quota",
        choices=("google", "off"),
        default="off",
        help="google: Google's default limits (Sheets 60 per user / 300 per project per minute "
        "for reads and for writes; Drive 12,000 / 12,000); off (default): none",
    )
    for flag, field in _LIMIT_FLAGS.items():
        quotas.add_argument(f"--{flag}", type=int, metavar="N", dest=field, help=_limit_help(flag))
    quotas.add_argument(
        "--quota-per-minute",
        type=int,
        metavar="N",
        help="older form: the per-user read and write limits of Sheets",
    )
    quotas.add_argument(
        "--quota-retry-after",
        action="store_true",
        help="send Retry-After with a quota refusal (Google does not)",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every API request")
    return parser.parse_args(argv)


# CLI flag -> QuotaSettings field
_LIMIT_FLAGS = {
    "read-quota-per-user": "read_per_user",
    "read-quota-per-project": "read_per_project",
    "write-quota-per-user": "write_per_user",
    "write-quota-per-project": "write_per_project",
    "drive-quota-per-user": "drive_per_user",
    "drive-quota-per-project": "drive_per_project",
}


def _limit_help(flag: str) -> str:
    what, _, scope = flag.partition("-quota-per-")
    api = "Drive requests" if what == "drive" else f"Sheets {what} requests"
    return f"{api} per minute per {scope} (overrides --quota)"


def quota_settings(args: argparse.Namespace) -> QuotaSettings | None:
    """The quota settings the flags ask for, or None for no quota."""
    overrides = {
        field: getattr(args, field)
        for field in _LIMIT_FLAGS.values()
        if getattr(args, field) is not None
    }
    if args.quota_per_minute is not None:
        overrides.setdefault("read_per_user", args.quota_per_minute)
        overrides.setdefault("write_per_user", args.quota_per_minute)
    base = QuotaSettings.google() if args.quota == "google" else QuotaSettings()
    settings = replace(base, retry_after=args.quota_retry_after, **overrides)
    return settings if settings.enabled else None


def _load_accounts(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    accounts: Any = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(accounts, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or _is_account(v)) for k, v in accounts.items()
    ):
        raise SystemExit(
            f'{path}: expected a JSON object {{"<token>": "<e-mail>" | {{"email": "<e-mail>", '
            '"type": "service_account" | "user"}, ...}'
        )
    return accounts


def _is_account(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("email"), str)
        and value.get("type", "user") in ("user", "service_account")
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        server = EmulatorServer(
            host=args.host,
            port=args.port,
            data_dir=args.data,
            sharing=args.sharing,
            accounts=_load_accounts(args.accounts),
            quotas=quota_settings(args),
            latency_ms=args.latency_ms,
        )
    except DataFolderInUse as in_use:
        print(f"error: {in_use}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    url = server.start()
    print(f"listening on {url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
