"""A write in flight survives a Ctrl-C of the run's thread, and is not resent after it."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

import pytest

from pytest_sheetmigrate.in_flight import InterruptedWrite, WriteInFlight, interrupted_message
from pytest_sheetmigrate.stamp import Stamps


def interrupt_main_soon() -> None:
    threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()  # a Ctrl-C


def test_a_ctrl_c_leaves_the_write_running_and_close_can_wait_for_it():
    release = threading.Event()
    ended = threading.Event()

    def send(refuse_resend: Callable[[], None]) -> dict:
        release.wait(10)
        ended.set()
        return {"replies": []}

    write = WriteInFlight("columns", lambda stamps: True, send)
    interrupt_main_soon()
    with pytest.raises(KeyboardInterrupt):
        write.answer()

    assert write.interrupted.is_set() and not ended.is_set()
    assert not write.settle(0.05), "still in flight"
    release.set()
    assert write.settle(5) and ended.is_set()


def test_no_retry_is_sent_once_the_run_was_interrupted():
    lost = threading.Event()
    refused: list[BaseException] = []

    def send(refuse_resend: Callable[[], None]) -> dict:
        lost.wait(10)  # the first attempt's answer is lost; the gateway asks before resending
        try:
            refuse_resend()
        except Exception as error:
            refused.append(error)
            raise
        return {}

    write = WriteInFlight("init", lambda stamps: False, send)
    interrupt_main_soon()
    with pytest.raises(KeyboardInterrupt):
        write.answer()
    lost.set()

    assert write.settle(5)
    assert refused and "not resent" in str(refused[0])


def test_the_answer_of_a_write_that_was_not_interrupted_is_returned():
    write = WriteInFlight("backup", lambda stamps: True, lambda refuse: {"replies": [1]})
    assert write.answer() == {"replies": [1]}
    assert write.applied(Stamps(()))


@pytest.mark.parametrize(
    ("step", "write", "says"),
    [
        (None, InterruptedWrite("columns", True, True), "the write landed (the sheet shows"),
        (None, InterruptedWrite("init", False, True), "it runs init again"),
        (None, InterruptedWrite("init", False, False), "it may still land"),
        ("verify", None, "with no write in flight"),
        (None, None, "after every step finished"),
    ],
)
def test_the_message_says_the_step_what_landed_and_that_rerunning_is_safe(step, write, says):
    message = interrupted_message(step, write, "pytest --migrate", released=True)
    assert says in message
    assert "Running pytest --migrate again is safe" in message
    assert "the lease this run held is released" in message


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (InterruptedWrite("columns", True, True), "the write landed"),
        (InterruptedWrite("columns", False, True), "the write did not land"),
        (InterruptedWrite("init", True, True), "the write landed"),
    ],
    ids=["columns write landed", "columns write did not land", "init write landed"],
)
def test_the_message_names_the_step_whose_write_was_in_flight_and_whether_it_landed(write, says):
    message = interrupted_message(None, write, "pytest --migrate", released=True)
    assert f"interrupted during the {write.step} step, while its write was in flight: {says}" in (
        message
    )
