"""Progress of a long read (issue 14 item 4): rows read of the total, requests, elapsed time and
an estimate of the time left, said through the run's progress callback as ``ProgressLine``s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from live_sheet import LiveSheet, open_run_on

from pytest_sheetmigrate import demo, progress
from pytest_sheetmigrate.emulator import EmulatorServer
from pytest_sheetmigrate.progress import ProgressLine, ReadProgress, clock_text
from pytest_sheetmigrate.settings import Mode

LINE = re.compile(
    rf"reading '{demo.WORKSHEET}': [\d,]+ of [\d,]+ rows \(\d+%\), \d+ requests, "
    r"\d+:\d\d elapsed, about \d+:\d\d left"
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_read_says_its_progress_at_most_every_few_seconds_with_the_time_left() -> None:
    clock, lines, requests = Clock(), [], iter(range(1, 100))
    reading = ReadProgress(lines.append, "Hoja 1", 4_000, lambda: next(requests), clock=clock)
    for _ in range(3):  # 1,000 rows each 10 s, then 1 s per 100 rows: too soon for a line
        clock.now += 10
        reading.add(1_000)
        clock.now += 1
        reading.add(0)
    assert lines == [
        "reading 'Hoja 1': 1,000 of 4,000 rows (25%), 1 requests, 0:10 elapsed, about 0:30 left",
        "reading 'Hoja 1': 2,000 of 4,000 rows (50%), 2 requests, 0:21 elapsed, about 0:21 left",
        "reading 'Hoja 1': 3,000 of 4,000 rows (75%), 3 requests, 0:32 elapsed, about 0:11 left",
    ]
    assert all(isinstance(line, ProgressLine) for line in lines)
    clock.now += 10
    reading.add(1_000)  # the read is done: its step's own line follows
    assert len(lines) == 3


def test_a_quick_read_says_nothing() -> None:
    lines: list[str] = []
    reading = ReadProgress(lines.append, "Hoja 1", 10, lambda: 1, clock=Clock())
    reading.add(5)
    assert lines == []


def test_clock_text_reads_like_a_clock() -> None:
    assert [clock_text(s) for s in (7, 750, 3723)] == ["0:07", "12:30", "1:02:03"]


def test_the_backup_of_a_sheet_read_in_several_chunks_says_its_progress(
    sheets_server: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.0)  # a line for every chunk but the last
    sheet = LiveSheet.seeded(sheets_server.url, tmp_path, rows=6_000)
    lines: list[str] = []
    with open_run_on(sheet, Mode.MIGRATE, reads_per_minute=0, writes_per_minute=0) as run:
        run.progress = run.gateway.notify = lines.append
        run.backup()
    said = [line for line in lines if isinstance(line, ProgressLine)]
    assert said and all(LINE.fullmatch(line) for line in said), lines
    assert any(line.startswith("backup ran") for line in lines)
