"""Open the main window on a shop offscreen and time each tab's first results.

The window opens the shop as the app does (`MainWindow.open_shop`), with the
Overview in front. Then each other tab is switched to in turn. A tab's first
results are on screen when the jobs in `RESULT_JOBS` have finished: each job's
`finished` handlers fill the tab before its `ended` signal, which is what this
module waits for. The Voice search tab has no results until a query is typed, so
the query is submitted right after the switch, as if typed before it.

A QTimer heartbeat every `HEARTBEAT_MS` measures the event loop: the longest gap
between two ticks is the longest stall. Switching happens inside the running
event loop, so a slow `on_shown` on the GUI thread counts as a stall.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HEARTBEAT_MS = 10
# Waiting for a tab gives up after this long and records the tab as not shown.
TAB_TIMEOUT_S = float(os.environ.get('TABT', 300))
# After a tab's results, the loop runs this long before the next switch, so
# stalls right after the results (filling tables, follow-up jobs) are counted.
SETTLE_S = 1.0
VOICE_QUERY = "candle 42"
# Closing waits this long for the jobs the tabs started, such as loading models.
SHUTDOWN_TIMEOUT_S = 300.0

# Tab name -> names of the jobs whose end puts the tab's first results on screen.
RESULT_JOBS = {
    "overview": ("Loading the overview",),
    "recommendations": ("Load customers and bestsellers",),
    "photos": ("Loading photos",),
    "reviews": ("Load reviews",),
    "voice": ("Searching the catalog",),
}


@dataclass
class TabTiming:
    """Seconds from switching to a tab until its first results, and the stalls."""

    tab: str
    seconds: float | None  # None: not shown within TAB_TIMEOUT_S, or a job failed
    longest_stall_ms: float
    # Jobs started since the switch, with seconds from submit to end, e.g.
    # "Loading photos 0.35 s".
    jobs: list[str] = field(default_factory=list)
    problem: str = ""


class _Heartbeat:
    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.clock.start()
        self.last_ms = self.clock.elapsed()
        self.longest_ms = 0
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.timer.start()

    def on_timer_timeout(self) -> None:
        now = self.clock.elapsed()
        self.longest_ms = max(self.longest_ms, now - self.last_ms)
        self.last_ms = now

    def restart(self) -> None:
        self.last_ms = self.clock.elapsed()
        self.longest_ms = 0


class _JobLog:
    """Every job the runner starts, with the monotonic times it was added and ended."""

    def __init__(self, runner) -> None:
        self.jobs: list = []
        self.added_at: dict[int, float] = {}
        self.ended_at: dict[int, float] = {}
        runner.job_added.connect(self.on_job_added)
        runner.job_ended.connect(self.on_job_ended)

    def on_job_added(self, job) -> None:
        self.jobs.append(job)
        self.added_at[id(job)] = time.monotonic()

    def on_job_ended(self, job) -> None:
        self.ended_at[id(job)] = time.monotonic()

    def since(self, index: int) -> list:
        return self.jobs[index:]

    def summaries(self, index: int) -> list[str]:
        """Describe the jobs from `index` on: name, seconds from submit to end, state."""
        summaries = []
        for job in self.jobs[index:]:
            added = self.added_at[id(job)]
            if job.is_active:
                seconds, state = time.monotonic() - added, " (still running)"
            else:
                seconds = self.ended_at.get(id(job), time.monotonic()) - added
                state = "" if job.state.value == "finished" else f" ({job.state.value})"
            summaries.append(f"{job.name} {seconds:.2f} s{state}")
        return summaries


def _run_loop_until(app, predicate, timeout_s: float) -> bool:
    """Run the event loop until `predicate()` is true; return False on timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    checker = QTimer()
    checker.setInterval(HEARTBEAT_MS)
    deadline = time.monotonic() + timeout_s
    outcome = {"is_met": False}

    def check() -> None:
        if predicate():
            outcome["is_met"] = True
            loop.quit()
        elif time.monotonic() > deadline:
            loop.quit()

    checker.timeout.connect(check)
    checker.start()
    QTimer.singleShot(0, check)
    loop.exec()
    checker.stop()
    return outcome["is_met"]


def _results_state(jobs: list, names: tuple[str, ...]) -> tuple[bool, str]:
    """Return (all result jobs ended, problem text) for the jobs started so far."""
    problem = ""
    for name in names:
        matching = [job for job in jobs if job.name == name]
        if not matching:
            return False, ""
        job = matching[0]
        if job.is_active:
            return False, ""
        if job.state.value != "finished":
            problem = f"{name} {job.state.value}: {job.message}".strip()
    return True, problem


