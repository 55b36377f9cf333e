"""Another writer's edit between every two consecutive requests of a migration (issue 11).

A person in the UI or the application keeps using the sheet while ``pytest --migrate`` runs. The
local server runs one edit exactly between request N and request N+1 of the run (its test-only
interleaving hook, ``EmulatorServer.interleave``), for every gap N from 0 (before the first
request) to the last request, and for each kind of edit: a row inserted in the middle, a row
deleted, a column inserted (left of the key, right of the key, between the planned positions),
a column moved (left, or to the end past the new ``version``), a cell edited, a header renamed,
a row appended: 10 kinds, 20 gaps each. The edit finds its target by
header where it is now, as a person does, and goes through the state model as another client's
batchUpdate or values update would (formulas relocate, metadata moves).

Each interleaving holds when the run either

- completes (exit 0): every cell of the original sheet and of the other writer kept (compared
  column by column by header), ``status`` blank and ``version`` 0 on every data row the
  validation read, the validation green; or
- stops with a message (non-zero exit, no traceback): every cell of the original sheet and of
  the other writer kept, no added column holding anything but its default, no lease left, the
  backup copy (if one was made) holding the sheet as it was before or after the edit.

In the round trip before init's write (after its key column read, after its layout read, and
between its value write and its stamps' batchUpdate) a column inserted or moved across
``version`` holds: the defaults go out by the column's marker (values:batchUpdateByDataFilter),
so Google writes them where the column is then; a row deleted there moves the data up under
the write (rows have no marker), and the key column read again after it says which defaults
landed below the data, which are cleared again by the same marker.

What the tool promises for a row added by the other writer: the default is written on every data
row the init step writes over, and the validation that follows reads the sheet as it is then, so
a row added before that read without a ``version`` fails the run (``version is zero on every
data row``). A row added after the run's last read is not the run's to see: its ``version`` is
left blank, and the next ``pytest tests/...`` validation run reports it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sheet_project import LocalApi, Project
from sheet_state import backup_copies

from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.emulator.store import Store
from pytest_sheetmigrate.lease import LEASE_KEY as LEASE

WORKSHEET = "Items"
HEADER = ["id", "code", "name", "city", "qty", "price", "note", "day"]
KEY = "code"
ROWS = 30
NEW_ROW = {"id": 900, "code": "W-900", "name": "by the writer", "qty": 9, "price": 9.5}
NOTES = "notes"  # the other writer's own column
MOVED, MOVED_TO_END, EDITED, RENAMED = "price", "city", "qty", "city"
EDITED_ROW, DELETED_ROW, INSERTED_ROW = 5, 9, 15  # 0-based data rows
FAST_RETRIES = ("--retry-base-seconds", "0.001")
# Each in-process run would import hypothesis afresh (pytester forgets the modules a run
# imported), about 2 s; and pytest's unraisable-exception plugin runs gc.collect() five times
# per session, 0.3 s in this process's heap. Neither matters to a migration.
QUICK = ("-p", "no:hypothesispytest", "-p", "no:unraisableexception")

SCHEMA = f"""
[migration]
name = "2.0"
worksheet = "{WORKSHEET}"
key = "{KEY}"

[[columns]]
name = "id"
type = "integer"
required = true

[[columns]]
name = "code"
type = "string"
required = true

[[columns]]
name = "name"
type = "string"

[[columns]]
name = "city"
type = "string"

[[columns]]
name = "status"
type = "string"

[[columns]]
name = "qty"
type = "integer"

[[columns]]
name = "price"
type = "number"

[[columns]]
name = "note"
type = "string"

[[columns]]
name = "day"
type = "date"

[[columns]]
name = "version"
type = "integer"
default = 0
"""

SUITE = """
def test_the_header_is_the_schema_header(migrated_sheet, sheet_schema):
    assert list(migrated_sheet.header) == sheet_schema.header


