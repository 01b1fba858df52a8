"""Status bar widget: progress, time left and Cancel for running jobs."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ui.jobs import Job, JobRunner, JobState

# A job shows here once it has run this long, because quicker jobs would only flicker.
SHOW_AFTER_S = 1.0
# Time left is shown only for jobs expected to take longer than this.
TIME_LEFT_AFTER_S = 10.0


def format_duration(seconds: float) -> str:
    """Return "about 40 s", "about 3 min" or "about 1 h 5 min"."""
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


class JobStatus(QWidget):
    """Shows the newest running job. The Jobs button opens the full list."""

    jobs_requested = Signal()

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.job: Job | None = None
        self.text_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(180)
        self.progress_bar.setFormat("%p%")
        self.time_left_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        self.more_button = QPushButton()
        self.more_button.setFlat(True)
        self.more_button.clicked.connect(self.jobs_requested)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.time_left_label)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.more_button)

        # Elapsed time and time left change without any signal from the job.
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.on_timer_timeout)
        runner.job_added.connect(self.on_runner_job_added)
        runner.job_ended.connect(self.on_runner_job_ended)
        self.setVisible(False)

    def on_runner_job_added(self, job: Job) -> None:
        job.progressed.connect(self.on_job_progressed)
        self.timer.start()
        self.update_view()

    def on_runner_job_ended(self, job: Job) -> None:
        self.update_view()

    def on_job_progressed(self, fraction: float, text: str) -> None:
        self.update_view()

    def on_timer_timeout(self) -> None:
        self.update_view()
        if not self.runner.has_active_jobs():
            self.timer.stop()

    def on_cancel_clicked(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.update_view()

    def _visible_jobs(self) -> list[Job]:
        return [
            job
            for job in self.runner.active_jobs()
            if job.state is JobState.RUNNING and job.elapsed_s() >= SHOW_AFTER_S
        ]

    def update_view(self) -> None:
        jobs = self._visible_jobs()
        if not jobs:
            self.job = None
            self.setVisible(False)
            return

        # The job started last is usually the one the owner just asked for.
        self.job = job = jobs[-1]
        text = job.name if not job.text else f"{job.name}: {job.text}"
        if job.is_cancel_requested:
            text = f"{job.name}: stopping…"
        self.text_label.setText(text)
        if job.fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(round(job.fraction * 100))

        time_left = job.time_left_s()
        is_long = (
            job.elapsed_s() >= TIME_LEFT_AFTER_S
            or (time_left or 0) >= TIME_LEFT_AFTER_S
        )
        if time_left is not None and is_long:
            self.time_left_label.setText(f"{format_duration(time_left)} left")
        else:
            self.time_left_label.setText("")

        self.cancel_button.setEnabled(job.can_cancel and not job.is_cancel_requested)
        self.cancel_button.setToolTip(
            "" if job.can_cancel else "This step cannot be stopped early."
        )
        others = len(self.runner.active_jobs()) - 1
        self.more_button.setText(f"+{others} more…" if others > 0 else "Jobs…")
        self.setVisible(True)
