"""The demo: a deterministic v2.1 worksheet ``Operaciones`` for the embedded local server.

2,556 data rows x 65 columns, key ``TAG_SPOOL`` in column G, with accented text, dates, prices,
blanks and trailing empty rows (the grid has 3,000 rows). ``tests/v3.0/schema.toml`` migrates it to
68 columns, inserting two at F:G. Right of them, ``Total`` (O) holds ``=J{row}*K{row}`` (Cantidad x
Precio_Unitario) and the tab ``Resumen`` reads Operaciones across tabs (``SUMMARY_ROWS``, with a
VLOOKUP whose index does not shift): Google relocates them all and none changes meaning. ``rows()``
and ``values()`` are plain values (Total a number, what the tests seed their sheets with); the
embedded server's seeding writes ``total_formulas()`` and the summary over them, USER_ENTERED.

Reset it with ``python -m pytest_sheetmigrate.demo reset``: only in a project whose pytest
configuration is the demo's (the embedded server and the demo's key), it deletes the demo's own
state, the embedded server's data folder and the checkpoints written for the demo sheet, and keeps
the reports and every local backup snapshot; in any other project it deletes nothing and exits 2.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .emulator.data_lock import DataFolderInUse, DataFolderLock
from .errors import ConfigError
from .project_ini import project_ini
from .settings import EMBEDDED, Mode, Settings, resolve
from .stamp import SCHEMA_VERSION_KEY, create_metadata_request

DEMO_KEY = "sheetmigrate-demo"
DEMO_TITLE = "Operaciones Planta Norte"
WORKSHEET = "Operaciones"
DEMO_SHEET_ID = 0  # the worksheet's id, which its stamps are located at
DATA_ROWS = 2556
GRID_ROWS = 3000
FROM_VERSION = "2.1"

Cell = str | int | float
TOTAL = "Total"  # =J{row}*K{row} (Cantidad x Precio_Unitario) in the embedded demo
TOTAL_COLUMN = "O"
TOTAL_FORMULA = "=J{row}*K{row}"
SUMMARY = "Resumen"
SUMMARY_SHEET_ID = 1
Make = Callable[[random.Random, int], Cell]

_WORDS = ["válvula", "tubería", "codo", "brida", "soldadura", "inspección", "línea", "niño"]
_PEOPLE = ["José Pérez", "María Núñez", "Íñigo Ortúzar", "Ana Gómez", "Zoë Martín", ""]
_STATES = ["PENDIENTE", "EN PROCESO", "COMPLETADO", "RECHAZADO"]
_MATERIALS = ["A106-B", "A312-TP316L", "A333-6", "A335-P11"]


def _date(rng: random.Random, _row: int) -> Cell:
    day = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
    return day.strftime("%d/%m/%Y") if rng.random() > 0.08 else ""


def _price(rng: random.Random, _row: int) -> Cell:
    return round(rng.uniform(3, 9000), 2) if rng.random() > 0.05 else ""


def _text(rng: random.Random, _row: int) -> Cell:
    return f"{rng.choice(_WORDS)} {rng.randrange(1, 99)}" if rng.random() > 0.2 else ""


def _columns() -> list[tuple[str, str, Make]]:
    """(name, schema type, value maker) for the 65 columns of schema 2.1."""
    fixed: list[tuple[str, str, Make]] = [
        ("ID", "integer", lambda rng, row: row + 1),
        ("Proyecto", "string", lambda rng, row: f"PRJ-{1000 + row // 400}"),
        (
            "Cliente",
            "string",
            lambda rng, row: rng.choice(["Pemex", "Técnicas Reunidas", "Ñandú SA"]),
        ),
        ("Fecha_Creacion", "date", _date),
        ("Estado", "string", lambda rng, row: rng.choice(_STATES)),
        ("Linea", "string", lambda rng, row: f"L-{rng.randrange(100, 999)}"),
        ("TAG_SPOOL", "string", lambda rng, row: f"SP-{row + 1:05d}"),
        ("Diametro_Pulg", "number", lambda rng, row: rng.choice([0.5, 1, 2, 4, 6, 8, 12])),
        ("Material", "string", lambda rng, row: rng.choice(_MATERIALS)),
        ("Cantidad", "integer", lambda rng, row: rng.randrange(1, 40)),
        ("Precio_Unitario", "number", _price),
        ("Responsable", "string", lambda rng, row: rng.choice(_PEOPLE)),
        ("Fecha_Entrega", "date", _date),
        ("Observaciones", "string", _text),
        # Cantidad x Precio_Unitario: a plain number in rows(), a formula in the embedded demo.
        (TOTAL, "number", _price),
    ]
    extra: list[tuple[str, str, Make]] = []
    for n in range(2, 65 - len(fixed) + 2):
        kind = ("string", "number", "date")[n % 3]
        maker = {"string": _text, "number": _price, "date": _date}[kind]
        extra.append((f"Campo_{n:02d}", kind, maker))
    return fixed + extra


COLUMNS = _columns()


def header() -> list[str]:
    return [name for name, _, _ in COLUMNS]


def rows(count: int = DATA_ROWS, seed: int = 21) -> list[list[Cell]]:
    """The data rows, identical on every machine for the same count and seed."""
    rng = random.Random(seed)
    return [[make(rng, row) for _, _, make in COLUMNS] for row in range(count)]


def values(count: int = DATA_ROWS) -> list[list[Cell]]:
    """Header and data rows, as written (RAW) to the worksheet."""
    head: list[Cell] = list(header())
    return [head, *rows(count)]


def total_formulas(count: int = DATA_ROWS) -> list[list[Cell]]:
    """Column O (``Total``) of the data rows as formulas, written USER_ENTERED over the RAW rows."""
    return [[TOTAL_FORMULA.format(row=row)] for row in range(2, count + 2)]


# The summary tab: references into Operaciones right of the insertion at F:G (Google relocates
# them), one of them absolute, and a lookup whose whole range G:K moves as one, so its index 5
# still names Precio_Unitario. None of them changes meaning (formulas.dependents finds nothing).
SUMMARY_ROWS: list[list[Cell]] = [
    ["Concepto", "Valor"],
    ["Spools", "=COUNTA(Operaciones!G2:G)"],
    ["Cantidad total", "=SUM(Operaciones!J:J)"],
    ["Importe total", "=SUM(Operaciones!O:O)"],
    ["Precio máximo", "=MAX(Operaciones!$K$2:$K)"],
    ["Importe por spool", "=B4/B2"],
    ["Precio de SP-00001", '=VLOOKUP("SP-00001", Operaciones!G:K, 5, FALSE)'],
]


def spreadsheet_body(count: int = DATA_ROWS) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A ``spreadsheets.create`` body for the demo (``Operaciones`` and the summary tab), and
    the batchUpdate requests that stamp it as being at schema 2.1 (the values are written
    separately: the rows RAW, the formulas USER_ENTERED).
    """
    body = {
        "properties": {"title": DEMO_TITLE, "locale": "es_ES", "timeZone": "Europe/Madrid"},
        "sheets": [
            {
                "properties": {
                    "sheetId": DEMO_SHEET_ID,
                    "title": WORKSHEET,
                    "gridProperties": {"rowCount": max(GRID_ROWS, count + 1), "columnCount": 65},
                }
            },
            {
                "properties": {
                    "sheetId": SUMMARY_SHEET_ID,
                    "title": SUMMARY,
                    "gridProperties": {"rowCount": 20, "columnCount": 4},
                }
            },
        ],
    }
    # The worksheet's own stamp (older versions seeded a spreadsheet-level one, still read).
    return body, [create_metadata_request(SCHEMA_VERSION_KEY, FROM_VERSION, DEMO_SHEET_ID)]


