"""Main window: tabs, menus, status bar and drops, and the wiring between tabs."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import paths
from ui import messages
from ui.import_flow import ImportFlow
from ui.jobs import Job, JobRunner, Lane
from ui.tabs.overview_tab import OverviewTab
from ui.tabs.photos_tab import PhotosTab, split_photo_drops
from ui.tabs.recommendations_tab import RecommendationsTab
from ui.tabs.reviews_tab import ReviewsTab
from ui.tabs.voice_tab import VoiceTab
from ui.widgets.job_status import JobStatus
from ui.widgets.jobs_panel import JobsPanel
from ui.widgets.new_shop_dialog import NewShopDialog
from ui.widgets.notice_area import NoticeArea

log = logging.getLogger(__name__)

APP_TITLE = "Merchant Assistant"
MAX_RECENT_SHOPS = 8
# Closing waits this long for running jobs to stop after they were cancelled.
SHUTDOWN_TIMEOUT_S = 30.0
# Jobs that only read and are quick to redo. Closing cancels them without asking.
QUIET_KINDS = {"load", "sniff", "scan"}
TAB_NAMES = ["overview", "recommendations", "photos", "reviews", "voice"]
DEFAULT_SIZE = (1280, 800)


def is_import_saving(job: Job) -> bool:
    """Return whether `job` is an import in its final save, which cannot stop."""
    if job.kind != "import":
        return False
    # Loaded by the import job already, so this import is quick.
    from engine.importers import READ_SHARE

    is_past_reading = job.fraction is not None and job.fraction >= READ_SHARE
    return job.text.startswith("Saving") or is_past_reading


def shop_display_name(shop_path: Path) -> str:
    """Return the shop's name: its folder for "shop.db", else the file name."""
    if shop_path.name == "shop.db" and shop_path.parent.name:
        return shop_path.parent.name
    return shop_path.stem


def open_shop_file(shop_path: Path, create: bool) -> Path:
    """Open (and check, migrate or create) the shop on a worker thread."""
    from engine.store import open_store

    with open_store(shop_path, create=create):
        pass
    return shop_path


def build_demo(shop_path: Path, progress, cancel) -> Path:
    from engine.demo import build_demo_shop

    return Path(build_demo_shop(shop_path, progress=progress, cancel=cancel))


def restore_shop(shop_path: Path, backup: Path, progress):
    """Replace the shop with `backup` (engine.store.backup.restore_backup)."""
    from engine.store.backup import restore_backup

    return restore_backup(shop_path, backup, progress)


def back_up_shop(shop_path: Path, destination: Path) -> Path:
    from engine.store import open_store

    with open_store(shop_path) as store:
        return store.backup(destination)


