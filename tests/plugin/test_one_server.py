"""One data folder, one server: runs of the embedded demo at the same time share one server.

Each process here is a real one (subprocess): a pytest session whose project uses the embedded
server, and ``python -m pytest_sheetmigrate.emulator --data`` on the same folder. Two servers on
one folder would each load the state and each compact their own at the end (the last one wins);
two sessions on two servers would never see each other's lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import test_demo
from test_demo import WORKTREE, embedded_values

from pytest_sheetmigrate import demo
from pytest_sheetmigrate.embedded import start_embedded
from pytest_sheetmigrate.lease import LEASE_KEY
from pytest_sheetmigrate.transport import sheets_client

PAUSE = """
import os, time
from pathlib import Path


def test_waits_while_another_session_runs():
    gate = os.environ.get("PAUSE_GATE")
    if not gate:
        return
    Path(gate, "paused").touch()
    deadline = time.monotonic() + 120
    while not Path(gate, "resume").exists():
        assert time.monotonic() < deadline, "never resumed"
        time.sleep(0.05)
"""


demo_project = test_demo.demo_project  # the README's demo project (a fixture)


def python(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    """A process of its own running this checkout's package."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(WORKTREE), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def pytest_run(project: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return python("-m", "pytest", "-p", "no:cacheprovider", *args, cwd=project, **env)


def finished(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(0.01)


def data_folder(project: Path) -> Path:
    return project / ".sheetmigrate" / "embedded"


def test_a_rollback_by_a_second_session_is_not_erased_by_the_first_session_s_server(
    demo_project: pytest.Pytester,
):
    """The second session writes through the first one's server, which serves until it is done:
    no compaction of a second server's state erases the other's writes."""
    project = demo_project.path
    (project / "tests" / "v3.0" / "test_zz_pause.py").write_text(PAUSE, encoding="utf-8")
    gate = project / "gate"
    gate.mkdir()
    first = pytest_run(project, "--migrate", PAUSE_GATE=str(gate))
    try:
        wait_for(lambda: (gate / "paused").exists() or first.poll() is not None, "the pause")
        assert first.poll() is None, finished(first)[1]

        code, output = finished(pytest_run(project, "--rollback"))
        assert code == 0, output

        (gate / "resume").touch()
        code, output = finished(first)
    finally:
        (gate / "resume").touch()
        first.kill()
    assert code == 0, output
    values, _ = embedded_values(demo_project)
    assert values[0] == demo.header(), "the rollback was erased: the header is schema 3.0's"


@pytest.fixture
def emulator_cli(demo_project: pytest.Pytester) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The server's CLI on the demo project's embedded data folder, the demo seeded in it."""
    start_embedded(data_folder(demo_project.path), demo.DEMO_KEY).stop()
    cli = python(
        "-m",
        "pytest_sheetmigrate.emulator",
        "--port",
        "0",
        "--data",
        str(data_folder(demo_project.path)),
        cwd=demo_project.path,
    )
    assert cli.stdout is not None
    line = cli.stdout.readline()
    assert line.startswith("listening on "), line + finished(cli)[1]
    try:
        yield cli, line.removeprefix("listening on ").strip()
    finally:
        cli.send_signal(signal.SIGINT)
        cli.wait(timeout=60)


def lease_holders(url: str) -> list[str]:
    spreadsheet = sheets_client(url).open_by_key(demo.DEMO_KEY)
    found = spreadsheet.fetch_sheet_metadata({"fields": "developerMetadata"})
    return [
        item.get("metadataValue", "")
        for item in found.get("developerMetadata", [])
        if item["metadataKey"] == LEASE_KEY
    ]


def test_a_second_migration_meets_the_lease_of_a_run_on_the_server_of_the_data_folder(
    demo_project: pytest.Pytester, emulator_cli: tuple[subprocess.Popen[str], str]
):
    project = demo_project.path
    cli, url = emulator_cli
    first = pytest_run(project, "--migrate")
    try:
        wait_for(lambda: bool(lease_holders(url)) or first.poll() is not None, "the lease")
        first.send_signal(signal.SIGSTOP)  # paused while it holds the lease
        assert lease_holders(url), (
            "the run's lease never reached the server of the data folder: it wrote the folder "
            "behind that server's back\n" + finished(first)[1]
        )

        code, second = finished(pytest_run(project, "--migrate"))

        first.send_signal(signal.SIGCONT)
        first_code, first_output = finished(first)
    finally:
        first.send_signal(signal.SIGCONT)
        first.kill()
    assert code == 1, second
    assert "another migration holds the lease on this spreadsheet: " in second
    assert f"(pid {first.pid})" in second, second
    assert "Traceback" not in second
    assert first_code == 0, first_output
    header = sheets_client(url).open_by_key(demo.DEMO_KEY).worksheet(demo.WORKSHEET).row_values(1)
    assert header[-1] == "version" and len(header) == 68
    assert lease_holders(url) == []

    refused = python(
        "-m",
        "pytest_sheetmigrate.emulator",
        "--port",
        "0",
        "--data",
        str(data_folder(project)),
        cwd=project,
    )
    code, output = finished(refused, timeout=60)
    assert code == 2
    assert f"is served by process {cli.pid} (python -m pytest_sheetmigrate.emulator" in output
    assert url in output and "Traceback" not in output


def test_demo_reset_refuses_while_a_server_serves_the_data_folder(
    demo_project: pytest.Pytester, emulator_cli: tuple[subprocess.Popen[str], str]
):
    cli, _ = emulator_cli
    code, output = finished(
        python("-m", "pytest_sheetmigrate.demo", "reset", cwd=demo_project.path)
    )

    assert code == 2
    assert f"process {cli.pid} (python -m pytest_sheetmigrate.emulator" in output
    assert "nothing was deleted" in output
    assert (data_folder(demo_project.path) / "demo-seeded").exists()


def test_a_killed_server_leaves_no_stale_lock(tmp_path: Path):
    cli = python(
        "-m", "pytest_sheetmigrate.emulator", "--port", "0", "--data", str(tmp_path), cwd=tmp_path
    )
    assert cli.stdout is not None and cli.stdout.readline().startswith("listening on ")
    cli.send_signal(signal.SIGKILL)
    cli.wait()

    server = start_embedded(tmp_path, "another-key")

    assert server.__class__.__name__ == "OwnServer", "the folder is this run's at once"
    server.stop()


def test_the_owner_serves_until_the_attached_session_is_done(tmp_path: Path):
    owner = start_embedded(tmp_path, "a-key")
    attached = start_embedded(tmp_path, "a-key")  # another open of the lock: as another process
    assert attached.url == owner.url and attached.__class__.__name__ == "AttachedServer"
    told: list[str] = []
    stopping = threading.Thread(target=owner.stop, args=(told.append,))
    stopping.start()
    time.sleep(0.5)

    assert stopping.is_alive() and "waiting for it to finish" in " ".join(told)
    assert sheets_client(attached.url).list_spreadsheet_files() == []  # still served
    attached.stop()
    stopping.join(timeout=30)
    assert not stopping.is_alive()