def demo_settings(start: Path) -> Settings:
    """The settings of the project around ``start``, read as pytest reads them (its ini file,
    then the ``SHEETMIGRATE_*`` environment variables); ``ConfigError`` unless they are the demo's:
    the embedded server and the demo's key."""
    rootdir, keys = project_ini(start)
    wanted = f'sheetmigrate_sheets_api = "{EMBEDDED}" and sheetmigrate_sheet = "{DEMO_KEY}"'
    try:
        settings = resolve(lambda _: None, Mode.MIGRATE, rootdir, ini=lambda o: keys.get(o.ini))
    except ConfigError:
        settings = None
    if settings is None or (settings.sheets_api, settings.spreadsheet_key) != (EMBEDDED, DEMO_KEY):
        target = f"it targets {settings.target}" if settings else "it has no sheetmigrate settings"
        raise ConfigError(
            f"{rootdir} is not configured for the demo ({target}; the demo's project has {wanted} "
            "in its pytest configuration): nothing was deleted. Run the reset in the demo's "
            "project, or pass --rootdir with its folder."
        )
    return settings


def reset(settings: Settings) -> tuple[int, int]:
    """Forget the demo's own state: the embedded server's data folder (the demo sheet and its
    backup copies) and the demo's checkpoints. Reports and local backup snapshots are kept.
    Returns how many checkpoints were deleted and how many local snapshots were kept."""
    if settings.embedded_data_dir.exists():
        lock = DataFolderLock(settings.embedded_data_dir)  # refused while a run serves it
        try:
            shutil.rmtree(settings.embedded_data_dir)
        finally:
            lock.release()
    deleted = 0
    for path in _demo_checkpoints(settings.checkpoint_dir):
        path.unlink()
        deleted += 1
    return deleted, len(list(settings.report_dir.glob("backup_*.jsonl.gz")))


