"""The next version file written from the live sheet (chain/next_version.py): types guessed from
the cells, or the head version changed by the drift; the text reads back as a valid version."""

from __future__ import annotations

from pathlib import Path

from chain_files import BASE_COLUMNS, V3, version_file

from pytest_sheetmigrate.chain.chain import load_chain
from pytest_sheetmigrate.chain.drift import LiveColumn, drift
from pytest_sheetmigrate.chain.next_version import (
    draft_from_drift,
    draft_from_sheet,
    guess_column,
    version_text,
)
from pytest_sheetmigrate.chain.version_file import read_version_file


def test_each_column_is_the_narrowest_type_its_cells_match() -> None:
    guessed = {
        name: guess_column(name, cells).column.type
        for name, cells in {
            "flag": [True, "", "FALSE"],
            "count": [1, "2", 3.0],
            "price": [1, 2.5, "3e2"],
            "when": ["2024-01-31", "31/01/2024", ""],
            "text": ["a", 1],
            "empty": ["", ""],
            "total": ["=A2*B2", 3],
        }.items()
    }
    assert guessed == {
        "flag": "boolean",
        "count": "integer",
        "price": "number",
        "when": "date",
        "text": "string",
        "empty": "string",
        "total": "string",
    }
    assert "formula" in guess_column("total", ["=A2*B2"]).note


def test_a_baseline_from_the_live_sheet_reads_back(tmp_path: Path) -> None:
    cells = {"TAG": ["T-1", "T-2"], "Estado": ["ok", ""], "Cantidad": [3, 4], 'Nota "x"': ["a\\b"]}
    draft = draft_from_sheet("Operaciones", list(cells), cells.__getitem__, key="TAG")
    path = tmp_path / "2.1.toml"
    path.write_text(version_text("2.1", [draft], "the sheet as found"))
    read = read_version_file(path)
    schema = read.worksheets[0].schema
    assert read.version == "2.1" and read.description == "the sheet as found"
    assert [(c.name, c.type) for c in schema.columns] == [
        ("TAG", "string"),
        ("Estado", "string"),
        ("Cantidad", "integer"),
        ('Nota "x"', "string"),
    ]
    assert schema.key == "TAG"


def test_the_next_version_from_the_drift_keeps_types_and_says_renames_and_drops(
    tmp_path: Path,
) -> None:
    version_file(tmp_path, "2.1", BASE_COLUMNS, header="baseline = true")
    version_file(tmp_path, "3.0", [(n, "number" if n == "Cantidad" else t) for n, t in V3])
    target = load_chain(tmp_path).head.file.worksheets[0]
    ids = {name: f"c{i}" for i, name in enumerate(target.schema.header)}
    live = [
        LiveColumn(0, "TAG", "c0"),
        LiveColumn(1, "Status", "c1"),  # Estado renamed by hand
        LiveColumn(2, "Cantidad", "c2"),
        LiveColumn(3, "version", "c4"),  # Precio deleted by hand
        LiveColumn(4, "Nuevo", None),
    ]
    found = drift(target.schema, live, ids)
    draft = draft_from_drift(target, found, live, lambda name: [1, 2] if name == "Nuevo" else [])
    (tmp_path / "3.1.toml").write_text(version_text("3.1", [draft]))
    chain = load_chain(tmp_path)  # the drafted version passes the chain's checks
    worksheet = chain.head.file.worksheets[0]
    assert worksheet.renames == (("Estado", "Status"),)
    assert worksheet.drops == ("Precio",)
    assert [(c.name, c.type) for c in worksheet.schema.columns] == [
        ("TAG", "string"),
        ("Status", "string"),
        ("Cantidad", "number"),
        ("version", "integer"),
        ("Nuevo", "integer"),
    ]
