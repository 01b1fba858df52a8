"""Status bar progress: shown after a second, time left for long jobs, Cancel."""

from __future__ import annotations

import threading

import pytest

from ui.widgets.job_status import JobStatus, format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3, "about 5 s"),
        (42, "about 40 s"),
        (170, "about 3 min"),
        (3900, "about 1 h 5 min"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def start_half_done_job(qtbot, runner, can_cancel=True):
    release = threading.Event()

    def half_done(progress, cancel):
        progress(0.5, "half way")
        while not release.wait(0.05):
            cancel.raise_if_cancelled()

    job = runner.submit("Importing orders.csv", half_done, can_cancel=can_cancel)
    with qtbot.waitSignal(job.progressed, timeout=5000):
        pass
    return job, release


def test_quick_job_not_shown(qtbot, runner):
    status = JobStatus(runner)
    qtbot.addWidget(status)
    job, release = start_half_done_job(qtbot, runner)

    status.update_view()

    assert status.isHidden()
    release.set()


def test_long_job_shows_percent_and_time_left(qtbot, runner):
    status = JobStatus(runner)
    qtbot.addWidget(status)
    job, release = start_half_done_job(qtbot, runner)
    job.started_at -= 30.0  # as if the first half took 30 s

    status.update_view()

    assert not status.isHidden()
    assert status.text_label.text() == "Importing orders.csv: half way"
    assert status.progress_bar.value() == 50
    assert status.time_left_label.text() == "about 30 s left"
    assert status.cancel_button.isEnabled()
    release.set()


def test_job_that_cannot_stop_says_so(qtbot, runner):
    status = JobStatus(runner)
    qtbot.addWidget(status)
    job, release = start_half_done_job(qtbot, runner, can_cancel=False)
    job.started_at -= 2.0

    status.update_view()

    assert not status.cancel_button.isEnabled()
    assert status.cancel_button.toolTip() == "This step cannot be stopped early."
    release.set()
