"""A migrations folder read into one line of versions, checked before anything is read or written.

One file per version (``<version>.toml`` or ``<version>__<words>.toml``, version_file.py gives
the format), applied in version order (numeric, part by part: 3.2 < 3.10). Each version's
changes are checked against the target of the version before it, worksheet by worksheet: a
rename names a column that exists and a name that is free, a drop is not the key, every column of
the version before is kept, renamed or dropped, a type change is widening or a transform's, and
each transform imports and owns columns of its target. A lone schema file is a one-version chain.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from ..errors import SchemaError
from ..schema import Schema
from .version_file import Transform, VersionFile, WorksheetVersion, file_checksum, read_version_file

_FILE_NAME: Final = re.compile(r"(?P<version>\d+(?:\.\d+)*)(?:__[\w.-]+)?")
# Changes of type every old value survives (cell_types.py: an integer is a number, and
# anything is a string).
_WIDENING: Final = {("integer", "number")} | {
    (old, "string") for old in ("integer", "number", "date", "boolean")
}


VersionKey = tuple[tuple[int, int, str], ...]


def version_key(version: str) -> VersionKey:
    """The sort key of a version: numbers as numbers, part by part (3.2 < 3.10, 3.01 = 3.1); a
    lone schema's or an old stamp's name may hold text ("v3-beta"), which sorts after them."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|[^\d.]+", version)
    )


@dataclass(frozen=True)
class ChainVersion:
    """One version of the chain, with the worksheets' targets before it."""

    file: VersionFile
    checksum: str
    before: dict[str, Schema] = field(default_factory=dict)
    """Each worksheet's target as the versions before left it (absent: not managed before)."""

    @property
    def version(self) -> str:
        return self.file.version


@dataclass(frozen=True)
class Chain:
    folder: Path
    versions: tuple[ChainVersion, ...]

    @property
    def head(self) -> ChainVersion:
        return self.versions[-1]

    def version(self, name: str) -> ChainVersion:
        for candidate in self.versions:
            if version_key(candidate.version) == version_key(name):
                return candidate
        known = ", ".join(v.version for v in self.versions)
        raise SchemaError(f"no version {name} in {self.folder}; the versions are {known}.")

    def up_to(self, name: str | None) -> tuple[ChainVersion, ...]:
        """The versions up to ``name`` included (None: all of them)."""
        if name is None:
            return self.versions
        last = version_key(self.version(name).version)
        return tuple(v for v in self.versions if version_key(v.version) <= last)


def load_chain(folder: Path) -> Chain:
    """Every version file of ``folder``, in order, each checked against the one before."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SchemaError(
            f"{folder}: migrations folder not found. Pass --migrations with the folder that "
            "holds one TOML file per version (3.0.toml, 3.1.toml, ...)."
        )
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise SchemaError(f"{folder}: no version file (*.toml) in the migrations folder.")
    by_version: dict[VersionKey, Path] = {}
    for path in files:
        named = _FILE_NAME.fullmatch(path.stem)
        if named is None:
            raise SchemaError(
                f"{path}: a version file's name starts with its version (3.1.toml or "
                "3.1__rename_estado.toml); rename it, or move it out of the migrations folder."
            )
        key = version_key(named["version"])
        if key in by_version:
            raise SchemaError(
                f"{by_version[key].name} and {path.name} both claim version "
                f"{named['version']}; give each version one file (renumber one of them)."
            )
        by_version[key] = path
    versions: list[ChainVersion] = []
    targets: dict[str, Schema] = {}
    for key in sorted(by_version):
        path = by_version[key]
        version_file = read_version_file(path)
        if version_key(version_file.version) != key:
            raise SchemaError(
                f"{path}: [version] name is {version_file.version!r} but the file's name says "
                f"{path.stem.split('__')[0]}; make them the same."
            )
        if version_file.baseline and versions:
            raise SchemaError(
                f"{path}: only the first version may be a baseline (it records the sheet as it "
                f"was before the first migration); {versions[0].file.path.name} comes first. Set "
                "baseline = false, or remove the earlier files."
            )
        modules = [_check_transforms(folder, path, w) for w in version_file.worksheets]
        for worksheet in version_file.worksheets:
            _check_against_before(path, worksheet, targets.get(worksheet.title))
        checksum = file_checksum(path, [m for found in modules for m in found])
        versions.append(ChainVersion(version_file, checksum, dict(targets)))
        targets.update({w.title: w.schema for w in version_file.worksheets})
    return Chain(folder, tuple(versions))


def single_schema_chain(schema: Schema) -> Chain:
    """A lone schema file: a chain of one version, the schema's name."""
    version_file = VersionFile(schema.name, schema.path, (WorksheetVersion(schema),))
    return Chain(schema.path.parent, (ChainVersion(version_file, file_checksum(schema.path, [])),))