def test_version_is_zero_on_every_data_row(migrated_sheet):
    version = migrated_sheet.column("version")
    assert (version.blank_count, version.unexpected_count) == (0, 0), version.unexpected_rows


def test_status_starts_blank(migrated_sheet):
    assert migrated_sheet.column("status").blank_count == migrated_sheet.row_count


def test_every_key_is_there_once(migrated_sheet):
    assert migrated_sheet.keys.blank_count == 0, migrated_sheet.keys.blank_rows
    assert migrated_sheet.keys.duplicate_count == 0, migrated_sheet.keys.duplicates
"""

Row = dict[str, Any]
CLEAN_RUN: list[str] = []  # the requests of an uninterrupted migration, once measured


def original_rows() -> list[Row]:
    cities = ["Lima", "Quito", "Bogotá", "León"]
    return [
        {
            "id": n,
            "code": f"C-{n:03d}",
            "name": f"item {n}",
            "city": cities[n % len(cities)],
            "qty": n * 3,
            "price": n + 0.25,
            "note": "" if n % 4 else f"note {n}",
            "day": f"2024-03-{n % 28 + 1:02d}",
        }
        for n in range(1, ROWS + 1)
    ]


# -- the other writer: reads the header where it is now, writes as another client ------------


@dataclass
class Writer:
    """Another client of the spreadsheet, working on the state model directly."""

    store: Store
    key: str

    def header(self) -> list[str]:
        answer = self.store.execute(
            "values_get", {"spreadsheet_id": self.key, "range": f"'{WORKSHEET}'!1:1"}, None
        )
        return [str(cell) for cell in (answer.get("values") or [[]])[0]]

    def sheet_id(self) -> int:
        answer = self.store.execute("spreadsheets_get", {"spreadsheet_id": self.key}, None)
        (sheet,) = [s for s in answer["sheets"] if s["properties"]["title"] == WORKSHEET]
        return int(sheet["properties"]["sheetId"])

    def batch_update(self, *requests: dict[str, Any]) -> None:
        body = {"requests": list(requests)}
        kwargs = {"spreadsheet_id": self.key, "body": body}
        self.store.execute("spreadsheets_batch_update", kwargs, None)

    def write(self, a1: str, values: list[list[Any]]) -> None:
        self.store.execute(
            "values_update",
            {
                "spreadsheet_id": self.key,
                "range": f"'{WORKSHEET}'!{a1}",
                "body": {"values": values},
                "value_input_option": "RAW",
            },
            None,
        )

    def laid_out(self, row: Row) -> list[Any]:
        """``row`` in the columns where their headers are now (others left blank)."""
        return [row.get(name, "") for name in self.header()]

    def dimension(self, kind: str, start: int, end: int | None = None) -> dict[str, Any]:
        end = start + 1 if end is None else end
        return {"sheetId": self.sheet_id(), "dimension": kind, "startIndex": start, "endIndex": end}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# -- the edits: what each does on the sheet, and what it makes of the table -----------------


Table = list[Row]


@dataclass(frozen=True)
class EditKind:
    name: str
    edit: Callable[[Writer], None]
    expected: Callable[[Table], Table]
    adds_row: bool = False


def insert_row(writer: Writer) -> None:
    values = writer.laid_out(NEW_ROW)
    writer.batch_update({"insertDimension": {"range": writer.dimension("ROWS", INSERTED_ROW + 1)}})
    writer.write(f"A{INSERTED_ROW + 2}", [values])


def delete_row(writer: Writer) -> None:
    writer.batch_update({"deleteDimension": {"range": writer.dimension("ROWS", DELETED_ROW + 1)}})


def append_row(writer: Writer) -> None:
    writer.store.execute(
        "values_append",
        {
            "spreadsheet_id": writer.key,
            "range": f"'{WORKSHEET}'!A1",
            "body": {"values": [writer.laid_out(NEW_ROW)]},
            "value_input_option": "RAW",
            "insert_data_option": "INSERT_ROWS",
        },
        None,
    )


def insert_column(where: Callable[[list[str]], int]) -> Callable[[Writer], None]:
    def edit(writer: Writer) -> None:
        at = where(writer.header())
        writer.batch_update({"insertDimension": {"range": writer.dimension("COLUMNS", at)}})
        column = [[NOTES]] + [[f"notes {n}"] for n in range(1, ROWS + 1)]
        writer.write(f"{column_letter(at)}1", column)

    return edit


def with_notes(table: Table) -> Table:
    return [{**row, NOTES: f"notes {n}"} for n, row in enumerate(table, start=1)]


def move_column(name: str, before: str | None) -> Callable[[Writer], None]:
    """Move column ``name`` left of column ``before`` (None: right of the last column)."""

    def edit(writer: Writer) -> None:
        header = writer.header()
        to = len(header) if before is None else header.index(before)
        move = {"source": writer.dimension("COLUMNS", header.index(name)), "destinationIndex": to}
        writer.batch_update({"moveDimension": move})

    return edit


def edit_cell(writer: Writer) -> None:
    at = column_letter(writer.header().index(EDITED))
    writer.write(f"{at}{EDITED_ROW + 2}", [[999]])


def rename_header(writer: Writer) -> None:
    writer.write(f"{column_letter(writer.header().index(RENAMED))}1", [["town"]])


def edited(table: Table) -> Table:
    return [{**row, EDITED: 999} if n == EDITED_ROW else row for n, row in enumerate(table)]


def renamed(table: Table) -> Table:
    return [
        {("town" if name == RENAMED else name): value for name, value in row.items()}
        for row in table
    ]


EDITS = [
    EditKind(
        "a row inserted in the middle",
        insert_row,
        lambda t: [*t[:INSERTED_ROW], NEW_ROW, *t[INSERTED_ROW:]],
        adds_row=True,
    ),
    EditKind("a row deleted", delete_row, lambda t: [*t[:DELETED_ROW], *t[DELETED_ROW + 1 :]]),
    EditKind(
        "a column inserted left of the key",
        insert_column(lambda header: header.index(KEY)),
        with_notes,
    ),
    EditKind(
        "a column inserted right of the key",
        insert_column(lambda header: header.index(KEY) + 1),
        with_notes,
    ),
    EditKind(
        "a column inserted between the planned positions",
        insert_column(lambda header: header.index("price") + 1),
        with_notes,
    ),
    EditKind("a column moved", move_column(MOVED, before="name"), lambda t: t),
    EditKind("a column moved to the end", move_column(MOVED_TO_END, before=None), lambda t: t),
    EditKind("a cell of an old column edited", edit_cell, edited),
    EditKind("a header of an old column renamed", rename_header, renamed),
    EditKind("a row appended", append_row, lambda t: [*t, NEW_ROW], adds_row=True),
]


# -- reading the sheet back -------------------------------------------------------------------


def comparable(cell: Any) -> Any:
    """A cell as the API answers it: 7936.0 and 7936 are one number."""
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else cell


def read_table(api: LocalApi, key: str) -> tuple[list[str], Table]:
    """The worksheet's header and its non-empty data rows, as ``{header: value}``."""
    worksheet = api.client().open_by_key(key).worksheet(WORKSHEET)
    rows = worksheet.get_values(value_render_option="FORMULA") or [[]]
    header = [str(cell) for cell in rows[0]]
    table = [
        {name: comparable(row[i]) if i < len(row) else "" for i, name in enumerate(header)}
        for row in rows[1:]
        if any(cell != "" for cell in row)
    ]
    return header, table