def _demo_checkpoints(directory: Path) -> list[Path]:
    """The checkpoint files written for the demo's spreadsheet (their ``spreadsheet`` field)."""
    found = []
    for path in [*directory.glob("*.json"), *directory.glob("*/*.json")]:
        try:
            spreadsheet = json.loads(path.read_text(encoding="utf-8")).get("spreadsheet")
        except (OSError, ValueError, AttributeError):
            continue
        if spreadsheet == DEMO_KEY:
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_sheetmigrate.demo")
    parser.add_argument("command", choices=["reset"], help="reset: start the demo over at v2.1")
    parser.add_argument(
        "--rootdir",
        type=Path,
        default=Path.cwd(),
        help="the demo project's folder (default: the current one, or its nearest parent with "
        "a pytest configuration)",
    )
    args = parser.parse_args(argv)
    try:
        settings = demo_settings(args.rootdir.resolve())
    except ConfigError as error:
        print(f"demo reset refused: {error}", file=sys.stderr)
        return 2
    try:
        deleted, kept = reset(settings)
    except DataFolderInUse as in_use:
        print(
            f"demo reset refused: {in_use.holder.describe()} is using the embedded server: "
            "nothing was deleted. Let that run finish (or stop it), then run the reset again.",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        print(f"demo reset failed: {error}; fix that and run it again", file=sys.stderr)
        return 1
    print(
        f"demo reset: the embedded sheet is back at schema {FROM_VERSION} "
        f"(deleted {_shown(settings.embedded_data_dir, settings.rootdir)} and {deleted} "
        f"checkpoint(s) in {_shown(settings.checkpoint_dir, settings.rootdir)}); "
        f"kept {kept} local backup snapshot(s) and the reports in "
        f"{_shown(settings.report_dir, settings.rootdir)}"
    )
    return 0


def _shown(path: Path, rootdir: Path) -> str:
    return str(path.relative_to(rootdir)) if path.is_relative_to(rootdir) else str(path)


if __name__ == "__main__":
    sys.exit(main())