def _check_against_before(path: Path, worksheet: WorksheetVersion, before: Schema | None) -> None:
    """The version's changes of ``worksheet`` against its target before (None: first managed)."""
    where = f"{path.name}, worksheet {worksheet.title!r}"
    target = worksheet.schema
    if before is None:
        if worksheet.renames or worksheet.drops:
            raise SchemaError(
                f"{where}: renames and drops need the worksheet's columns as a version before "
                "gave them, and no version before manages this worksheet; give its current "
                "columns in an earlier version (or the baseline) first."
            )
        return
    old_header, new_header = before.header, target.header
    renamed: dict[str, str] = {}
    for old, new in worksheet.renames:
        if old not in old_header:
            raise SchemaError(
                f"{where}: renames {old!r}, which is not a column of version {before.name} "
                f"({_listing(old_header)}); fix the old name."
            )
        if new in old_header:
            raise SchemaError(
                f"{where}: renames {old!r} onto {new!r}, which is already a column of version "
                f"{before.name}; choose a free name, or drop {new!r} in this version first."
            )
        if new in renamed.values():
            raise SchemaError(f"{where}: two columns are renamed to {new!r}; choose one.")
        if new not in new_header or old in new_header:
            raise SchemaError(
                f"{where}: renames {old!r} to {new!r}, so the columns list {new!r} and not "
                f"{old!r}; fix the [[worksheet.columns]]."
            )
        renamed[old] = new
    for dropped in worksheet.drops:
        if dropped not in old_header:
            raise SchemaError(
                f"{where}: drops {dropped!r}, which is not a column of version {before.name}; "
                "fix the name."
            )
        if dropped in (before.key, target.key):
            raise SchemaError(
                f"{where}: drops the key column {dropped!r}; the key identifies each row and "
                "cannot be dropped. Keep it, or choose another key in an earlier version."
            )
        if dropped in new_header or dropped in renamed:
            raise SchemaError(
                f"{where}: drops {dropped!r} but also keeps or renames it; do one of the two."
            )
    lost = [
        name
        for name in old_header
        if name not in new_header and name not in renamed and name not in worksheet.drops
    ]
    if lost:
        raise SchemaError(
            f"{where}: {_listing(lost)} of version {before.name} "
            f"{'is' if len(lost) == 1 else 'are'} not in this version's columns: add "
            f"{'it' if len(lost) == 1 else 'them'} to drops (the data is archived first), to "
            "renames, or back to the columns."
        )
    if renamed.get(before.key, before.key) != target.key:
        raise SchemaError(
            f"{where}: the key changes from {before.key!r} to {target.key!r}; a version keeps "
            "its key column (it may rename it). Keep key = "
            f"{renamed.get(before.key, before.key)!r}."
        )
    owned = {column for t in worksheet.transforms for column in t.columns}
    for column in before.columns:
        new_name = renamed.get(column.name, column.name)
        if new_name not in new_header or new_name in owned:
            continue
        new_type = target.column(new_name).type
        if new_type != column.type and (column.type, new_type) not in _WIDENING:
            raise SchemaError(
                f"{where}: {new_name!r} changes type from {column.type} to {new_type}, which not "
                "every value survives; add a transform that owns the column and returns the "
                "converted values, or keep the type."
            )


def _check_transforms(folder: Path, path: Path, worksheet: WorksheetVersion) -> list[Path]:
    """Each transform's columns are the target's, each owned once, the key never; its module
    imports and has the function. Returns the module files (for the checksum)."""
    where = f"{path.name}, worksheet {worksheet.title!r}"
    target, seen = worksheet.schema, set[str]()
    files = []
    for transform in worksheet.transforms:
        for column in transform.columns:
            if not target.has_column(column):
                raise SchemaError(
                    f"{where}: transform {transform.function} owns {column!r}, which is not "
                    "among the worksheet's columns; add it to the columns or fix the name."
                )
            if column == target.key:
                raise SchemaError(
                    f"{where}: transform {transform.function} owns the key {column!r}; the key "
                    "identifies each row and is not computed. Remove it from the columns."
                )
            if column in seen:
                raise SchemaError(
                    f"{where}: {column!r} is owned by two transforms; give it to one."
                )
            seen.add(column)
        files.append(load_transform(folder, transform)[1])
    return files


def load_transform(folder: Path, transform: Transform) -> tuple[Callable[..., Any], Path]:
    """The transform's function, imported from its module beside the version files."""
    module_path = folder.joinpath(*transform.module.split(".")).with_suffix(".py")
    if not module_path.is_file():
        raise SchemaError(
            f"transform {transform.function}: no module {module_path}; put {module_path.name} "
            f"in {folder}, beside the version files."
        )
    module = _import(module_path, transform)
    function = getattr(module, transform.function.partition(":")[2], None)
    if not callable(function):
        raise SchemaError(
            f"transform {transform.function}: {module_path.name} has no function "
            f"{transform.function.partition(':')[2]}(row); define it there."
        )
    return function, module_path


def _import(module_path: Path, transform: Transform) -> ModuleType:
    name = f"sheetmigrate_transforms.{module_path.stem}_{abs(hash(module_path))}"
    spec = importlib.util.spec_from_file_location(name, module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's module: any error it raises is theirs to fix
        raise SchemaError(
            f"transform {transform.function}: {module_path} does not import "
            f"({type(exc).__name__}: {exc}); fix the module."
        ) from None
    sys.modules.pop(name, None)
    return module


def _listing(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)