class MainWindow(QMainWindow):
    """The application window. Slots are named on_<thing>_<event>."""

    shop_opened = Signal(object)  # Path
    # True once the open shop's data is on screen, False when it could not be shown.
    data_shown = Signal(bool)

    def __init__(
        self, runner: JobRunner, settings: QSettings, remember_ui_state: bool = True
    ) -> None:
        super().__init__()
        self.runner = runner
        self.settings = settings
        self.remember_ui_state = remember_ui_state
        self.shop_path: Path | None = None
        # A shop that could not be opened (damaged, say), so it can be restored.
        self.failed_shop_path: Path | None = None
        self.is_data_shown = False
        self.is_closing = False
        self.is_waiting_for_jobs = False

        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.resize(*DEFAULT_SIZE)
        self._build_tabs()
        self._build_status_bar()
        self._build_jobs_dock()
        self._build_menus()
        self.import_flow = ImportFlow(runner, self)
        self._wire_signals()
        self.tab_widget.currentChanged.connect(self._fit_minimum_size_to_tab)
        self._fit_minimum_size_to_tab(self.tab_widget.currentIndex())
        if remember_ui_state:
            self._restore_ui_state()

    # Building ----------------------------------------------------------------

    def _build_tabs(self) -> None:
        self.overview_tab = OverviewTab(self.runner)
        self.recommendations_tab = RecommendationsTab(self.runner)
        self.photos_tab = PhotosTab(self.runner)
        self.reviews_tab = ReviewsTab(self.runner)
        self.voice_tab = VoiceTab(self.runner)
        self.feature_tabs = [
            self.recommendations_tab,
            self.photos_tab,
            self.reviews_tab,
            self.voice_tab,
        ]
        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        self.tab_widget.addTab(self.overview_tab, "Overview")
        self.tab_widget.addTab(self.recommendations_tab, "Recommendations")
        self.tab_widget.addTab(self.photos_tab, "Photos")
        self.tab_widget.addTab(self.reviews_tab, "Reviews")
        self.tab_widget.addTab(self.voice_tab, "Voice search")

        self.notice_area = NoticeArea()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice_area)
        layout.addWidget(self.tab_widget, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        self.shop_label = QLabel("No shop open")
        self.shop_label.setObjectName("shopLabel")
        self.job_status = JobStatus(self.runner)
        self.statusBar().addWidget(self.shop_label, 1)
        self.statusBar().addPermanentWidget(self.job_status)

    def _build_jobs_dock(self) -> None:
        self.jobs_panel = JobsPanel(self.runner)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobsDock")
        self.jobs_dock.setWidget(self.jobs_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.jobs_dock.hide()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_shop_action = self._add_action(
            file_menu,
            "&New shop…",
            self.on_new_shop_triggered,
            QKeySequence.StandardKey.New,
        )
        self.open_shop_action = self._add_action(
            file_menu,
            "&Open shop…",
            self.on_open_shop_triggered,
            QKeySequence.StandardKey.Open,
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self.on_recent_menu_about_to_show)
        file_menu.addSeparator()
        self.import_action = self._add_action(
            file_menu, "&Import…", self.on_import_triggered, QKeySequence("Ctrl+I")
        )
        self.backup_action = self._add_action(
            file_menu,
            "&Back up shop…",
            self.on_backup_triggered,
            QKeySequence("Ctrl+B"),
        )
        self.restore_action = self._add_action(
            file_menu, "&Restore from a backup…", self.on_restore_triggered
        )
        file_menu.addSeparator()
        self.quit_action = self._add_action(
            file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit
        )

        view_menu = self.menuBar().addMenu("&View")
        jobs_action = self.jobs_dock.toggleViewAction()
        jobs_action.setText("&Jobs")
        view_menu.addAction(jobs_action)
        self._update_shop_actions()

    def _add_action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _wire_signals(self) -> None:
        """Connect tabs, the import flow and the status bar in one place."""
        for tab in self.feature_tabs:
            self.overview_tab.counts_loaded.connect(tab.show_counts)
            tab.notice_posted.connect(self.notice_area.post)
        self.tab_widget.currentChanged.connect(self.on_tab_changed)
        self.overview_tab.import_requested.connect(self.on_import_triggered)
        self.overview_tab.load_ended.connect(self.on_overview_load_ended)
        self.import_flow.notice_posted.connect(self.notice_area.post)
        self.import_flow.import_ended.connect(self.on_import_ended)
        self.job_status.jobs_requested.connect(self.on_jobs_requested)

    # Shops -------------------------------------------------------------------

    def start_up(self, shop_path: Path | None = None) -> None:
        """Open `shop_path`, else the last shop, else the demo shop (built first)."""
        if shop_path is not None:
            self.open_shop(Path(shop_path))
            return
        last = self.settings.value("shop/last", "", type=str)
        if last and Path(last).exists():
            self.open_shop(Path(last))
            return
        demo = paths.demo_shop_path()
        if demo.exists():
            self.open_shop(demo)
        else:
            self.build_demo_shop(demo)

    def open_shop(self, shop_path: Path, create: bool = False) -> Job:
        name = shop_display_name(shop_path)
        self.overview_tab.show_preparing(f"Opening {name}…", str(shop_path), None)
        job = self.runner.submit(
            f"Opening {name}",
            lambda progress, cancel: open_shop_file(shop_path, create),
            kind="open",
            lane=Lane.WRITE,
        )
        job.finished.connect(self.on_shop_file_opened)
        job.failed.connect(
            lambda message, details: self.on_shop_open_failed(shop_path, message)
        )
        return job

    def build_demo_shop(self, shop_path: Path) -> Job:
        body = (
            "The first start builds a demo shop with products, photos, orders and "
            "reviews, so you can try every tab before importing your own data."
        )
        self.overview_tab.show_preparing("Preparing the demo shop…", body, 0.0)
        job = self.runner.submit(
            "Building the demo shop",
            lambda progress, cancel: build_demo(shop_path, progress, cancel),
            kind="demo",
            lane=Lane.WRITE,
        )
        job.progressed.connect(
            lambda fraction, text: self.overview_tab.show_preparing(
                "Preparing the demo shop…", f"{body}\n\n{text}", fraction
            )
        )
        job.finished.connect(self.on_demo_built)
        job.failed.connect(
            lambda message, details: self.on_shop_open_failed(None, message)
        )
        job.cancelled.connect(self.on_demo_cancelled)
        return job

    def on_shop_file_opened(self, shop_path: Path) -> None:
        self.shop_path = shop_path
        self.failed_shop_path = None
        self.is_data_shown = False
        name = shop_display_name(shop_path)
        self.setWindowTitle(f"{name} — {APP_TITLE}")
        self.shop_label.setText(f"Shop: {name}    {shop_path}")
        self.shop_label.setToolTip(str(shop_path))
        if self.remember_ui_state:
            self._remember_shop(shop_path)
        for tab in self.feature_tabs:
            tab.show_counts(None)
            tab.set_shop(shop_path)
        self._update_shop_actions()
        self.overview_tab.set_shop(shop_path)
        self.on_tab_changed(self.tab_widget.currentIndex())
        self.shop_opened.emit(shop_path)

    def on_shop_open_failed(self, shop_path: Path | None, message: str) -> None:
        self.overview_tab.show_problem(message)
        self.notice_area.post("error", message)
        if shop_path is not None:
            self._forget_recent(shop_path)
            self.failed_shop_path = shop_path
            self._update_shop_actions()
        self.data_shown.emit(False)

    def on_demo_built(self, shop_path: Path) -> None:
        # The owner may have opened another shop while the demo was being built.
        if self.shop_path is None:
            self.open_shop(Path(shop_path))

    def on_demo_cancelled(self) -> None:
        if self.shop_path is not None:
            return
        self.overview_tab.show_problem(
            "Building the demo shop was cancelled. Choose File > New shop… to start "
            "your own shop, or restart Merchant Assistant to build the demo again."
        )

    def on_overview_load_ended(self, is_shown: bool) -> None:
        self.is_data_shown = is_shown
        self.data_shown.emit(is_shown)

    def _update_shop_actions(self) -> None:
        has_shop = self.shop_path is not None
        self.import_action.setEnabled(has_shop)
        self.backup_action.setEnabled(has_shop)
        self.restore_action.setEnabled(has_shop or self.failed_shop_path is not None)

    # Recent shops ------------------------------------------------------------

    def recent_shops(self) -> list[Path]:
        values = self.settings.value("shop/recent", [], type=list) or []
        return [Path(value) for value in values if value]

    def _remember_shop(self, shop_path: Path) -> None:
        recent = [path for path in self.recent_shops() if path != shop_path]
        recent.insert(0, shop_path)
        self.settings.setValue(
            "shop/recent", [str(path) for path in recent[:MAX_RECENT_SHOPS]]
        )
        self.settings.setValue("shop/last", str(shop_path))

    def _forget_recent(self, shop_path: Path) -> None:
        recent = [str(path) for path in self.recent_shops() if path != shop_path]
        self.settings.setValue("shop/recent", recent)

    def on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_shops()
        if not recent:
            self.recent_menu.addAction("No recent shops").setEnabled(False)
            return
        for shop_path in recent:
            action = self.recent_menu.addAction(
                f"{shop_display_name(shop_path)}  ({shop_path})"
            )
            action.triggered.connect(
                lambda checked=False, shop_path=shop_path: self.open_shop(shop_path)
            )

    # Menu actions ------------------------------------------------------------

    def on_new_shop_triggered(self) -> None:
        dialog = NewShopDialog(paths.shops_dir(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        shop_path = dialog.shop_path()
        if shop_path is not None:
            self.open_shop(shop_path, create=True)

    def on_open_shop_triggered(self) -> None:
        start = str(
            self.shop_path.parent.parent if self.shop_path else paths.shops_dir()
        )
        file_name, _ = QFileDialog.getOpenFileName(
            self, "Open shop", start, "Shop files (*.db);;All files (*)"
        )
        if file_name:
            self.open_shop(Path(file_name))

    def on_import_triggered(self) -> None:
        if self.shop_path is None:
            self.notice_area.post("warning", messages.no_shop_message())
            return
        start = self.settings.value("import/folder", str(Path.home()), type=str)
        file_names, _ = QFileDialog.getOpenFileNames(
            self,
            "Import files",
            start,
            "CSV files (*.csv *.tsv *.txt *.gz);;All files (*)",
        )
        if not file_names:
            return
        self.settings.setValue("import/folder", str(Path(file_names[0]).parent))
        self.import_files([Path(name) for name in file_names])

    def import_files(self, files: list[Path]) -> None:
        if self.shop_path is None:
            self.notice_area.post("warning", messages.no_shop_message())
            return
        self.import_flow.start(self.shop_path, files)

    def on_import_ended(self, report) -> None:
        if self.runner.is_shut_down:
            return  # A cancelled import reports back while the window closes.
        self.tab_widget.setCurrentWidget(self.overview_tab)
        self.overview_tab.refresh()
        for tab in self.feature_tabs:
            tab.data_changed()

    def on_tab_changed(self, index: int) -> None:
        tab = self.tab_widget.widget(index)
        if tab in self.feature_tabs and self.shop_path is not None:
            tab.on_shown()

    def on_backup_triggered(self) -> None:
        if self.shop_path is None:
            return
        name = shop_display_name(self.shop_path)
        today = datetime.date.today().isoformat()
        folder = self.settings.value("backup/folder", str(Path.home()), type=str)
        file_name, _ = QFileDialog.getSaveFileName(
            self,
            "Back up shop",
            str(Path(folder) / f"{name}-backup-{today}.db"),
            "Shop files (*.db)",
        )
        if file_name:
            self.settings.setValue("backup/folder", str(Path(file_name).parent))
            self.back_up(Path(file_name))

    def back_up(self, destination: Path) -> Job:
        shop_path = self.shop_path
        job = self.runner.submit(
            f"Backing up {shop_display_name(shop_path)}",
            lambda progress, cancel: back_up_shop(shop_path, destination),
            kind="backup",
            lane=Lane.WRITE,
            can_cancel=False,
        )
        job.finished.connect(
            lambda path: self.notice_area.post(
                "success", messages.backup_done_message(path)
            )
        )
        job.failed.connect(
            lambda message, details: self.notice_area.post("error", message)
        )
        return job

    def on_restore_triggered(self) -> None:
        from engine.store.backup import list_backups
        from ui.widgets.restore_dialog import RestoreDialog

        shop_path = self.shop_path or self.failed_shop_path
        if shop_path is None:
            return
        if self.runner.has_active_jobs():
            self.notice_area.post("warning", messages.restore_busy_message())
            return
        dialog = RestoreDialog(shop_display_name(shop_path), list_backups(shop_path), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen_path is None:
            return
        answer = QMessageBox.question(
            self,
            "Restore from a backup",
            messages.restore_confirm_message(shop_display_name(shop_path), dialog.chosen_path),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.restore(shop_path, dialog.chosen_path)

    def restore(self, shop_path: Path, backup: Path) -> Job | None:
        """Replace the shop with `backup` in a job, then open it again."""
        if self.runner.has_active_jobs():
            self.notice_area.post("warning", messages.restore_busy_message())
            return None
        job = self.runner.submit(
            f"Restoring {shop_display_name(shop_path)}",
            lambda progress, cancel: restore_shop(shop_path, backup, progress),
            kind="restore",
            lane=Lane.WRITE,
            can_cancel=False,
        )
        job.finished.connect(lambda result: self.on_restore_finished(shop_path, result))
        job.failed.connect(
            lambda message, details: self.notice_area.post("error", message)
        )
        return job

    def on_restore_finished(self, shop_path: Path, result) -> None:
        self.notice_area.post(
            "success",
            messages.restore_done_message(result.restored_from, result.previous_shop),
        )
        self.open_shop(shop_path)

    def on_jobs_requested(self) -> None:
        self.jobs_dock.show()
        self.jobs_dock.raise_()

    def select_tab(self, name: str) -> None:
        """Show the tab called `name` (see TAB_NAMES), ignoring case."""
        self.tab_widget.setCurrentIndex(TAB_NAMES.index(name.lower()))

    # Drag and drop -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(url.isLocalFile() for url in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [
            Path(url.toLocalFile())
            for url in event.mimeData().urls()
            if url.isLocalFile()
        ]
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.on_files_dropped(files)

    def on_files_dropped(self, paths: list[Path]) -> None:
        """Import the dropped files and the files inside dropped folders.

        Photos go to the Photos tab; on that tab everything dropped goes there.
        """
        if self.tab_widget.currentWidget() is self.photos_tab:
            self.photos_tab.add_photos(paths)
            return
        photos, paths = split_photo_drops(paths)
        if photos:
            self.tab_widget.setCurrentWidget(self.photos_tab)
            self.photos_tab.add_photos(photos)
        if not paths:
            return
        if self.shop_path is None:
            self.notice_area.post("warning", messages.no_shop_message())
            return
        self.import_flow.drop(self.shop_path, paths)

    # Closing -----------------------------------------------------------------

    def jobs_to_confirm(self) -> list[Job]:
        """Return the running jobs whose cancelling the owner should confirm."""
        return [job for job in self.runner.active_jobs() if job.kind not in QUIET_KINDS]

    def saving_imports(self) -> list[Job]:
        """Return the running imports that are past the point of cancelling."""
        return [job for job in self.runner.active_jobs() if is_import_saving(job)]

    def confirm_close_message(self) -> str:
        jobs = self.jobs_to_confirm()
        saving = [job for job in jobs if is_import_saving(job)]
        imports = [job for job in jobs if job.kind == "import"]
        if saving and len(jobs) == 1:
            return "The import is saving and cannot stop now. Close when it is done?"
        if saving:
            others = len(jobs) - len(saving)
            other_jobs = "other job" if others == 1 else f"other {others} jobs"
            return (
                f"{len(jobs)} jobs are still running "
                f"({messages.list_names(job.name for job in jobs)}). The import is "
                f"saving and cannot stop now. Cancel the {other_jobs} and close when "
                "the import is done?"
            )
        if len(jobs) == 1 and imports:
            return "An import is still running. Cancel it and close?"
        if len(jobs) == 1:
            return f"“{jobs[0].name}” is still running. Cancel it and close?"
        names = messages.list_names(job.name for job in jobs)
        return f"{len(jobs)} jobs are still running ({names}). Cancel them and close?"

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_waiting_for_jobs:
            # The first close is still waiting for jobs and closes the window after.
            event.ignore()
            return
        if self.jobs_to_confirm() and not self.is_closing:
            answer = QMessageBox.question(
                self,
                "Close Merchant Assistant",
                self.confirm_close_message(),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.is_closing = True
        self.wait_for_jobs()
        self.stop_jobs()
        self._save_ui_state()
        event.accept()

    def wait_for_jobs(self) -> None:
        """Cancel the jobs that can stop and wait for all jobs to end.

        A nested event loop keeps the window painting while it waits, because an
        import's final save is one SQLite commit that cannot be cancelled and may
        take many seconds. User input is held back until the loop ends.
        """
        self.runner.is_shut_down = True
        for job in self.runner.active_jobs():
            if not is_import_saving(job):
                job.cancel()
        if not self.runner.has_active_jobs():
            return

        if self.saving_imports():
            text = "Saving the import… the window closes when it is done."
        else:
            text = "Stopping running jobs… the window closes when they have stopped."
        self.statusBar().showMessage(text)
        self.notice_area.post("info", text)
        self.is_waiting_for_jobs = True
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def on_active_count_changed(count: int) -> None:
            if count == 0:
                loop.quit()

        self.runner.active_count_changed.connect(on_active_count_changed)
        try:
            timer.start(int(SHUTDOWN_TIMEOUT_S * 1000))
            if self.runner.has_active_jobs():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            timer.stop()
            self.runner.active_count_changed.disconnect(on_active_count_changed)
            self.is_waiting_for_jobs = False
        if self.runner.has_active_jobs():
            log.warning(
                "Closing while jobs are still running after %.0f s", SHUTDOWN_TIMEOUT_S
            )

    def on_app_about_to_quit(self) -> None:
        """Stop jobs when the app quits without closing the window first."""
        self.stop_jobs()
        self._save_ui_state()

    def stop_jobs(self) -> None:
        """Cancel every job and block until the worker threads return.

        This blocks the GUI thread, so closing the window waits with `wait_for_jobs`
        first. `QApplication.exit` sends no close event, so exiting that way relies on
        this wait alone.
        """
        if not self.runner.has_active_jobs():
            self.runner.is_shut_down = True
            return
        self.statusBar().showMessage("Stopping running jobs…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if not self.runner.shutdown(SHUTDOWN_TIMEOUT_S):
                log.warning("Closing while jobs are still running")
        finally:
            QApplication.restoreOverrideCursor()

    # UI state ----------------------------------------------------------------

    def _fit_minimum_size_to_tab(self, index: int) -> None:
        # A QTabWidget's minimum size is the largest minimum of its pages, hidden
        # ones included, so the widest tab (Reviews, 1,118 px) would fix the
        # window's minimum width on every tab. Hidden pages get the Ignored size
        # policy, which counts them as size 0, so only the shown tab sets it.
        for position in range(self.tab_widget.count()):
            policy = (
                QSizePolicy.Policy.Preferred
                if position == index
                else QSizePolicy.Policy.Ignored
            )
            self.tab_widget.widget(position).setSizePolicy(policy, policy)

    def _restore_ui_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def _save_ui_state(self) -> None:
        if not self.remember_ui_state:
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
