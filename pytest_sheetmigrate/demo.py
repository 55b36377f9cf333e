"""The demo: a deterministic v2.1 worksheet ``Operaciones`` for the embedded local server.

2,556 data rows x 65 columns, key ``TAG_SPOOL`` in column G, with accented text, dates, prices,
blanks and trailing empty rows (the grid has 3,000 rows). ``tests/v3.0/schema.toml`` migrates it to
68 columns. Reset it with ``python -m pytest_sheetmigrate.demo reset``.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DEMO_KEY = "sheetmigrate-demo"
DEMO_TITLE = "Operaciones Planta Norte"
WORKSHEET = "Operaciones"
DATA_ROWS = 2556
GRID_ROWS = 3000
FROM_VERSION = "2.1"

Cell = str | int | float
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
    ]
    extra: list[tuple[str, str, Make]] = []
    for n in range(1, 65 - len(fixed) + 1):
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


def spreadsheet_body(count: int = DATA_ROWS) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A ``spreadsheets.create`` body for the demo, and the batchUpdate requests that stamp it
    as being at schema 2.1 (the values are written separately, RAW).
    """
    body = {
        "properties": {"title": DEMO_TITLE, "locale": "es_ES", "timeZone": "Europe/Madrid"},
        "sheets": [
            {
                "properties": {
                    "title": WORKSHEET,
                    "gridProperties": {"rowCount": max(GRID_ROWS, count + 1), "columnCount": 65},
                }
            }
        ],
    }
    stamp = {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": "sheetmigrate.schema_version",
                "metadataValue": FROM_VERSION,
                "location": {"spreadsheet": True},
                "visibility": "DOCUMENT",
            }
        }
    }
    return body, [stamp]


def reset(rootdir: Path) -> None:
    """Forget the embedded server's state and the run artefacts: the next run starts at v2.1."""
    for path in (rootdir / ".sheetmigrate", rootdir / "logs" / "checkpoints"):
        shutil.rmtree(path, ignore_errors=True)
    for path in (rootdir / "logs" / "migration").glob("*"):
        path.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pytest_sheetmigrate.demo")
    parser.add_argument("command", choices=["reset"], help="reset: start the demo over at v2.1")
    parser.add_argument("--rootdir", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    reset(args.rootdir)
    print(f"demo reset: the embedded sheet is back at schema {FROM_VERSION}")


if __name__ == "__main__":
    main()
