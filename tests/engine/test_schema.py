"""The schema TOML file: what loads, what is refused and how, and the cell type rules
(cell_types.py) it is checked with."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_sheetmigrate.a1 import column_letter
from pytest_sheetmigrate.cell_types import is_blank, value_matches_type
from pytest_sheetmigrate.errors import SchemaError, SheetStateError
from pytest_sheetmigrate.schema import Column, check_header_cells, load_schema

GOOD = """\
[migration]
name = "3.0"
worksheet = "Operaciones"
key = "TAG_SPOOL"

[[columns]]
name = "TAG_SPOOL"
type = "string"
required = true

[[columns]]
name = "Fecha"
type = "date"

[[columns]]
name = "version"
type = "integer"
default = 0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schema.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_version_column(column_type: str, default: str) -> str:
    """GOOD with the "version" column's type and TOML default replaced."""
    return GOOD.replace(
        'type = "integer"\ndefault = 0', f'type = "{column_type}"\ndefault = {default}'
    )


def refusal(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_a_good_file_loads_into_columns_in_header_order(tmp_path: Path) -> None:
    schema = load_schema(write(tmp_path, GOOD))
    assert (schema.name, schema.worksheet, schema.key) == ("3.0", "Operaciones", "TAG_SPOOL")
    assert schema.header == ["TAG_SPOOL", "Fecha", "version"]
    assert schema.column("version") == Column("version", "integer", required=False, default=0)
    assert schema.column("TAG_SPOOL").required is True
    assert schema.path == tmp_path / "schema.toml"


def test_asking_for_a_column_the_schema_lacks_raises_key_error(tmp_path: Path) -> None:
    schema = load_schema(write(tmp_path, GOOD))
    assert not schema.has_column("Foo")
    with pytest.raises(KeyError, match="Foo"):
        schema.column("Foo")


def test_emoji_and_non_latin_column_names_load(tmp_path: Path) -> None:
    text = GOOD.replace('name = "Fecha"', 'name = "Дата 📅 日付"')
    assert load_schema(write(tmp_path, text)).header[1] == "Дата 📅 日付"


def test_a_file_saved_with_a_utf8_byte_order_mark_loads(tmp_path: Path) -> None:
    # Windows editors (Notepad) may save UTF-8 with a BOM; TOML itself has none (issue 11).
    path = tmp_path / "schema.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert load_schema(path).header == ["TAG_SPOOL", "Fecha", "version"]


def test_a_missing_file_is_refused_with_the_option_to_fix(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"schema file not found\. Pass --schema"):
        load_schema(tmp_path / "nope.toml")


def test_invalid_toml_is_refused_with_the_line(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD.replace('worksheet = "Operaciones"', "worksheet = Oper"))
    assert "invalid TOML" in message and "line 3" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('key = "TAG_SPOOL"', 'key = "TAG_SPOOL"\nkeys = "x"', '[migration]: unknown key "keys"'),
        ("required = true", "requried = true", 'column "TAG_SPOOL": unknown key "requried"'),
        ('type = "date"', 'type = "datetime"', "column \"Fecha\": unknown type 'datetime'"),
        ('type = "date"\n', "", 'column "Fecha": no type'),
        ('key = "TAG_SPOOL"', 'key = "ID"', 'key "ID" is not among the columns'),
        ('key = "TAG_SPOOL"\n', "", "[migration] key is missing"),
        ('name = "3.0"', "name = 3.0", "[migration] name is 3.0, not a non-blank string"),
        ('name = "Fecha"', 'name = "  "', "entry 2 has no name or a blank one"),
        ('name = "Fecha"', 'name = "TAG_SPOOL"', 'column "TAG_SPOOL" is listed twice (entry 2)'),
        ("required = true", 'required = "yes"', 'required = "yes" is not a boolean'),
        ("[migration]", "[other]\n[migration]", 'unknown top-level key "other"'),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_column(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    assert expected in refusal(tmp_path, GOOD.replace(old, new, 1))


def test_a_file_without_columns_is_refused(tmp_path: Path) -> None:
    assert "no [[columns]]" in refusal(tmp_path, GOOD.split("[[columns]]")[0])


def test_a_wrong_type_default_is_refused_with_the_fix(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD.replace("default = 0", 'default = "zero"'))
    assert message == (
        f'{tmp_path / "schema.toml"}: column "version": default "zero" is not an integer; '
        "write default = 0"
    )


@pytest.mark.parametrize(
    ("column_type", "default", "expected"),
    [
        ("integer", "1.5", "default 1.5 is not an integer"),
        ("integer", "true", "default True is not an integer"),
        ("number", '"1"', 'default "1" is not a number; write default = 0.0'),
        ("number", "nan", "default nan is not a number"),
        ("boolean", "0", "default 0 is not a boolean; write default = false"),
        ("date", "2024-01-31", "(dates are written as text: quote them)"),
        ("date", '"31.01.2024"', 'default "31.01.2024" is not a date'),
        ("string", "5", "default 5 is not a string"),
        ("string", '""', "default is blank; remove the default line"),
        ("string", '"#N/A"', 'default "#N/A" is a spreadsheet error value'),
        ("string", '"' + "x" * 50_001 + '"', "default is 50,001 characters"),
    ],
)
def test_defaults_that_do_not_fit_their_type_are_refused(
    tmp_path: Path, column_type: str, default: str, expected: str
) -> None:
    message = refusal(tmp_path, with_version_column(column_type, default))
    assert 'column "version"' in message and expected in message


@pytest.mark.parametrize(
    ("column_type", "toml", "loaded"),
    [
        ("integer", "-3", -3),
        ("number", "2.5", 2.5),
        ("number", "7", 7),
        ("boolean", "false", False),
        ("date", '"2024-01-31"', "2024-01-31"),
        ("string", '"=IMPORTXML(x)"', "=IMPORTXML(x)"),
    ],
)
def test_defaults_that_fit_their_type_load(
    tmp_path: Path, column_type: str, toml: str, loaded: object
) -> None:
    schema = load_schema(write(tmp_path, with_version_column(column_type, toml)))
    default = schema.column("version").default
    assert default == loaded and type(default) is type(loaded)


@pytest.mark.parametrize(
    ("column_type", "value"),
    [
        ("integer", 12),
        ("integer", 12.0),
        ("integer", "-3"),
        ("integer", " 7 "),
        ("number", 1),
        ("number", 12.5),
        ("number", "12.5"),
        ("number", "-3e2"),
        ("date", 45000),
        ("date", 45000.25),
        ("date", "2024-02-29"),
        ("date", "2024-02-29T13:45:00"),
        ("date", "2024-02-29 13:45"),
        ("date", "29/02/2024"),
        ("date", "1/3/2024"),
        ("boolean", True),
        ("boolean", "false"),
        ("boolean", "TRUE"),
        ("string", "anything"),
        ("string", 3),
        ("string", "=IMPORTXML(A1)"),
    ],
)
def test_values_that_parse_as_their_type_match(column_type: str, value: object) -> None:
    assert value_matches_type(column_type, value)


@pytest.mark.parametrize(
    ("column_type", "value"),
    [
        ("integer", 1.5),
        ("integer", True),
        ("integer", "1.0"),
        ("integer", "12a"),
        ("number", "1,234.5"),
        ("number", "1_000"),
        ("number", "nan"),
        ("number", False),
        ("date", "2024-02-30"),
        ("date", "31/13/2024"),
        ("date", "2024/01/31"),
        ("date", "yesterday"),
        ("date", True),
        ("boolean", 1),
        ("boolean", "yes"),
        ("string", "#REF!"),
        ("integer", "#N/A"),
        ("number", "#DIV/0!"),
        ("date", "#VALUE!"),
        ("boolean", "#NAME?"),
    ],
)
def test_values_that_do_not_parse_or_are_errors_do_not_match(
    column_type: str, value: object
) -> None:
    assert not value_matches_type(column_type, value)


def test_blank_cells_match_every_type_and_whitespace_is_not_blank() -> None:
    assert all(value_matches_type(t, "") for t in ("integer", "date", "boolean", "string"))
    assert is_blank("") and is_blank(None)
    assert not is_blank(" ") and not is_blank(0) and not is_blank(False)


def test_column_letters_follow_a1_notation() -> None:
    assert [column_letter(i) for i in (0, 10, 25, 26, 67, 18_277)] == [
        "A",
        "K",
        "Z",
        "AA",
        "BP",
        "ZZZ",
    ]


def test_blank_header_cells_are_refused_naming_their_letters() -> None:
    expected = r'"Ops" has blank header cells in row 1: column B, D\.'
    with pytest.raises(SheetStateError, match=expected):
        check_header_cells(["a", "", "c", ""], "Ops")


def test_duplicate_header_cells_are_refused_naming_their_letters() -> None:
    with pytest.raises(SheetStateError, match=r'"a" \(columns A, C\)'):
        check_header_cells(["a", "b", "a"], "Ops")
