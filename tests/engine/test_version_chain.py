"""The migrations folder read into one line of versions (pytest_sheetmigrate/chain): order,
each version checked against the one before, transforms imported and their answers checked.
Pure: no server. Every bad input is refused with a message that names the file and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from chain_files import BASE_COLUMNS, V3, owning, renamed, version_file

from pytest_sheetmigrate.chain.chain import load_chain, single_schema_chain
from pytest_sheetmigrate.chain.transform_run import apply_transform
from pytest_sheetmigrate.errors import SchemaError
from pytest_sheetmigrate.schema import load_schema


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A baseline 2.1 and a 3.0 that adds a column."""
    version_file(tmp_path, "2.1", BASE_COLUMNS, header="baseline = true")
    version_file(tmp_path, "3.0", [*BASE_COLUMNS, ("version", "integer")])
    return tmp_path


def refused(folder: Path) -> str:
    with pytest.raises(SchemaError) as raised:
        load_chain(folder)
    return str(raised.value)


def test_versions_are_applied_in_numeric_order_with_each_worksheets_target_before(
    folder: Path,
) -> None:
    v3 = [*BASE_COLUMNS, ("version", "integer")]
    version_file(folder, "3.10", v3, file_name="3.10__last.toml")
    version_file(folder, "3.9", v3)
    chain = load_chain(folder)
    assert [v.version for v in chain.versions] == ["2.1", "3.0", "3.9", "3.10"]
    assert chain.versions[0].file.baseline and chain.versions[0].before == {}
    assert chain.versions[1].before["Operaciones"].header == [n for n, _ in BASE_COLUMNS]
    assert chain.head.version == "3.10"
    assert [v.version for v in chain.up_to("3.0")] == ["2.1", "3.0"]


def test_a_rename_a_drop_and_a_transform_are_read(folder: Path) -> None:
    (folder / "transforms.py").write_text(
        "def total(row):\n    return {'Total': row['Cantidad'] * row['Precio']}\n"
    )
    columns = renamed([*BASE_COLUMNS, ("version", "integer")], "Estado", "Status")
    columns = [c for c in columns if c[0] != "Precio"] + [("Total", "number")]
    extra = '[[worksheet.transforms]]\nfunction = "transforms:total"\ncolumns = ["Total"]\n'
    version_file(
        folder,
        "3.1",
        columns,
        worksheet_extra='renames = { Estado = "Status" }\ndrops = ["Precio"]',
        extra=extra,
    )
    head = load_chain(folder).head.file.worksheets[0]
    assert head.renames == (("Estado", "Status"),)
    assert head.drops == ("Precio",)
    assert [t.function for t in head.transforms] == ["transforms:total"]


def test_the_checksum_covers_the_transform_module(folder: Path) -> None:
    module = folder / "transforms.py"
    module.write_text("def total(row):\n    return {'Total': 1}\n")
    extra = '[[worksheet.transforms]]\nfunction = "transforms:total"\ncolumns = ["Total"]\n'
    version_file(
        folder, "3.1", [*BASE_COLUMNS, ("version", "integer"), ("Total", "number")], extra=extra
    )
    first = load_chain(folder).head.checksum
    module.write_text("def total(row):\n    return {'Total': 2}\n")
    assert load_chain(folder).head.checksum != first


def test_a_widening_type_change_needs_no_transform(folder: Path) -> None:
    widened = [(n, "number" if n == "Cantidad" else t) for n, t in BASE_COLUMNS]
    version_file(folder, "3.1", [*widened, ("version", "integer")])
    assert load_chain(folder).head.version == "3.1"


def test_a_lone_schema_file_is_a_chain_of_one_version() -> None:
    schema = load_schema(Path(__file__).parents[1] / "v3.0" / "schema.toml")
    chain = single_schema_chain(schema)
    assert [v.version for v in chain.versions] == ["3.0"]
    assert chain.head.file.worksheets[0].schema is schema
    assert len(chain.head.checksum) == 64


