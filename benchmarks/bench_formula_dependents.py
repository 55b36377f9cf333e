"""Score of the dependents check on its corpus: found / missed / false alarms (prints; not a test).

    python benchmarks/bench_formula_dependents.py

The corpus is ``CORPUS`` of tests/engine/test_formula_dependents.py (each case with its expected
verdict). A case expected to be reported counts as found when the check reports it (any
verdict), missed when it reports nothing; a case expected quiet is a false alarm when the check
reports it. ``wrong verdict`` counts found cases whose verdict (changes / may shift /
unreadable) is not the expected one. Also the time per formula, tokenizer import excluded.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _corpus_module() -> ModuleType:
    sys.path.insert(0, str(ROOT))
    path = ROOT / "tests" / "engine" / "test_formula_dependents.py"
    spec = importlib.util.spec_from_file_location("formula_dependents_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    corpus = _corpus_module()
    found = missed = false_alarms = quiet = wrong = 0
    for case in corpus.CORPUS:
        verdict, _ = corpus.verdict_of(case)
        if case.verdict is None:
            quiet += verdict is None
            false_alarms += verdict is not None
        elif verdict is None:
            missed += 1
            print(f"missed: {case.formula}")
        else:
            found += 1
            wrong += verdict != case.verdict
    total = len(corpus.CORPUS)
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for case in corpus.CORPUS:
            corpus.verdict_of(case)
    per_formula = (time.perf_counter() - started) / (rounds * total) * 1e6
    print(f"cases: {total} ({total - quiet - false_alarms} expected reported, "
          f"{quiet + false_alarms} expected quiet)")  # fmt: skip
    print(f"found: {found}  missed: {missed}  false alarms: {false_alarms}  wrong verdict: {wrong}")
    print(f"time: {per_formula:.0f} us per formula")


if __name__ == "__main__":
    main()
