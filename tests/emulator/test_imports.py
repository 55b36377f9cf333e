"""Every emulator module imports on its own, first, in a fresh interpreter (no import cycle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pytest_sheetmigrate.emulator as emulator

MODULES = sorted(
    p.stem for p in Path(emulator.__file__).parent.glob("*.py") if not p.stem.startswith("_")
)


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    name = f"pytest_sheetmigrate.emulator.{module}"
    subprocess.run([sys.executable, "-c", f"import {name}"], check=True, timeout=60)
