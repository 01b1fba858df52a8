"""List of recent jobs with their state, for the Jobs dock."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.jobs import Job, JobRunner, JobState


def describe_state(job: Job) -> str:
    if job.state is JobState.RUNNING:
        if job.is_cancel_requested:
            return "Stopping…"
        if job.fraction is not None:
            return f"Running, {round(job.fraction * 100)}%"
        return "Running"
    if job.state is JobState.WAITING:
        return "Waiting for another job"
    if job.state is JobState.FAILED:
        return f"Failed: {job.message}"
    return job.state.label


class JobsPanel(QWidget):
    COLUMNS = ["Job", "State", "Time", ""]

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)

        self.timer = QTimer(self)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self.on_timer_timeout)
        runner.job_added.connect(self.on_runner_job_added)
        runner.job_ended.connect(self.on_runner_job_ended)

    def on_runner_job_added(self, job: Job) -> None:
        self.timer.start()
        self.update_rows()

    def on_runner_job_ended(self, job: Job) -> None:
        self.update_rows()

    def on_timer_timeout(self) -> None:
        if self.isVisible():
            self.update_rows()
        if not self.runner.has_active_jobs():
            self.timer.stop()

    def on_cancel_clicked(self, job: Job) -> None:
        job.cancel()
        self.update_rows()

    def update_rows(self) -> None:
        jobs = list(reversed(self.runner.history))
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            state = describe_state(job)
            cells = [job.name, state, f"{job.elapsed_s():.0f} s"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            if job.is_active and job.can_cancel and not job.is_cancel_requested:
                button = QPushButton("Cancel")
                button.clicked.connect(
                    lambda checked=False, job=job: self.on_cancel_clicked(job)
                )
                self.table.setCellWidget(row, 3, button)
            else:
                self.table.removeCellWidget(row, 3)
