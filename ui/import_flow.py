"""Import of dropped or chosen files: sniff, ask for columns if needed, import.

Files are handled one after another, so at most one column dialog is open. The
imports themselves run in the write lane of the job runner, one at a time.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from ui import messages
from ui.jobs import JobRunner, Lane
from ui.widgets.mapping_dialog import MappingChoice, MappingDialog

log = logging.getLogger(__name__)

# Suffixes accepted from drops. Excel saves "Unicode Text" as tab-separated .txt,
# and the importers read all of these. The Import… dialog can still pick any file.
IMPORT_SUFFIXES = {".csv", ".tsv", ".txt", ".gz"}
# Files that file managers and sync tools leave in folders. Names starting with "."
# are left out as well: hidden files, and the AppleDouble "._name" files that macOS
# writes next to each file on USB sticks and network drives.
JUNK_FILE_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


def is_importable_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMPORT_SUFFIXES


def is_junk_name(name: str) -> bool:
    return name.startswith(".") or name.lower() in JUNK_FILE_NAMES


@dataclass
class DroppedFiles:
    """Dropped files and folders, sorted into what to import and what to report."""

    to_import: list[Path] = field(default_factory=list)
    # Names of files that are not CSV, TSV or text files, relative to the dropped
    # folder for files found inside one.
    not_importable: list[str] = field(default_factory=list)
    # Names of dropped folders without any file to import.
    empty_folders: list[str] = field(default_factory=list)


def sort_dropped_paths(paths: list[Path], cancel=None) -> DroppedFiles:
    """Expand dropped folders (recursively) and sort files by whether they import.

    Hidden and junk files inside folders are left out without being reported.
    Folders can hold many thousands of files, so `ImportFlow.drop` runs this in a
    job when a folder was dropped; `cancel` is checked once per folder.
    """
    dropped = DroppedFiles()
    for path in paths:
        if path.is_dir():
            _add_folder(path, dropped, cancel)
        elif is_importable_file(path):
            dropped.to_import.append(path)
        else:
            dropped.not_importable.append(path.name)
    return dropped


def _add_folder(folder: Path, dropped: DroppedFiles, cancel=None) -> None:
    found = []
    for root, folder_names, file_names in os.walk(folder):
        if cancel is not None:
            cancel.raise_if_cancelled(f"Looking for files in {folder.name}")
        # Pruning in place keeps os.walk out of hidden folders such as ".git".
        folder_names[:] = sorted(
            name for name in folder_names if not is_junk_name(name)
        )
        for name in sorted(file_names):
            if is_junk_name(name):
                continue
            path = Path(root) / name
            if is_importable_file(path):
                found.append(path)
            else:
                relative = path.relative_to(folder.parent)
                dropped.not_importable.append(relative.as_posix())
    if not found:
        dropped.empty_folders.append(folder.name)
    dropped.to_import.extend(found)


def sniff_file(path: Path):
    """Detect the layout and return (FileSniff, GENERIC_FIELDS). Runs in a job."""
    # Imported here because the importers may load pandas, which stays off start-up.
    from engine.importers import GENERIC_FIELDS, sniff

    return sniff(path), GENERIC_FIELDS


def import_one_file(
    shop_path: Path, path: Path, sniffed, choice: MappingChoice | None, progress, cancel
):
    """Import `path` into the shop at `shop_path` and return the ImportReport.

    Runs in a job. The import itself runs in a child process, so it never holds
    this process's GIL (see engine.importers.process).
    """
    from engine.importers.process import ImportOptions, import_in_process

    if choice is None:
        options = ImportOptions(format=sniffed.format)
    else:
        options = ImportOptions(
            format=sniffed.format,
            mapping=choice.mapping,
            encoding=choice.encoding,
            kind=choice.kind,
        )
    return import_in_process(shop_path, path, options, progress, cancel)


class ImportFlow(QObject):
    """Takes files through sniffing, the column dialog and the import job."""

    # Emitted after each import job ends, whatever its outcome, so views can refresh.
    import_ended = Signal(object)  # ImportReport, or None when the job failed
    notice_posted = Signal(str, str)  # level, text

    def __init__(self, runner: JobRunner, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.runner = runner
        self.dialog_parent = dialog_parent
        self.queue: deque[tuple[Path, Path]] = deque()
        self.dialog: MappingDialog | None = None
        self.is_busy = False

    def drop(self, shop_path: Path, paths: list[Path]) -> None:
        """Import dropped files and the importable files inside dropped folders.

        Files that cannot be imported are reported in one notice. Folders are
        walked in a job, because a large folder takes seconds to walk.
        """
        if not any(path.is_dir() for path in paths):
            self.on_drop_sorted(shop_path, sort_dropped_paths(paths))
            return
        names = messages.list_names(path.name for path in paths)
        job = self.runner.submit(
            f"Looking for files in {names}",
            lambda progress, cancel: sort_dropped_paths(paths, cancel),
            kind="scan",
        )
        job.finished.connect(lambda dropped: self.on_drop_sorted(shop_path, dropped))
        job.failed.connect(lambda message, details: self.notice_posted.emit("error", message))

    def on_drop_sorted(self, shop_path: Path, dropped: DroppedFiles) -> None:
        if self.runner.is_shut_down:
            return
        if dropped.not_importable or dropped.empty_folders:
            text = messages.skipped_drops_message(
                dropped.not_importable, dropped.empty_folders
            )
            self.notice_posted.emit("warning", text)
        if dropped.to_import:
            self.start(shop_path, dropped.to_import)

    def start(self, shop_path: Path, files: list[Path]) -> None:
        self.queue.extend((shop_path, Path(path)) for path in files)
        if not self.is_busy:
            self._next_file()

    def _next_file(self) -> None:
        self.dialog = None
        if self.runner.is_shut_down:
            self.queue.clear()
        if not self.queue:
            self.is_busy = False
            return
        self.is_busy = True
        shop_path, path = self.queue.popleft()
        job = self.runner.submit(
            f"Reading {path.name}",
            lambda progress, cancel: sniff_file(path),
            kind="sniff",
        )
        job.finished.connect(
            lambda result: self.on_sniff_finished(shop_path, path, result)
        )
        job.failed.connect(lambda message, details: self.on_sniff_failed(message))
        job.cancelled.connect(self._next_file)

    def on_sniff_finished(self, shop_path: Path, path: Path, result) -> None:
        if self.runner.is_shut_down:
            return  # The window is closing, so no import starts.
        sniffed, generic_fields = result
        if sniffed.format != "generic":
            self._submit_import(shop_path, path, sniffed, None)
            self._next_file()
            return

        self.dialog = MappingDialog(sniffed, generic_fields, self.dialog_parent)
        self.dialog.finished.connect(
            lambda result_code: self.on_dialog_finished(
                shop_path, path, sniffed, result_code
            )
        )
        self.dialog.open()

    def on_dialog_finished(
        self, shop_path: Path, path: Path, sniffed, result_code: int
    ) -> None:
        dialog = self.dialog
        if dialog is not None and result_code == QDialog.DialogCode.Accepted:
            self._submit_import(shop_path, path, sniffed, dialog.choice())
        else:
            self.notice_posted.emit(
                "info", messages.mapping_rejected_message(path.name)
            )
        if dialog is not None:
            dialog.deleteLater()
        self._next_file()

    def on_sniff_failed(self, message: str) -> None:
        self.notice_posted.emit("error", message)
        self._next_file()

    def _submit_import(
        self, shop_path: Path, path: Path, sniffed, choice: MappingChoice | None
    ) -> None:
        job = self.runner.submit(
            f"Importing {path.name}",
            lambda progress, cancel: import_one_file(
                shop_path, path, sniffed, choice, progress, cancel
            ),
            kind="import",
            lane=Lane.WRITE,
        )
        job.finished.connect(self.on_import_finished)
        job.failed.connect(lambda message, details: self.on_import_failed(message))
        job.cancelled.connect(lambda: self.on_import_cancelled(path))

    def on_import_finished(self, report) -> None:
        name = Path(report.file).name
        if report.status == "cancelled":
            self.notice_posted.emit("info", messages.import_cancelled_message(name))
        elif report.status == "failed":
            text = messages.import_failed_message(name, report.warnings)
            self.notice_posted.emit("error", text)
        else:
            # `skipped` lists the first rows only, and `skipped_total` counts them all.
            skipped = max(report.skipped_total, len(report.skipped))
            text = messages.import_summary_message(
                name,
                report.imported,
                report.updated,
                report.unchanged,
                skipped,
                notes=report.warnings,
            )
            self.notice_posted.emit("warning" if skipped else "success", text)
        self.import_ended.emit(report)

    def on_import_failed(self, message: str) -> None:
        self.notice_posted.emit("error", message)
        self.import_ended.emit(None)

    def on_import_cancelled(self, path: Path) -> None:
        self.notice_posted.emit("info", messages.import_cancelled_message(path.name))
        self.import_ended.emit(None)