def lost_cells(expected: Table, header: list[str], table: Table) -> list[str]:
    """What of ``expected`` the sheet no longer holds, column by column by header."""
    names = list(expected[0]) if expected else []
    lost = [f"column {name!r} is missing" for name in names if header.count(name) != 1]
    if len(table) != len(expected):
        keys = [row.get(KEY) for row in table]
        lost.append(f"{len(expected)} data rows expected, {len(table)} found: keys {keys}")
        return lost
    for name in names:
        if header.count(name) != 1:
            continue
        want = [comparable(row.get(name, "")) for row in expected]
        got = [row[name] for row in table]
        rows = [n + 2 for n, (w, g) in enumerate(zip(want, got, strict=True)) if w != g]
        if rows:
            lost.append(f"column {name!r} differs on rows {rows[:5]}: {got[rows[0] - 2]!r}")
    return lost


def wrong_new_columns(header: list[str], table: Table, *, complete: bool) -> list[str]:
    """``status`` holds anything but blanks or ``version`` anything but 0 (or, once
    complete, a blank)."""
    wrong = []
    allowed = {"status": {""}, "version": {0.0} if complete else {0.0, ""}}
    for name, values in allowed.items():
        if header.count(name) > 1 or (complete and name not in header):
            wrong.append(f"{header.count(name)} columns {name!r}")
            continue
        if name in header:
            bad = [(n + 2, r[name]) for n, r in enumerate(table) if r[name] not in values]
            if bad:
                wrong.append(f"{name!r} holds {bad[:5]}")
    return wrong


