"""Reports written from a session's results (a pytest-json-report dict): no pytest import here.

- ``verification_report.json``: the seven checks with outcome and message, the target and mode,
  start and end times, the requests used and the tests' outcome counts. A validation run
  (``pytest tests/v3.0``) runs no check: its report says so with ``"checks_total": 0``.
- ``final_test_results.txt``: each test's outcome and pytest's own summary line.

Every run writes both into a folder of its own, ``runs/<started>-<mode>/``; a run that ran the
checks (a migration, a dry run, a rollback) also writes them at the top of the report directory,
where the docs say they are. So a run that verified nothing (``pytest tests/v3.0``) never
overwrites the evidence of the last one that did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import LocalWriteError
from .plan import Plan
from .results import StepResult
from .schema import column_letter

VERIFY_PREFIX = "sheetmigrate::test_step_3_verify["


@dataclass(frozen=True)
class RunFacts:
    spreadsheet: str
    worksheet: str
    schema_version: str
    mode: str
    requests: dict[str, Any]
    check_messages: dict[str, str]


def write_reports(
    report_dir: Path, session: dict[str, Any], summary_line: str, facts: RunFacts
) -> list[Path]:
    """Write the run's reports; the paths written, the run's own folder's first."""
    tests = session.get("tests", [])
    checks = [_check(test, facts.check_messages) for test in tests if _is_check(test)]
    started = _utc(session.get("created", 0) - session.get("duration", 0))
    verification = {
        "checks_passed": sum(check["outcome"] == "passed" for check in checks),
        "checks_total": len(checks),
        "checks": checks,
        "spreadsheet": facts.spreadsheet,
        "worksheet": facts.worksheet,
        "schema_version": facts.schema_version,
        "mode": facts.mode,
        "started": started,
        "finished": _utc(session.get("created", 0)),
        "requests": facts.requests,
        "tests": {k: v for k, v in session.get("summary", {}).items() if k != "collected"},
    }
    lines = [f"{test['outcome'].upper():8} {test['nodeid']}" for test in tests]
    contents = {
        "verification_report.json": json.dumps(verification, indent=2, ensure_ascii=False) + "\n",
        "final_test_results.txt": "\n".join([*lines, "", summary_line]) + "\n",
    }
    stamp = started.replace("-", "").replace(":", "")
    folders = [_new_folder(report_dir / "runs", f"{stamp}-{facts.mode.replace(' ', '_')}")]
    if checks:
        folders.append(report_dir)
    written = []
    for folder in folders:
        for name, text in contents.items():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(text, encoding="utf-8")
            except OSError as error:
                raise LocalWriteError(
                    f"cannot write the report {folder / name} ({error.strerror}): free space on "
                    "its disk or make it writable, or pass --report-dir with another directory. "
                    "The run itself went as the lines above say (the sheet does not depend on "
                    "its reports): run the same command again to have them written."
                ) from None
            written.append(folder / name)
    return written


def _new_folder(parent: Path, name: str) -> Path:
    """``parent/name``, or ``name-2``, ``name-3`` ... when a run of the same second has it."""
    folder, n = parent / name, 1
    while folder.exists():
        n += 1
        folder = parent / f"{name}-{n}"
    return folder


def render_plan(plan: Plan, steps: list[StepResult]) -> list[str]:
    """The dry run's plan as a table: columns to add or move, rows to initialise, writes to send."""
    schema = plan.schema
    rows = plan.data_row_count
    lines = [
        f"plan for {schema.worksheet!r}: {rows:,} data rows, "
        f"{len(plan.live_header)} -> {len(schema.header)} columns",
        f"  {'column':24} {'at':5} {'type':8} action",
    ]
    for name, index in plan.columns_to_add:
        column = schema.column(name)
        action = "insert, blank"
        if column.default is not None:
            action = f"insert, then {column.default!r} on {rows:,} rows"
        lines.append(f"  {name:24} {column_letter(index):5} {column.type:8} {action}")
    for move in plan.moves:
        lines.append(
            f"  {move.name:24} {column_letter(schema.header.index(move.name)):5} "
            f"{schema.column(move.name).type:8} move from {column_letter(move.source_index)}"
        )
    if plan.is_noop_columns:
        lines.append("  (every schema column is already in place)")
    writes = [f"{step.step}: {len(step.requests)} requests" for step in steps if step.requests]
    copies = sum(step.step == "backup" and step.status == "planned" for step in steps)
    if not (copies or writes):
        lines.append("writes it would send: none, the sheet is already at this schema")
        return lines
    lines.append(
        f"writes it would send: {copies} Drive copy, {len(writes)} step batchUpdate(s)"
        + (f" ({'; '.join(writes)})" if writes else "")
        + ", plus the lease; run with -v to see the bodies"
    )
    return lines


def _is_check(test: dict[str, Any]) -> bool:
    return str(test.get("nodeid", "")).startswith(VERIFY_PREFIX)


def _check(test: dict[str, Any], messages: dict[str, str]) -> dict[str, str]:
    name = test["nodeid"][len(VERIFY_PREFIX) : -1]
    message = messages.get(name, "")
    if not message:  # not run: say why (pytest-dependency's skip reason, or the error)
        stage = test.get("call") or test.get("setup") or {}
        message = str(stage.get("longrepr") or stage.get("crash", {}).get("message", ""))
    return {"name": name, "outcome": test["outcome"], "message": message}


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
