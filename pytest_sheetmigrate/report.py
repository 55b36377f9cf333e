"""Reports and summary lines written from a run's record (``run.RunRecord``): no pytest here.

- ``verification_report.json``: the seven checks with outcome and message, the target and mode,
  start and end times, the requests used and the tests' outcome counts. A validation run
  (``pytest tests/v3.0``) runs no check: its report says so with ``"checks_total": 0``.
- ``final_test_results.txt``: each test's outcome and the session's summary line.

Every run writes both into a folder of its own, ``runs/<started>-<mode>/``; a run that reached
the checks (a migration or a dry run that ran them, or skipped them after a step that did not
pass) also writes them at the top of the report directory, where the docs say they are. So a run
that verified nothing (``pytest tests/v3.0``, a run interrupted or stopped before its checks)
never overwrites the evidence of the last one that did.

The session's ``header_line``, and the lines of its end, in order: ``setup_mistake_lines``, then
``step_section`` (the steps, the plan of a dry run, warnings), then ``closing_lines`` (the reports
written, a dry run's last word). ``Line`` carries the colour pytest's terminal gives it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .a1 import column_letter
from .errors import SETUP_MISTAKE, LocalWriteError
from .formulas.scan import letter_map_lines
from .plan import Plan
from .record import RunRecord
from .results import StepName, StepResult
from .schema import Schema
from .settings import Mode, Settings, shown_path


@dataclass(frozen=True)
class Line:
    """A line of the session's end, and its colour (``red``, ``yellow``) if any."""

    text: str
    colour: str | None = None


def header_line(settings: Settings, schema: Schema) -> str:
    """The session's header line: the target, the worksheet, the schema, the mode and, for a
    migration, where its backup goes (a rollback finds its kind in the backup's stamp)."""
    shown = shown_path(schema.path, settings.rootdir)
    backup = (
        f", backup: {settings.backup_shown}"
        if settings.mode in (Mode.MIGRATE, Mode.DRY_RUN)
        else ""
    )
    return (
        f"sheetmigrate: {settings.target}, worksheet {schema.worksheet!r}, "
        f"schema {schema.name} ({shown}), mode: {settings.mode.value}{backup}"
    )


def setup_mistake_lines(record: RunRecord) -> list[Line]:
    """The exit code of a setup mistake, and what to do about it."""
    if not record.setup_mistake:
        return []
    return [
        Line(
            f"sheetmigrate: exit code {SETUP_MISTAKE}: a setup mistake stopped the run (its "
            "message is above): fix it and run the same command again",
            "red",
        )
    ]


def step_section(record: RunRecord, plan: Plan | None, *, bodies: bool) -> list[Line]:
    """The section of the steps and warnings; none for a run stopped before its first step."""
    if not (record.steps or record.warnings):
        return []
    lines = [Line(line) for line in step_lines(record, plan, bodies=bodies)]
    return lines + [Line(f"warning: {warning}", "yellow") for warning in record.warnings]


def closing_lines(
    record: RunRecord, report_dir: Path, summary: str, rootdir: Path, *, passed: bool
) -> list[Line]:
    """Write the reports (``summary``: pytest's summary line); the lines that say where, or why
    they could not be written (recorded as the error of ``reports``)."""
    try:
        paths = write_reports(report_dir, record, summary)
    except LocalWriteError as error:
        record.record_error("reports", error)
        return [Line(f"sheetmigrate: {error}", "red")]
    written = ", ".join(shown_path(path, rootdir) for path in paths[-2:])
    lines = [Line(f"sheetmigrate: reports written to {written}")]
    if passed and record.mode is Mode.DRY_RUN:
        lines.append(Line("sheetmigrate: dry run: nothing was written to the sheet"))
    return lines


def summary_line(parts: list[str], started: float) -> str:
    """pytest's summary line (``parts``: "2 passed", ...) with the run's duration."""
    return ", ".join(parts) + f" in {session_duration(time.time() - started)}"


def write_reports(report_dir: Path, record: RunRecord, summary_line: str) -> list[Path]:
    """Write the run's reports; the paths written, the run's own folder's first."""
    started = _utc(record.started)
    checks = [vars(check) for check in record.checks]
    verification = {
        "checks_passed": record.checks_passed,
        "checks_total": len(checks),
        "checks": checks,
        "spreadsheet": record.spreadsheet,
        "worksheet": record.worksheet,
        "schema_version": record.schema_version,
        "mode": record.mode.value,
        "started": started,
        "finished": _utc(time.time()),
        "requests": record.requests,
        "tests": record.test_summary(),
        "formula_changes_accepted": accepted_changes([step.result for step in record.steps]),
    }
    lines = [f"{outcome.upper():8} {name}" for name, outcome in record.tests.items()]
    contents = {
        "verification_report.json": json.dumps(verification, indent=2, ensure_ascii=False) + "\n",
        "final_test_results.txt": "\n".join([*lines, "", summary_line]) + "\n",
    }
    stamp = started.replace("-", "").replace(":", "")
    folders = [_new_folder(report_dir / "runs", f"{stamp}-{record.mode.replace(' ', '_')}")]
    if record.checks_reached:
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


def session_duration(seconds: float) -> str:
    """A duration as pytest's summary line shows it: ``0.96s``, ``75.20s (0:01:15)``."""
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{seconds:.2f}s ({timedelta(seconds=int(seconds))})"


def step_lines(record: RunRecord, plan: Plan | None, *, bodies: bool = False) -> list[str]:
    """The run's steps for the end of the session; a dry run's with its plan (and, with
    ``bodies``, the batchUpdate body each step would send)."""
    steps = [step.result for step in record.steps]
    lines = [f"{step.step:8} {step.status:8} {step.summary}" for step in steps]
    if record.mode is not Mode.DRY_RUN or plan is None:
        return lines
    lines += render_plan(plan, steps)
    for step in steps if bodies else ():
        if step.requests:
            lines.append(f"{step.step}: the batchUpdate body it would send:")
            lines.append(json.dumps({"requests": step.requests}, indent=2, ensure_ascii=False))
    return lines


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
    moved = letter_map_lines(plan.columns_requests(), len(plan.live_header))
    if moved:  # for application code that addresses columns by letter
        lines.append(f"columns that change letter: {'; '.join(moved)}")
    lines += [f"accepted change of meaning: {line}" for line in accepted_changes(steps)]
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


def accepted_changes(steps: list[StepResult]) -> list[str]:
    """The formulas and objects whose change of meaning the run accepted
    (``--accept-formula-changes all``), as the backup step listed them."""
    return [
        line
        for step in steps
        if step.step == StepName.BACKUP
        for line in step.details.get("formula_changes_accepted", [])
    ]


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
