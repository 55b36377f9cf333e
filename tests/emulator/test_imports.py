"""The emulator's modules import one another without a cycle, and each imports first on its own.

:func:`import_cycles` reads the import statements that run when a module is imported (those at
module level, not those inside functions or under ``if TYPE_CHECKING:``) and finds the cycles
among the package's modules. Importing a submodule also imports its packages' ``__init__`` first;
that step is not an edge, nor is ``from . import sibling`` an edge to the package (a package's
``__init__`` importing its own submodules, which import one another, is the ordinary layout, not a
cycle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pytest_sheetmigrate.emulator as emulator

PACKAGE = "pytest_sheetmigrate.emulator"
ROOT = Path(emulator.__file__).parent


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name (a package by its own name)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join([package, *parts])] = path
    return out


def _runs_on_import(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements executed when the module body runs (functions' bodies excluded)."""
    for statement in statements:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(statement, ast.If):
            test = ast.unparse(statement.test)
            if test not in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                yield from _runs_on_import(statement.body)
            yield from _runs_on_import(statement.orelse)
            continue
        if isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _runs_on_import(block)
            for handler in statement.handlers:
                yield from _runs_on_import(handler.body)
            continue
        if isinstance(statement, ast.ClassDef):
            yield from _runs_on_import(statement.body)
            continue
        yield statement


def _imported(name: str, path: Path, statement: ast.stmt, modules: dict[str, Path]) -> set[str]:
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names if alias.name in modules}
    if not isinstance(statement, ast.ImportFrom):
        return set()
    if statement.level:
        base = name.split(".")
        if path.name != "__init__.py":
            base.pop()
        base = base[: len(base) - (statement.level - 1)]
        target = ".".join(base + ([statement.module] if statement.module else []))
    else:
        target = statement.module or ""
    # The importing module's own packages are imported before it anyway: not an edge.
    found = {target} if target in modules and not name.startswith(f"{target}.") else set()
    found |= {f"{target}.{a.name}" for a in statement.names if f"{target}.{a.name}" in modules}
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports when it is imported."""
    modules = module_files(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = set()
        for statement in _runs_on_import(tree.body):
            graph[name] |= _imported(name, path, statement, modules)
        graph[name].discard(name)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_the_emulator_s_modules_import_one_another_without_a_cycle() -> None:
    assert import_cycles(import_graph(ROOT, PACKAGE)) == []


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_the_batch_registry_imports_no_request_kind_module() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert not {m for m in graph[f"{PACKAGE}.batch.registry"] if m.startswith(f"{PACKAGE}.batch")}


def test_no_emulator_module_imports_gspread() -> None:
    """The emulator stands for the service gspread calls; it does not lean on the client."""
    importing = []
    for name, path in module_files(ROOT, PACKAGE).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(
                a.name.split(".")[0] == "gspread" for a in node.names
            ):
                importing.append(name)
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gspread":
                importing.append(name)
    assert importing == []


def private_names_used_across_modules(path: Path) -> list[str]:
    """``from x import _name`` and ``module._name`` (of an imported module) in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported_modules = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name[0] == "_"]
            imported_modules |= {a.asname or a.name for a in node.names}
        if isinstance(node, ast.Import):
            imported_modules |= {a.asname or a.name for a in node.names}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_emulator_module_uses_another_module_s_private_names() -> None:
    used = {
        name: names
        for name, path in module_files(ROOT, PACKAGE).items()
        if (names := private_names_used_across_modules(path))
    }
    assert used == {}


MODULES = sorted(module_files(ROOT, PACKAGE))


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=60)
