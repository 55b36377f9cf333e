"""One version file of a migrations folder, read into frozen dataclasses.

File format (every key below is the whole vocabulary; anything else is refused)::

    [version]
    name = "3.1"                  # the version; the file's name starts with it (3.1.toml,
                                  # 3.1__status.toml)
    description = "..."           # optional
    baseline = false              # optional: true records an existing sheet's schema without
                                  # changing it (the first file only)

    [[worksheet]]                 # one per worksheet this version changes
    name = "Operaciones"
    key = "TAG_SPOOL"
    renames = { Estado = "Status" }   # optional: old header = new header
    drops = ["Campo_02"]              # optional: columns removed (archived first)

    [[worksheet.transforms]]          # optional, in order
    function = "transforms:total"     # module:function, the module beside this file
    columns = ["Total"]               # the columns the function owns (returns)

    [[worksheet.columns]]             # the worksheet's target header, as in a schema file
    name = "TAG_SPOOL"
    type = "string"

A change of a column's type is a transform's (it owns the column and returns the converted
values) unless the new type accepts every value of the old (integer to number, any to string).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..errors import SchemaError
from ..schema import Schema, parse_columns, refuse_unknown_keys

_VERSION_KEYS: Final = ("name", "description", "baseline")
_WORKSHEET_KEYS: Final = ("name", "key", "renames", "drops", "transforms", "columns")
_TRANSFORM_KEYS: Final = ("function", "columns")
_FUNCTION: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_]\w*")


@dataclass(frozen=True)
class Transform:
    """A Python function that receives a row as a mapping and returns its ``columns``' values."""

    function: str  # module:function
    columns: tuple[str, ...]

    @property
    def module(self) -> str:
        return self.function.partition(":")[0]


@dataclass(frozen=True)
class WorksheetVersion:
    """What one version does to one worksheet: its target schema and the changes a target alone
    cannot say."""

    schema: Schema
    renames: tuple[tuple[str, str], ...] = ()  # (old, new), in file order
    drops: tuple[str, ...] = ()
    transforms: tuple[Transform, ...] = ()

    @property
    def title(self) -> str:
        return self.schema.worksheet


@dataclass(frozen=True)
class VersionFile:
    version: str
    path: Path
    worksheets: tuple[WorksheetVersion, ...]
    description: str = ""
    baseline: bool = False

    def worksheet(self, title: str) -> WorksheetVersion | None:
        return next((w for w in self.worksheets if w.title == title), None)


def file_checksum(path: Path, modules: list[Path]) -> str:
    """sha256 of the file and of the transform modules it names, in that order: a changed
    function changes what the version did, as a changed file does."""
    digest = hashlib.sha256()
    for part in (path, *modules):
        digest.update(part.name.encode() + b"\0" + part.read_bytes() + b"\0")
    return digest.hexdigest()


def read_version_file(path: Path) -> VersionFile:
    """Read and check one file by itself; what needs the versions before it is chain.py's."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{path}: invalid TOML: {exc}. Fix the syntax at that line.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read the migration file ({exc}).") from None
    refuse_unknown_keys(document, ("version", "worksheet"), f"{path}: top level")
    table = document.get("version")
    if not isinstance(table, dict):
        raise SchemaError(f'{path}: no [version] table; add one with name = "<version>".')
    refuse_unknown_keys(table, _VERSION_KEYS, f"{path}: [version]")
    version = _text(table, "name", f"{path}: [version]")
    description = table.get("description", "")
    baseline = table.get("baseline", False)
    if not isinstance(description, str) or not isinstance(baseline, bool):
        raise SchemaError(
            f"{path}: [version] description is text and baseline is true or false; "
            f"found {description!r} and {baseline!r}."
        )
    raw = document.get("worksheet")
    if not isinstance(raw, list) or not raw:
        raise SchemaError(
            f"{path}: no [[worksheet]]; give each worksheet this version changes as "
            "[[worksheet]] with name, key and its [[worksheet.columns]]."
        )
    worksheets = tuple(_worksheet(entry, version, path) for entry in raw)
    titles = [w.title for w in worksheets]
    twice = sorted({t for t in titles if titles.count(t) > 1})
    if twice:
        raise SchemaError(
            f"{path}: worksheet {', '.join(map(repr, twice))} is given twice; give each "
            "worksheet once, with all of its changes."
        )
    if baseline:
        changing = [w.title for w in worksheets if w.renames or w.drops or w.transforms]
        if changing:
            raise SchemaError(
                f"{path}: a baseline records the sheet as it is, but it renames, drops or "
                f"transforms in {', '.join(map(repr, changing))}; move those changes to the "
                "next version."
            )
    return VersionFile(version, path, worksheets, description, baseline)


def _worksheet(entry: object, version: str, path: Path) -> WorksheetVersion:
    if not isinstance(entry, dict):
        raise SchemaError(f"{path}: a [[worksheet]] entry is not a table.")
    title = _text(entry, "name", f"{path}: [[worksheet]]")
    where = f"{path}: worksheet {title!r}"
    refuse_unknown_keys(entry, _WORKSHEET_KEYS, where)
    key = _text(entry, "key", where)
    columns = parse_columns(entry.get("columns"), key, path, "[[worksheet.columns]]")
    schema = Schema(name=version, worksheet=title, key=key, columns=columns, path=path)
    renames = _renames(entry.get("renames", {}), where)
    drops = entry.get("drops", [])
    if not isinstance(drops, list) or not all(isinstance(d, str) and d for d in drops):
        raise SchemaError(f'{where}: drops is a list of header names, e.g. drops = ["Campo_02"].')
    raw_transforms = entry.get("transforms", [])
    if not isinstance(raw_transforms, list):
        raise SchemaError(f"{where}: transforms is a list of [[worksheet.transforms]] tables.")
    transforms = tuple(_transform(raw, where) for raw in raw_transforms)
    return WorksheetVersion(schema, renames, tuple(drops), transforms)


def _renames(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping) or not all(
        isinstance(new, str) and new.strip() for new in raw.values()
    ):
        raise SchemaError(
            f"{where}: renames maps each old header to its new one, e.g. renames = {{ Estado = "
            '"Status" }.'
        )
    return tuple((str(old), str(new)) for old, new in raw.items())


def _transform(raw: object, where: str) -> Transform:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: a [[worksheet.transforms]] entry is not a table.")
    refuse_unknown_keys(raw, _TRANSFORM_KEYS, f"{where}: [[worksheet.transforms]]")
    function = raw.get("function")
    if not isinstance(function, str) or not _FUNCTION.fullmatch(function):
        raise SchemaError(
            f"{where}: transform function {function!r} is not module:function; write e.g. "
            'function = "transforms:total" for total() in transforms.py beside the file.'
        )
    columns = raw.get("columns")
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise SchemaError(
            f"{where}: transform {function} names no columns; write the columns it returns, "
            'e.g. columns = ["Total"].'
        )
    return Transform(function, tuple(columns))


def _text(table: Mapping[str, Any], field: str, where: str) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f'{where}: {field} is missing or blank; write {field} = "...".')
    return value
