"""Job runner: long engine calls on worker threads, results back by signal.

A job is a callable `function(progress, cancel)` that runs on a QThreadPool
thread. It reports progress through `progress(fraction, text)` and checks the
`CancelToken` between batches. It must never touch widgets, and it opens its own
`Store`, because SQLite connections belong to the thread that made them.

The worker thread only emits the private `_worker_*` signals. They reach the
`Job` through queued connections, so the `Job` re-emits its public signals on
the GUI thread. Every handler of the public signals, including a plain function
or lambda, therefore runs on the GUI thread.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from engine.errors import CancelledError, MerchantError
from engine.progress import CancelToken
from ui import messages

log = logging.getLogger(__name__)

JobFunction = Callable[[Callable[[float, str], None], CancelToken], Any]

# Progress reaches the GUI at most this often, because engines may report every row.
PROGRESS_INTERVAL_S = 0.1

# Finished jobs kept for the jobs panel.
HISTORY_LENGTH = 50


class JobState(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Lane(enum.Enum):
    """Thread pools: jobs that write to a shop run one at a time, reads in parallel."""

    READ = "read"
    WRITE = "write"


class Job(QObject):
    """One unit of background work and its state, living on the GUI thread."""

    started = Signal()
    progressed = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message for the owner, traceback
    cancelled = Signal()
    # Emitted once after finished, failed or cancelled, for bookkeeping.
    ended = Signal()

    _worker_started = Signal()
    _worker_progressed = Signal(float, str)
    _worker_finished = Signal(object)
    _worker_failed = Signal(str, str)
    _worker_cancelled = Signal()

    def __init__(
        self,
        name: str,
        function: JobFunction,
        *,
        kind: str = "task",
        can_cancel: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.kind = kind
        self.can_cancel = can_cancel
        self.function = function
        self.token = CancelToken()
        self.state = JobState.WAITING
        self.fraction: float | None = None
        self.text = ""
        self.message = ""
        self.result: Any = None
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.is_cancel_requested = False
        # Set by the worker thread once the function has returned or raised.
        self.worker_done = threading.Event()

        queued = Qt.ConnectionType.QueuedConnection
        self._worker_started.connect(self.on_worker_started, queued)
        self._worker_progressed.connect(self.on_worker_progressed, queued)
        self._worker_finished.connect(self.on_worker_finished, queued)
        self._worker_failed.connect(self.on_worker_failed, queued)
        self._worker_cancelled.connect(self.on_worker_cancelled, queued)

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.WAITING, JobState.RUNNING)

    def elapsed_s(self) -> float:
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else time.monotonic()
        return end - self.started_at

    def time_left_s(self) -> float | None:
        """Estimate the seconds left from the progress so far, or None when unknown."""
        elapsed = self.elapsed_s()
        if self.fraction is None or self.fraction < 0.02 or elapsed < 1.0:
            return None
        return elapsed * (1.0 - self.fraction) / self.fraction

    def cancel(self) -> None:
        """Ask the job to stop. It reports `cancelled` once the worker has stopped."""
        if not self.is_active:
            return
        self.is_cancel_requested = True
        self.token.cancel()

    @Slot()
    def on_worker_started(self) -> None:
        self.state = JobState.RUNNING
        self.started_at = time.monotonic()
        self.started.emit()

    @Slot(float, str)
    def on_worker_progressed(self, fraction: float, text: str) -> None:
        if not self.is_active:
            return
        self.fraction = min(max(fraction, 0.0), 1.0)
        self.text = text
        self.progressed.emit(self.fraction, text)

    @Slot(object)
    def on_worker_finished(self, result: object) -> None:
        self.result = result
        self._end(JobState.FINISHED)
        self.finished.emit(result)
        self.ended.emit()

    @Slot(str, str)
    def on_worker_failed(self, message: str, details: str) -> None:
        self.message = message
        self._end(JobState.FAILED)
        self.failed.emit(message, details)
        self.ended.emit()

    @Slot()
    def on_worker_cancelled(self) -> None:
        self._end(JobState.CANCELLED)
        self.cancelled.emit()
        self.ended.emit()

    def _end(self, state: JobState) -> None:
        self.state = state
        self.ended_at = time.monotonic()
        if self.started_at is None:
            self.started_at = self.ended_at


def _emit(signal, *args) -> None:
    """Emit from the worker thread, unless Qt has already deleted the Job.

    That happens only when the app exits without `JobRunner.shutdown`, e.g. a
    script that never connected aboutToQuit. The job's result is then dropped.
    """
    try:
        signal.emit(*args)
    except RuntimeError as error:
        log.warning("Job result dropped because the app is exiting: %s", error)


class _Worker(QRunnable):
    """Runs a job's function on a pool thread and reports by private signals."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        # The pool owns and deletes the runnable after run(); the runner keeps
        # only the Job, which outlives the worker.
        self.setAutoDelete(True)
        self.job = job
        self._last_progress_at = 0.0
        self._last_step = ""

    def run(self) -> None:
        try:
            self._run_job()
        finally:
            self.job.worker_done.set()

    def _run_job(self) -> None:
        job = self.job
        if job.token.is_cancelled:
            log.info("Job cancelled before it started: %s", job.name)
            _emit(job._worker_cancelled)
            return

        _emit(job._worker_started)
        log.info("Job started: %s", job.name)
        started = time.monotonic()
        try:
            result = job.function(self._report_progress, job.token)
        except CancelledError:
            log.info(
                "Job cancelled after %.1f s: %s", time.monotonic() - started, job.name
            )
            _emit(job._worker_cancelled)
        except MerchantError as error:
            log.warning(
                "Job failed after %.1f s: %s: %s",
                time.monotonic() - started,
                job.name,
                error,
            )
            message = messages.error_message(error, job.name.lower())
            _emit(job._worker_failed, message, traceback.format_exc())
        except BaseException as error:  # noqa: BLE001 - a worker reports every failure
            log.exception("Job failed on an unexpected error: %s", job.name)
            message = messages.error_message(error, job.name.lower())
            _emit(job._worker_failed, message, traceback.format_exc())
        else:
            log.info("Job finished in %.1f s: %s", time.monotonic() - started, job.name)
            _emit(job._worker_finished, result)

    def _report_progress(self, fraction: float, text: str = "") -> None:
        now = time.monotonic()
        # The first report of a new step ("Saving" after "Reading row 9,000") always
        # passes, because the close confirmation changes once an import is saving.
        step = progress_step(text)
        is_new_step = step != self._last_step
        is_recent = now - self._last_progress_at < PROGRESS_INTERVAL_S
        if fraction < 1.0 and is_recent and not is_new_step:
            return
        self._last_progress_at = now
        self._last_step = step
        _emit(self.job._worker_progressed, float(fraction), str(text))