def time_tabs(shop_path: Path, *, allow_training: bool) -> tuple[float, list[TabTiming]]:
    """Open the window on `shop_path` and time every tab's first results.

    Args:
        shop_path: an existing shop file.
        allow_training: when false, the Recommendations tab's automatic first
            training (started when the shop has no trained model) is skipped.

    Returns:
        The seconds `open_store` took in the window's job, and one TabTiming per
        tab in window order.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.jobs import JobRunner
    from ui.main_window import TAB_NAMES, MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-window-") as folder:
        settings = QSettings(str(Path(folder) / "ui.ini"), QSettings.Format.IniFormat)
        runner = JobRunner()
        window = MainWindow(runner, settings, remember_ui_state=False)
        if not allow_training:
            # The tab starts training when the shop has no model; training is
            # measured, or skipped, by its own step.
            window.recommendations_tab.start_training = lambda text: None
        job_log = _JobLog(runner)
        window.show()
        heartbeat = _Heartbeat()
        try:
            open_seconds, timings = _time_all(app, window, job_log, heartbeat, shop_path)
            # Jobs end while later tabs are timed, e.g. indexing the catalog.
            print(f"  all jobs: {', '.join(job_log.summaries(0))}", file=sys.stderr, flush=True)
        finally:
            heartbeat.timer.stop()
            # Loading the speech and sentence models cannot stop midway.
            runner.shutdown(timeout_s=SHUTDOWN_TIMEOUT_S)
            # Closing with jobs still running would ask whether to cancel them.
            window.is_closing = True
            window.close()
            window.deleteLater()
            app.processEvents()
    order = {name: index for index, name in enumerate(TAB_NAMES)}
    return open_seconds, sorted(timings, key=lambda timing: order[timing.tab])


def _time_all(app, window, job_log, heartbeat, shop_path: Path):
    from PySide6.QtCore import QTimer

    opened = {}
    window.shop_opened.connect(lambda path: opened.setdefault("at", time.monotonic()))
    started = time.monotonic()
    QTimer.singleShot(0, lambda: window.open_shop(Path(shop_path)))
    if not _run_loop_until(app, lambda: "at" in opened, TAB_TIMEOUT_S):
        raise RuntimeError(f"the window did not open {shop_path} in {TAB_TIMEOUT_S:.0f} s")
    open_seconds = opened["at"] - started

    # The Overview is in front, so opening the shop is switching to it.
    heartbeat.restart()
    overview = _wait_for_results(app, "overview", job_log, 0, opened["at"], heartbeat)
    timings = [overview]
    for name in ("recommendations", "photos", "reviews", "voice"):
        timings.append(_switch_and_time(app, window, name, job_log, heartbeat))
    return open_seconds, timings


def _switch_and_time(app, window, name: str, job_log, heartbeat) -> TabTiming:
    from PySide6.QtCore import QTimer

    first_job = len(job_log.jobs)
    switched = {}

    def switch() -> None:
        switched["at"] = time.monotonic()
        window.select_tab(name)
        if name == "voice":
            window.voice_tab.search_edit.setText(VOICE_QUERY)
            window.voice_tab.search_text(VOICE_QUERY)

    heartbeat.restart()
    QTimer.singleShot(0, switch)
    _run_loop_until(app, lambda: "at" in switched, TAB_TIMEOUT_S)
    return _wait_for_results(app, name, job_log, first_job, switched["at"], heartbeat)


def _wait_for_results(app, name, job_log, first_job, started, heartbeat) -> TabTiming:
    names = RESULT_JOBS[name]
    state = {}

    def is_shown() -> bool:
        is_done, problem = _results_state(job_log.since(first_job), names)
        if is_done and "at" not in state:
            state["at"] = time.monotonic()
            state["problem"] = problem
        return is_done

    is_met = _run_loop_until(app, is_shown, TAB_TIMEOUT_S)
    seconds = state["at"] - started if is_met else None
    problem = state.get("problem", "") if is_met else f"no results in {TAB_TIMEOUT_S:.0f} s"
    _run_loop_until(app, lambda: False, SETTLE_S)
    timing = TabTiming(
        tab=name,
        seconds=None if problem else seconds,
        longest_stall_ms=float(heartbeat.longest_ms),
        jobs=job_log.summaries(first_job),
        problem=problem,
    )
    shown = "not shown" if timing.seconds is None else f"{timing.seconds:.2f} s"
    print(
        f"  {name} tab: {shown}, longest stall {timing.longest_stall_ms:.0f} ms",
        file=sys.stderr,
        flush=True,
    )
    return timing