# -- one interleaving ---------------------------------------------------------------------------


@dataclass
class Outcome:
    gap: int
    request: str  # the request the edit came after
    ret: int
    says: str = ""  # the first failure or error line of the run's short summary
    problems: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.problems


@dataclass
class Harness:
    project: Project
    server: EmulatorServer

    def seed(self) -> str:
        shutil.rmtree(self.project.path / "logs", ignore_errors=True)
        rows = original_rows()
        values = [HEADER, *[[row[name] for name in HEADER] for row in rows]]
        sheet = {"title": WORKSHEET, "values": values, "rowCount": ROWS + 6, "columnCount": 9}
        return self.project.api.seed("Inventory", [sheet])

    def migrate(self, key: str) -> pytest.RunResult:
        return self.project.run("--migrate", "--sheet", key, "-rfE", *QUICK, *FAST_RETRIES)

    def requests_of_a_clean_run(self) -> list[str]:
        """The route of each request of an uninterrupted migration (run once per session)."""
        if CLEAN_RUN:
            return CLEAN_RUN
        CLEAN_RUN.extend(self._requests_of_a_clean_run())
        return CLEAN_RUN

    def _requests_of_a_clean_run(self) -> list[str]:
        key = self.seed()
        self.server.interleave(0, None)
        result = self.migrate(key)
        assert result.ret == 0, result.stdout.str()
        return list(self.server.app.interleaving.requests)

    def run(self, kind: EditKind, gap: int, requests: list[str]) -> Outcome:
        key = self.seed()
        self.server.interleave(gap, lambda store: kind.edit(Writer(store, key)))
        result = self.migrate(key)
        hook = self.server.app.interleaving
        self.server.app.interleaving.clear()
        outcome = Outcome(gap, requests[gap - 1] if gap else "(before the first)", result.ret)
        if hook.error is not None or hook.ran_after != gap:
            outcome.problems.append(f"the edit did not run after request {gap}: {hook.error!r}")
            return outcome
        output = result.stdout.str() + result.stderr.str()
        outcome.says = next(
            (line for line in result.stdout.lines if line.startswith(("FAILED ", "ERROR "))), ""
        )
        outcome.problems += self.problems(kind, key, result.ret, output, gap, len(requests))
        return outcome

    def problems(
        self, kind: EditKind, key: str, ret: int, output: str, gap: int, last: int
    ) -> list[str]:
        api = self.project.api
        header, table = read_table(api, key)
        problems = lost_cells(kind.expected(original_rows()), header, table)
        if kind.adds_row and gap == last:  # after the run's last read: not the run's to see
            table = [row for row in table if row.get(KEY) != NEW_ROW[KEY]]
        problems += wrong_new_columns(header, table, complete=ret == 0)
        if ret == 0:
            return problems
        if "Traceback" in output:
            problems.append("a traceback")
        if not any(mark in output for mark in ("FAILED", "ERROR", "error:")):
            problems.append("no message")
        return problems + self.not_restorable(kind, key)

    def not_restorable(self, kind: EditKind, key: str) -> list[str]:
        """A stopped run leaves no lease, and its backup copy (if made) is the sheet before."""
        api = self.project.api
        found = api.client().open_by_key(key).fetch_sheet_metadata({"fields": "developerMetadata"})
        leases = [m for m in found.get("developerMetadata", []) if m["metadataKey"] == LEASE]
        problems = [f"a lease left: {leases}"] if leases else []
        before, edited = original_rows(), kind.expected(original_rows())
        for copy in backup_copies(api, key):
            header, table = read_table(api, copy["id"])
            if lost_cells(before, header, table) and lost_cells(edited, header, table):
                problems.append(
                    f"the backup {copy['name']!r} is neither the sheet before nor after"
                )
        return problems