@pytest.mark.parametrize(
    ("case", "write", "said"),
    [
        (
            "two files claim one version",
            lambda f: version_file(f, "3.00", V3, file_name="3.00__again.toml"),
            "both claim version 3.00; give each version one file",
        ),
        (
            "a rename of a column that does not exist",
            lambda f: version_file(
                f,
                "3.1",
                renamed(V3, "Estado", "Status"),
                worksheet_extra='renames = { Estad = "Status" }',
            ),
            "renames 'Estad', which is not a column of version 3.0",
        ),
        (
            "a rename onto an existing name",
            lambda f: version_file(
                f,
                "3.1",
                [c for c in V3 if c[0] != "Estado"],
                worksheet_extra='renames = { Estado = "Precio" }',
            ),
            "renames 'Estado' onto 'Precio', which is already a column of version 3.0",
        ),
        (
            "a rename whose new name is not among the columns",
            lambda f: version_file(f, "3.1", V3, worksheet_extra='renames = { Estado = "Status" }'),
            "so the columns list 'Status' and not 'Estado'",
        ),
        (
            "a drop of the key",
            lambda f: version_file(
                f, "3.1", [("ID", "integer"), *V3[1:]], key="ID", worksheet_extra='drops = ["TAG"]'
            ),
            "drops the key column 'TAG'",
        ),
        (
            "a drop of a column that does not exist",
            lambda f: version_file(f, "3.1", V3, worksheet_extra='drops = ["Nada"]'),
            "drops 'Nada', which is not a column of version 3.0",
        ),
        (
            "a column left out without a drop or a rename",
            lambda f: version_file(f, "3.1", [c for c in V3 if c[0] != "Precio"]),
            "'Precio' of version 3.0 is not in this version's columns: add it to drops",
        ),
        (
            "a type change no value survives, without a transform",
            lambda f: version_file(f, "3.1", [(n, "date" if n == "Estado" else t) for n, t in V3]),
            "'Estado' changes type from string to date",
        ),
        (
            "a key changed",
            lambda f: version_file(f, "3.1", V3, key="Estado"),
            "the key changes from 'TAG' to 'Estado'",
        ),
        (
            "a baseline that is not the first version",
            lambda f: version_file(f, "3.1", V3, header="baseline = true"),
            "only the first version may be a baseline",
        ),
        (
            "a version name unlike the file name",
            lambda f: version_file(f, "3.2", V3, file_name="3.1.toml"),
            "[version] name is '3.2' but the file's name says 3.1",
        ),
        (
            "a file name without a version",
            lambda f: (f / "next.toml").write_text(""),
            "a version file's name starts with its version",
        ),
        (
            "an unknown key",
            lambda f: version_file(f, "3.1", V3, worksheet_extra='rename = { Estado = "S" }'),
            'unknown key "rename"',
        ),
        (
            "a transform whose module does not import",
            lambda f: (
                (f / "broken.py").write_text("import no_such_module\n"),
                version_file(
                    f,
                    "3.1",
                    [*V3, ("Total", "number")],
                    extra=owning("broken:total", "Total"),
                ),
            ),
            "broken.py does not import (ModuleNotFoundError",
        ),
        (
            "a transform whose module is not there",
            lambda f: version_file(
                f,
                "3.1",
                [*V3, ("Total", "number")],
                extra=owning("nowhere:total", "Total"),
            ),
            "no module",
        ),
        (
            "a transform whose function is not in its module",
            lambda f: (
                (f / "transforms.py").write_text("def other(row):\n    return {}\n"),
                version_file(
                    f,
                    "3.1",
                    [*V3, ("Total", "number")],
                    extra=owning("transforms:total", "Total"),
                ),
            ),
            "has no function total(row)",
        ),
        (
            "a transform that owns a column the worksheet does not have",
            lambda f: (
                (f / "transforms.py").write_text("def total(row):\n    return {}\n"),
                version_file(
                    f,
                    "3.1",
                    V3,
                    extra=owning("transforms:total", "Total"),
                ),
            ),
            "owns 'Total', which is not among the worksheet's columns",
        ),
        (
            "a transform that owns the key",
            lambda f: (
                (f / "transforms.py").write_text("def tag(row):\n    return {}\n"),
                version_file(
                    f,
                    "3.1",
                    V3,
                    extra=owning("transforms:tag", "TAG"),
                ),
            ),
            "owns the key 'TAG'",
        ),
        (
            "a baseline that renames",
            lambda f: (
                (f / "2.1.toml").unlink(),
                (f / "3.0.toml").unlink(),
                version_file(
                    f,
                    "2.1",
                    renamed(BASE_COLUMNS, "Estado", "Status"),
                    header="baseline = true",
                    worksheet_extra='renames = { Estado = "Status" }',
                ),
            ),
            "a baseline records the sheet as it is, but it renames",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_a_bad_chain_is_refused_with_the_fix(folder: Path, case: str, write, said: str) -> None:
    write(folder)
    message = refused(folder)
    assert said in message, (case, message)


def test_a_missing_folder_is_refused_with_the_option_to_pass(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="migrations folder not found. Pass --migrations"):
        load_chain(tmp_path / "migrations")


def test_renames_on_a_worksheets_first_version_are_refused(tmp_path: Path) -> None:
    version_file(
        tmp_path,
        "3.0",
        renamed(V3, "Estado", "Status"),
        worksheet_extra='renames = { Estado = "Status" }',
    )
    assert "no version before manages this worksheet" in refused(tmp_path)


# a transform's answer, row by row ---------------------------------------------------------


def transform_setup(folder: Path, body: str):
    (folder / "transforms.py").write_text(f"def total(row):\n    {body}\n")
    extra = '[[worksheet.transforms]]\nfunction = "transforms:total"\ncolumns = ["Total"]\n'
    version_file(folder, "3.1", [*V3, ("Total", "number")], extra=extra)
    from pytest_sheetmigrate.chain.chain import load_transform

    worksheet = load_chain(folder).head.file.worksheets[0]
    transform = worksheet.transforms[0]
    return load_transform(folder, transform)[0], transform, worksheet.schema


ROW = {"TAG": "T-1", "Estado": "ok", "Cantidad": 3, "Precio": 2.5, "version": 0, "Total": None}


def test_a_transforms_answer_is_its_columns_values(folder: Path) -> None:
    function, transform, schema = transform_setup(
        folder, "return {'Total': row['Cantidad'] * row['Precio']}"
    )
    assert apply_transform(function, transform, ROW, 2, schema) == {"Total": 7.5}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("raise ValueError('no price')", "on row 7 raised ValueError: no price. Fix the function"),
        ("return 7.5", "returned float, not a mapping of its columns (Total)"),
        ("return {'Total': 1, 'Estado': 'x'}", "wrong columns (not its own: Estado)"),
        ("return {}", "wrong columns (missing Total)"),
        ("return {'Total': 'seven'}", "returned 'seven' for 'Total', not a number"),
        ("return {'Total': '#N/A'}", "returned '#N/A' for 'Total', not a number"),
    ],
)
def test_a_bad_transform_answer_is_refused_with_the_row(folder: Path, body: str, said: str) -> None:
    function, transform, schema = transform_setup(folder, body)
    with pytest.raises(SchemaError) as raised:
        apply_transform(function, transform, ROW, 7, schema)
    assert said in str(raised.value)
