"""Version files written for the chain tests: a small worksheet, one file per version."""

from __future__ import annotations

from pathlib import Path

BASE_COLUMNS = [
    ("TAG", "string"),
    ("Estado", "string"),
    ("Cantidad", "integer"),
    ("Precio", "number"),
]


def version_file(
    folder: Path,
    version: str,
    columns: list[tuple[str, str]],
    *,
    file_name: str | None = None,
    extra: str = "",
    worksheet_extra: str = "",
    header: str = "",
    key: str = "TAG",
) -> Path:
    lines = ["[version]", f'name = "{version}"', header, "", "[[worksheet]]"]
    lines += ['name = "Operaciones"', f'key = "{key}"', worksheet_extra, extra]
    for name, column_type in columns:
        lines += ["[[worksheet.columns]]", f'name = "{name}"', f'type = "{column_type}"']
    path = folder / (file_name or f"{version}.toml")
    path.write_text("\n".join(lines) + "\n")
    return path


def renamed(columns: list[tuple[str, str]], old: str, new: str) -> list[tuple[str, str]]:
    return [(new if name == old else name, kind) for name, kind in columns]


V3 = [*BASE_COLUMNS, ("version", "integer")]


def owning(function: str, column: str) -> str:
    """A [[worksheet.transforms]] table."""
    return f'[[worksheet.transforms]]\nfunction = "{function}"\ncolumns = ["{column}"]'