ELSEWHERE = "between any other two requests"
BEFORE_INIT_WRITE = "in the round trip before the init write"


def cases() -> list[Any]:
    return [
        pytest.param(kind, where, id=f"{kind.name}, {where}")
        for kind in EDITS
        for where in (ELSEWHERE, BEFORE_INIT_WRITE)
    ]


def before_the_init_write(requests: list[str]) -> range:
    """The gaps after init's key column read and its layout read, before its value write (by
    the column's marker), and between that write and its stamps' batchUpdate."""
    write = next(n for n, r in enumerate(requests, 1) if r.endswith(":batchUpdateByDataFilter"))
    key_read, layout_read = requests[write - 3], requests[write - 2]
    assert key_read.endswith("values:batchGet") and layout_read.endswith("{spreadsheetId}"), (
        f"init no longer reads its key column, then its layout, right before its write: {requests}"
    )
    assert requests[write].endswith("values:batchGet"), f"no key read after the write: {requests}"
    assert requests[write + 1].endswith(":batchUpdate"), f"no stamps after the write: {requests}"
    return range(write - 2, write + 2)


@pytest.mark.parametrize(("kind", "where"), cases())
def test_another_writer_s_edit_between_two_requests_loses_no_cell_and_gives_no_false_green(
    pytester: pytest.Pytester,
    api: LocalApi,
    sheets_server: EmulatorServer,
    kind: EditKind,
    where: str,
):
    pytester.makefile(".toml", schema=SCHEMA)
    pytester.makepyfile(test_items=SUITE)
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        sheetmigrate_sheets_api = "{api.url}"
        sheetmigrate_schema = "schema.toml"
        """
    )
    harness = Harness(Project(pytester, api, sheet=""), sheets_server)
    requests = harness.requests_of_a_clean_run()
    window = before_the_init_write(requests)
    gaps = [gap for gap in range(len(requests) + 1) if (gap in window) == (where != ELSEWHERE)]
    started = time.monotonic()

    outcomes = [harness.run(kind, gap, requests) for gap in gaps]

    failed = [o for o in outcomes if not o.held]
    completed = sum(o.held and o.ret == 0 for o in outcomes)
    stopped = sum(o.held and o.ret != 0 for o in outcomes)
    print(
        f"\n{kind.name}, {where}: {len(outcomes)} interleavings tried, {completed} held "
        f"completed, {stopped} held stopped with a message, {len(failed)} failed "
        f"({time.monotonic() - started:.1f} s)"
    )
    for o in outcomes:
        said = f"FAILED {'; '.join(o.problems)}" if o.problems else f"held {o.says[:160]}"
        print(f"  after request {o.gap} ({o.request}): exit {o.ret}, {said}")
    assert not failed, [(o.gap, o.request, o.ret, o.problems) for o in failed]