def progress_step(text: str) -> str:
    """Return `text` without its trailing count: "Reading row" for "Reading row 9"."""
    return text.rstrip("0123456789,.% ")


class JobRunner(QObject):
    """Starts jobs on worker threads and stops them all on shutdown."""

    job_added = Signal(object)  # Job
    job_ended = Signal(object)  # Job
    active_count_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, read_threads: int = 3) -> None:
        super().__init__(parent)
        self._pools = {Lane.READ: QThreadPool(self), Lane.WRITE: QThreadPool(self)}
        self._pools[Lane.READ].setMaxThreadCount(read_threads)
        self._pools[Lane.WRITE].setMaxThreadCount(1)
        self._active: list[Job] = []
        self.history: list[Job] = []
        self.is_shut_down = False

    def submit(
        self,
        name: str,
        function: JobFunction,
        *,
        kind: str = "task",
        lane: Lane = Lane.READ,
        can_cancel: bool = True,
    ) -> Job:
        """Queue `function` on a worker thread and return its Job.

        Connect to the Job's signals right after this call: the worker cannot
        report anything before control returns to the event loop.
        """
        if self.is_shut_down:
            raise RuntimeError("the job runner was shut down")
        job = Job(name, function, kind=kind, can_cancel=can_cancel)
        self._active.append(job)
        self.history.append(job)
        del self.history[:-HISTORY_LENGTH]
        job.ended.connect(lambda: self.on_job_ended(job))

        self._pools[lane].start(_Worker(job))
        self.job_added.emit(job)
        self.active_count_changed.emit(len(self.active_jobs()))
        return job

    def active_jobs(self) -> list[Job]:
        return [job for job in self._active if job.is_active]

    def has_active_jobs(self) -> bool:
        return bool(self.active_jobs())

    def on_job_ended(self, job: Job) -> None:
        if job in self._active:
            self._active.remove(job)
        self.job_ended.emit(job)
        self.active_count_changed.emit(len(self.active_jobs()))

    def cancel_all(self) -> None:
        for job in self.active_jobs():
            job.cancel()

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel every job and wait for the worker threads to return.

        Returns True when all workers stopped within `timeout_s`. The jobs' final
        signals are queued and arrive on the next turn of the event loop.
        """
        self.is_shut_down = True
        self.cancel_all()
        deadline = time.monotonic() + timeout_s
        is_done = True
        for pool in self._pools.values():
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            is_done = pool.waitForDone(remaining_ms) and is_done
        if is_done:
            log.info("All jobs stopped")
        else:
            still_running = [job.name for job in self.active_jobs()]
            log.warning("Jobs still running after %.0f s: %s", timeout_s, still_running)
        return is_done
