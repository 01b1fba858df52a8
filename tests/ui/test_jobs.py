"""Job runner: results, failures and cancellation come back on the GUI thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from engine.errors import ImportFileError
from ui import messages
from ui.jobs import JobState, Lane


def is_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_finished_reports_result_and_progress(qtbot, runner):
    def count_to_three(progress, cancel):
        for step in range(3):
            progress(step / 3, f"step {step}")
            time.sleep(0.15)
        progress(1.0, "done")
        return {"rows": 3}

    seen = []
    job = runner.submit("Counting", count_to_three)
    job.started.connect(lambda: seen.append(("started", is_gui_thread())))
    job.progressed.connect(
        lambda f, t: seen.append(("progressed", is_gui_thread(), f, t))
    )
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        pass

    assert blocker.args == [{"rows": 3}]
    assert job.state is JobState.FINISHED
    assert seen[0] == ("started", True)
    progress_events = [event for event in seen if event[0] == "progressed"]
    assert [event[2] for event in progress_events] == [0.0, 1 / 3, 2 / 3, 1.0]
    assert all(event[1] for event in progress_events)
    assert progress_events[-1][3] == "done"


def test_failed_shows_engine_message_exactly(qtbot, runner):
    error = ImportFileError(
        Path("/tmp/orders.csv"),
        "row 3 has no order number",
        "Fill it in and import the file again",
    )

    def fail(progress, cancel):
        raise error

    threads = []
    job = runner.submit("Importing orders.csv", fail)
    job.failed.connect(lambda message, details: threads.append(is_gui_thread()))
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass

    message, details = blocker.args
    assert message == (
        "Could not import orders.csv: row 3 has no order number. "
        "Fill it in and import the file again"
    )
    assert "ImportFileError" in details
    assert threads == [True]
    assert job.state is JobState.FAILED


def test_unexpected_error_apologises_and_logs_once(qtbot, runner, caplog):
    def crash(progress, cancel):
        raise ZeroDivisionError("division by zero")

    caplog.set_level(logging.INFO, logger="ui.jobs")
    job = runner.submit("Loading the overview", crash)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass

    message, details = blocker.args
    assert message == messages.unexpected_error_message("loading the overview")
    assert "merchant-assistant.log" in message
    assert "ZeroDivisionError" in details
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None


def test_cancel_reports_cancelled_never_failed(qtbot, runner):
    is_running = threading.Event()

    def loop_until_cancelled(progress, cancel):
        is_running.set()
        while True:
            cancel.raise_if_cancelled("The import")
            time.sleep(0.01)

    failures = []
    cancel_threads = []
    job = runner.submit("Importing", loop_until_cancelled)
    job.failed.connect(lambda message, details: failures.append(message))
    job.cancelled.connect(lambda: cancel_threads.append(is_gui_thread()))
    qtbot.waitUntil(is_running.is_set, timeout=5000)

    started = time.monotonic()
    with qtbot.waitSignal(job.cancelled, timeout=2000):
        job.cancel()

    assert time.monotonic() - started < 2.0
    assert job.state is JobState.CANCELLED
    assert failures == []
    assert cancel_threads == [True]


def test_cancel_waiting_job_never_runs_it(qtbot, runner):
    release = threading.Event()
    calls = []

    first = runner.submit("First write", lambda p, c: release.wait(5), lane=Lane.WRITE)
    second = runner.submit(
        "Second write", lambda p, c: calls.append("ran"), lane=Lane.WRITE
    )
    with qtbot.waitSignal(first.started, timeout=5000):
        pass
    assert second.state is JobState.WAITING

    second.cancel()
    release.set()
    with qtbot.waitSignal(second.cancelled, timeout=5000):
        pass

    assert calls == []
    assert first.state is JobState.FINISHED or first.is_active


def test_progress_is_throttled(qtbot, runner):
    def chatty(progress, cancel):
        for row in range(20_000):
            progress(row / 20_000, "reading rows")
        progress(1.0, "done")

    fractions = []
    job = runner.submit("Chatty", chatty)
    job.progressed.connect(lambda fraction, text: fractions.append(fraction))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass

    assert 1 <= len(fractions) < 100
    assert fractions[-1] == 1.0


def test_progress_new_step_always_shown(qtbot, runner):
    def reading_then_saving(progress, cancel):
        for row in range(20_000):
            progress(0.95 * row / 20_000, f"Reading row {row:,}")
        progress(0.95, "Saving")
        time.sleep(0.3)

    texts = []
    job = runner.submit("Import", reading_then_saving)
    job.progressed.connect(lambda fraction, text: texts.append(text))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass

    assert texts[-1] == "Saving"
    assert len(texts) < 100


def test_shutdown_cancels_and_waits(qtbot, runner):
    is_running = threading.Event()

    def long_job(progress, cancel):
        is_running.set()
        for _ in range(1000):
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    jobs = [runner.submit(f"Long {i}", long_job) for i in range(2)]
    qtbot.waitUntil(is_running.is_set, timeout=5000)

    assert runner.has_active_jobs()
    assert runner.shutdown(timeout_s=5)
    assert all(job.worker_done.is_set() for job in jobs)
    qtbot.waitUntil(lambda: not runner.has_active_jobs(), timeout=2000)
    assert [job.state for job in jobs] == [JobState.CANCELLED, JobState.CANCELLED]


def test_submit_after_shutdown_raises(runner):
    runner.shutdown(timeout_s=1)
    with pytest.raises(RuntimeError):
        runner.submit("Too late", lambda p, c: None)


def test_time_left_estimate(qtbot, runner):
    release = threading.Event()

    def half_way(progress, cancel):
        progress(0.5, "half")
        release.wait(5)

    job = runner.submit("Half", half_way)
    with qtbot.waitSignal(job.progressed, timeout=5000):
        pass
    job.started_at -= 4.0  # pretend the first half took about four seconds

    assert job.time_left_s() == pytest.approx(4.0, abs=0.5)
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
