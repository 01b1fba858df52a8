"""Photos tab: drop photos, see suggested tags, fix them, and train the tagger.

Everything slow runs through the job runner: finding photos in dropped folders,
tagging, thumbnails (in chunks, so the grid fills in while the window stays
responsive), listing, corrections and training.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.formatting import plural
from ui.jobs import Lane
from ui.tabs.feature_tab import FeatureTab
from ui.widgets.photo_grid import PhotoGrid, PhotoItem, make_thumbnail, thumbnail_icon
from ui.widgets.photo_tags import PhotoTagsPanel

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts

log = logging.getLogger(__name__)

# Thumbnails are made in jobs of this many photos. Turning one job's result into
# icons on the GUI thread takes well under the 200 ms that a stall would show.
THUMBNAIL_CHUNK = 24
# A drop with more photos than this is tagged only after the owner confirms it.
CONFIRM_ABOVE = 500
MAX_PROBLEMS_LISTED = 5
MAX_SKIPPED_NAMED = 4


class PhotosTab(FeatureTab):
    """Drop zone, thumbnail grid, tag chips and training of the photo tagger."""

    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.setAcceptDrops(True)
        self.is_loaded = False
        self.tagging_job = None
        self.training_job = None
        self.thumbnail_job = None
        # Tagging and training jobs that show the progress bar. A drop while
        # another is tagged queues a second tagging job, and Cancel stops both.
        self.busy_jobs: list = []
        self.last_report = None
        self._build()

    # Layout -----------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._drop_zone())
        layout.addLayout(self._toolbar())

        self.problems_label = QLabel("")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.problems_label.setStyleSheet("color: #8a4b00;")
        self.problems_label.hide()
        self.all_problems_button = QPushButton("Show all")
        self.all_problems_button.setToolTip(
            "List every file of the last drop that was not tagged or was skipped"
        )
        self.all_problems_button.clicked.connect(self.on_all_problems_clicked)
        self.all_problems_button.hide()
        self._problems: list = []
        self._skipped: list[Path] = []
        problems_row = QHBoxLayout()
        problems_row.addWidget(self.problems_label, 1)
        problems_row.addWidget(self.all_problems_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(problems_row)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.grid = PhotoGrid()
        self.grid.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.tags_panel = PhotoTagsPanel()
        self.tags_panel.tag_status_requested.connect(self.on_tag_status_requested)
        self.tags_panel.add_requested.connect(self.on_add_requested)
        self.tags_panel.link_requested.connect(self.on_link_requested)
        self.tags_panel.similar_requested.connect(self.on_similar_requested)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.tags_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 420])
        layout.addWidget(splitter, 1)

    def _drop_zone(self) -> QFrame:
        zone = QFrame()
        zone.setObjectName("photoDropZone")
        zone.setStyleSheet(
            "#photoDropZone { border: 2px dashed #9aa5b1; border-radius: 8px; background: #f7f9fb; }"
        )
        row = QHBoxLayout(zone)
        self.drop_label = QLabel(
            "Drop product photos or folders here (folders are searched, other files are "
            "skipped). Each photo gets category, object, colour and product suggestions."
        )
        self.drop_label.setWordWrap(True)
        self.add_button = QPushButton("Add photos…")
        self.add_button.clicked.connect(self.on_add_photos_clicked)
        row.addWidget(self.drop_label, 1)
        row.addWidget(self.add_button)
        return zone

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by tag, e.g. blue or backpack")
        self.filter_edit.setAccessibleName("Filter by tag")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.returnPressed.connect(self.refresh)
        self.filter_edit.textChanged.connect(self.on_filter_text_changed)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        self.cancel_button.hide()
        self.train_button = QPushButton("Train tagger")
        self.train_button.setToolTip(
            "Learn the shop's categories from the catalog photos and your corrections"
        )
        self.train_button.clicked.connect(self.on_train_clicked)
        self.accuracy_label = QLabel("")
        row.addWidget(self.filter_edit, 2)
        row.addWidget(self.status_label, 3)
        row.addWidget(self.progress_bar)
        row.addWidget(self.cancel_button)
        row.addWidget(self.accuracy_label)
        row.addWidget(self.train_button)
        return row

    # Window contract --------------------------------------------------------

    def set_shop(self, shop_path: Path | None) -> None:
        super().set_shop(shop_path)
        self.is_loaded = False
        self.grid.photo_model.set_items([])
        self.tags_panel.show_photo(None, 0)
        self.problems_label.hide()
        self.all_problems_button.hide()
        has_shop = shop_path is not None
        self.add_button.setEnabled(has_shop)
        self.train_button.setEnabled(has_shop)
        self.accuracy_label.setText("")
        self.status_label.setText(
            "Loading photos…" if has_shop else "Open a shop to tag its photos."
        )
        if self.isVisible():
            self.on_shown()

    def show_counts(self, counts: ShopCounts | None) -> None:
        if counts is None:
            self.status_label.setText("Open a shop to tag its photos.")
        elif counts.photos == 0:
            self.status_label.setText("This shop has no photos yet. Drop some here.")

    def data_changed(self) -> None:
        self.is_loaded = False
        if self.isVisible():
            self.on_shown()

    def on_shown(self) -> None:
        if self.shop_path is not None and not self.is_loaded:
            self.is_loaded = True
            self.refresh()
            self._show_model_state()

    # Listing and thumbnails -------------------------------------------------

    def refresh(self) -> None:
        """Reload the photo list, applying the tag filter."""
        if self.shop_path is None or not self.is_runner_available:
            return
        shop, tag = self.shop_path, self.filter_edit.text().strip() or None

        def list_shop_photos(progress, cancel):
            # Imported here, on the worker thread: the first import loads Pillow,
            # which stalled the window when the tab was first shown.
            from engine.vision.service import list_photos

            return list_photos(shop, tag)

        job = self.runner.submit("Loading photos", list_shop_photos, kind="photos")
        job.finished.connect(partial(self.on_photos_listed, shop))
        job.failed.connect(self.on_job_failed)

    def on_photos_listed(self, shop: Path, rows: list) -> None:
        # The listing job has imported the module, so this costs the GUI thread nothing.
        from engine.vision.service import LIST_LIMIT

        if shop != self.shop_path:
            return
        self.grid.photo_model.set_items([photo_item(row) for row in rows])
        self.tags_panel.show_photo(None, 0)
        tag = self.filter_edit.text().strip()
        if len(rows) >= LIST_LIMIT:
            self.status_label.setText(
                f"Showing the first {LIST_LIMIT:,} photos. Type a tag in the filter "
                "to find the others."
            )
        elif tag:
            self.status_label.setText(f"{plural(len(rows), 'photo')} tagged {tag!r}.")
        else:
            self.status_label.setText(f"{plural(len(rows), 'photo')} in this shop.")
        self.load_thumbnails()

    def on_filter_text_changed(self, text: str) -> None:
        if not text:
            self.refresh()

    def load_thumbnails(self) -> None:
        """Make the next chunk of missing thumbnails in a job; repeats until done."""
        # The window shuts the runner down on close, after which no chunk may start.
        if (
            self.runner is None
            or self.runner.is_shut_down
            or self.thumbnail_job is not None
        ):
            return
        missing = [
            item
            for item in self.grid.photo_model.missing_thumbnails()
            if item.path.exists()
        ]
        if not missing:
            return
        chunk = [(item.photo_id, item.path) for item in missing[:THUMBNAIL_CHUNK]]

        def make(progress, cancel):
            made = []
            for photo_id, path in chunk:
                cancel.raise_if_cancelled("Making thumbnails")
                made.append((photo_id, make_thumbnail(path)))
            return made

        self.thumbnail_job = self.runner.submit(
            "Making thumbnails", make, kind="thumbnails"
        )
        self.thumbnail_job.finished.connect(
            partial(self.on_thumbnails_made, self.shop_path)
        )
        self.thumbnail_job.ended.connect(self.on_thumbnail_job_ended)

    def on_thumbnails_made(self, shop: Path, made: list) -> None:
        # Photo ids repeat across shops, so another shop's thumbnails are dropped.
        if shop != self.shop_path:
            return
        for photo_id, thumbnail in made:
            if thumbnail is not None:
                self.grid.photo_model.set_icon(photo_id, thumbnail_icon(*thumbnail))
            else:
                item = self.grid.photo_model.item_for(photo_id)
                if item is not None:
                    # An unreadable file keeps its placeholder and is not retried.
                    self.grid.photo_model.set_icon(
                        photo_id, self.grid.photo_model._placeholder
                    )

    def on_thumbnail_job_ended(self) -> None:
        job, self.thumbnail_job = self.thumbnail_job, None
        if job is not None and job.state.value == "finished":
            self.load_thumbnails()

    # Dropping and tagging ---------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and self.shop_path is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [
            Path(url.toLocalFile())
            for url in event.mimeData().urls()
            if url.isLocalFile()
        ]
        if paths:
            event.acceptProposedAction()
            self.add_photos(paths)

    def on_add_photos_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Add photos",
            "",
            "Photos (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif *.avif)",
        )
        if files:
            self.add_photos([Path(file) for file in files])

    def add_photos(self, paths: list[Path]) -> None:
        """Tag the dropped photo files and the photos inside dropped folders."""
        if self.shop_path is None or self.runner is None:
            self.notice_posted.emit(
                "warning", "Open a shop first, then drop the photos again."
            )
            return
        from engine.vision.files import collect_photo_files

        job = self.runner.submit(
            "Finding dropped photos",
            lambda progress, cancel: collect_photo_files(paths, cancel),
            kind="photos",
        )
        job.finished.connect(self.on_photos_collected)
        job.failed.connect(self.on_job_failed)

    def on_photos_collected(self, collected) -> None:
        """Tag the photos found, after a confirmation when there are very many."""
        from engine.vision.service import tag_photos

        if not self.is_runner_available:
            return
        count = len(collected.photos)
        if count > CONFIRM_ABOVE and not self._confirm_many(count):
            self.status_label.setText(f"Did not tag the {count:,} dropped photos.")
            return
        if count == 0:
            self._show_problems([], collected.skipped)
            self.status_label.setText("No photos were found in what was dropped.")
            return

        shop = self.shop_path

        def tag(progress, cancel):
            return collected, tag_photos(
                shop, collected.photos, progress=progress, cancel=cancel
            )

        self.tagging_job = self.runner.submit(
            f"Tagging {plural(count, 'photo')}", tag, kind="photos", lane=Lane.WRITE
        )
        self._show_busy(self.tagging_job, "Tagging photos…")
        self.tagging_job.finished.connect(self.on_tagging_finished)
        self.tagging_job.cancelled.connect(self.on_tagging_cancelled)
        self.tagging_job.failed.connect(self.on_job_failed)

    def _confirm_many(self, count: int) -> bool:
        answer = QMessageBox.question(
            self,
            "Tag many photos",
            f"The drop contains {count:,} photos. Tagging them takes a while and "
            "copies each into the shop folder. Tag them all?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_tagging_finished(self, result) -> None:
        collected, report = result
        self.last_report = report
        self.grid.photo_model.upsert([photo_item(photo) for photo in report.photos])
        self.load_thumbnails()
        self.status_label.setText(tagging_summary(report, collected.skipped))
        self._show_problems(report.problems, collected.skipped)
        level = "warning" if report.problems else "success"
        self.notice_posted.emit(level, tagging_summary(report, collected.skipped))
        if report.photos:
            first = self.grid.photo_model.index(0)
            self.grid.setCurrentIndex(first)

    def on_tagging_cancelled(self) -> None:
        self.status_label.setText(
            "Tagging was cancelled. Photos tagged before the cancel are kept; drop the "
            "rest again to tag them."
        )
        self.refresh()

    def _show_problems(self, problems: list, skipped: list[Path]) -> None:
        lines = [
            f"Not tagged: {problem.message}"
            for problem in problems[:MAX_PROBLEMS_LISTED]
        ]
        if len(problems) > MAX_PROBLEMS_LISTED:
            lines.append(
                f"… and {plural(len(problems) - MAX_PROBLEMS_LISTED, 'more file')}."
            )
        if skipped:
            names = ", ".join(path.name for path in skipped[:MAX_SKIPPED_NAMED])
            more = ", …" if len(skipped) > MAX_SKIPPED_NAMED else ""
            lines.append(f"{skipped_files(len(skipped))}: {names}{more}")
        self.problems_label.setText("\n".join(lines))
        self.problems_label.setVisible(bool(lines))
        self._problems, self._skipped = list(problems), list(skipped)
        self.all_problems_button.setVisible(
            len(problems) > MAX_PROBLEMS_LISTED or len(skipped) > MAX_SKIPPED_NAMED
        )

    def all_problems_text(self) -> str:
        """Return every problem and skipped file of the last drop, one per line."""
        lines = [f"Not tagged: {problem.message}" for problem in self._problems]
        lines += [f"Skipped, not a photo: {path}" for path in self._skipped]
        return "\n".join(lines)

    def on_all_problems_clicked(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Files not tagged")
        parts = []
        if self._problems:
            parts.append(f"Could not tag {plural(len(self._problems), 'file')}.")
        if self._skipped:
            parts.append(f"{skipped_files(len(self._skipped))}.")
        parts.append(
            "Click Show Details for the full list, then fix or convert those files "
            "and drop them again."
        )
        box.setText(" ".join(parts))
        box.setDetailedText(self.all_problems_text())
        box.exec()

    # Selection and corrections ---------------------------------------------

    def on_selection_changed(self, *args) -> None:
        ids = self.grid.selected_ids()
        current = self.grid.currentIndex()
        item = None
        if (
            current.isValid()
            and self.grid.photo_model.items[current.row()].photo_id in ids
        ):
            item = self.grid.photo_model.items[current.row()]
        elif ids:
            item = self.grid.photo_model.item_for(ids[0])
        self.tags_panel.show_photo(item, len(ids))

    def on_tag_status_requested(self, tag_id: int, status: str) -> None:
        from engine.vision.service import set_tag_status

        self._write(
            lambda store: set_tag_status(store, [tag_id], status),
            [self.tags_panel.photo_id],
        )

    def on_add_requested(self, kind: str, value: str) -> None:
        from engine.vision.service import add_tag

        ids = self.grid.selected_ids()
        if not ids:
            return
        self._write(lambda store: add_tag(store, ids, kind, value), ids)
        self.notice_posted.emit(
            "success", f"Added the {kind} tag {value!r} to {plural(len(ids), 'photo')}."
        )

    def on_link_requested(self, photo_id: int, sku: str) -> None:
        from engine.vision.service import link_photo

        self._write(lambda store: link_photo(store, photo_id, sku), [photo_id])

    def _write(self, change, photo_ids: list) -> None:
        """Apply a correction in a write job, then reload the changed photos' tags."""
        from engine.store import open_store
        from engine.vision.service import list_photos

        shop = self.shop_path

        def apply(progress, cancel):
            with open_store(shop) as store:
                change(store)
            wanted = set(photo_ids)
            return [row for row in list_photos(shop) if row.photo_id in wanted]

        job = self.runner.submit(
            "Saving tag changes",
            apply,
            kind="photos",
            lane=Lane.WRITE,
            can_cancel=False,
        )
        job.finished.connect(self.on_tags_saved)
        job.failed.connect(self.on_job_failed)

    def on_tags_saved(self, rows: list) -> None:
        self.grid.photo_model.upsert([photo_item(row) for row in rows])
        self.on_selection_changed()

    def on_similar_requested(self, photo_id: int) -> None:
        from engine.store import open_store
        from engine.vision.service import similar_products

        shop = self.shop_path

        def find(progress, cancel):
            with open_store(shop) as store:
                return similar_products(store, photo_id)

        job = self.runner.submit("Finding similar products", find, kind="photos")
        job.finished.connect(partial(self.on_similar_found, photo_id))
        job.failed.connect(self.on_job_failed)

    def on_similar_found(self, photo_id: int, products: list) -> None:
        # The owner may have selected another photo while the search ran.
        if self.tags_panel.photo_id == photo_id:
            self.tags_panel.show_similar(products)

    # Training ---------------------------------------------------------------

    def on_train_clicked(self) -> None:
        if self.shop_path is None or self.runner is None:
            return
        from engine.vision.service import train_tagger

        shop = self.shop_path
        self.training_job = self.runner.submit(
            "Training the photo tagger",
            lambda progress, cancel: train_tagger(
                shop, progress=progress, cancel=cancel
            ),
            kind="training",
            lane=Lane.WRITE,
        )
        self.train_button.setEnabled(False)
        self._show_busy(self.training_job, "Training…")
        self.training_job.finished.connect(self.on_training_finished)
        self.training_job.cancelled.connect(self.on_training_cancelled)
        self.training_job.failed.connect(self.on_job_failed)
        self.training_job.ended.connect(
            lambda: self.train_button.setEnabled(self.shop_path is not None)
        )

    def on_training_finished(self, summary) -> None:
        self.accuracy_label.setText(accuracy_text(summary.validation_accuracy))
        text = (
            f"Trained the tagger on {plural(summary.training_photos, 'photo')} in "
            f"{plural(len(summary.classes), 'category', 'categories')}. "
            f"{accuracy_sentence(summary.validation_accuracy, summary.validation_photos)} "
            "Drop photos again to get category suggestions from it."
        )
        self.status_label.setText(text)
        self.notice_posted.emit("success", text)

    def on_training_cancelled(self) -> None:
        self.status_label.setText(
            "Training was cancelled. The tagger in use did not change."
        )

    def _show_model_state(self) -> None:
        shop = self.shop_path

        def read(progress, cancel):
            from engine import modelstore
            from ui.shop_access import open_for_reading

            # Read-only, without open_store's quick_check of the whole file.
            with open_for_reading(shop) as store:
                record = modelstore.active_model(store, "vision")
            if record is None:
                return "Not trained yet"
            return accuracy_text(record.metrics.get("validation_accuracy"))

        job = self.runner.submit("Reading the photo tagger", read, kind="photos")
        job.finished.connect(self.accuracy_label.setText)

    # Shared -----------------------------------------------------------------

    def _show_busy(self, job, text: str) -> None:
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.status_label.setText(text)
        self.busy_jobs = [other for other in self.busy_jobs if other.is_active]
        self.busy_jobs.append(job)
        job.progressed.connect(self.on_job_progressed)
        job.ended.connect(self.on_busy_job_ended)

    def on_job_progressed(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(int(fraction * 1000))
        self.status_label.setText(text)

    def on_busy_job_ended(self) -> None:
        if not any(job.is_active for job in self.busy_jobs):
            self.progress_bar.hide()
            self.cancel_button.hide()

    def on_cancel_clicked(self) -> None:
        for job in self.busy_jobs:
            if job.is_active:
                job.cancel()
        self.cancel_button.setEnabled(False)
        self.status_label.setText("Cancelling after the current batch of photos…")

    def on_job_failed(self, message: str, details: str) -> None:
        self.status_label.setText(message)
        self.notice_posted.emit("error", message)


def photo_item(row) -> PhotoItem:
    """Build a grid item from a PhotoRow or a TaggedPhoto."""
    tags = [tag for tag in row.tags if tag.status != "removed"]
    best = {}
    for tag in tags:
        best.setdefault(tag.kind, tag)
    caption_parts = [
        best[kind].value.split("/")[-1]
        for kind in ("category", "colour")
        if kind in best
    ]
    if not caption_parts and "object" in best:
        caption_parts.append(best["object"].value)
    title = getattr(row, "product_title", None)
    path = _absolute(row)
    name = getattr(row, "original_name", None) or Path(row.path).name
    caption = " · ".join(caption_parts) or title or name
    tooltip = "\n".join(
        f"{tag.kind}: {tag.value}"
        + (f" ({tag.confidence:.0%})" if tag.confidence is not None else "")
        for tag in tags
    )
    return PhotoItem(
        photo_id=row.photo_id,
        path=path,
        caption=caption,
        tooltip=tooltip,
        tags=list(row.tags),
        product_sku=row.product_sku,
        product_title=title,
        name=name,
    )


def _absolute(row) -> Path:
    # A TaggedPhoto's grid image is its copy in the shop, not the dropped file.
    return getattr(row, "stored_path", None) or row.path


def accuracy_text(accuracy: float | None) -> str:
    if accuracy is None:
        return "Accuracy not measured"
    return f"Category accuracy {accuracy:.0%}"


def accuracy_sentence(accuracy: float | None, photos: int) -> str:
    if accuracy is None:
        return (
            "Accuracy was not measured because there are too few products per category."
        )
    return f"It named the category of {accuracy:.0%} of {plural(photos, 'photo')} of held-out products correctly."


def skipped_files(count: int) -> str:
    """Return "Skipped N files that are not photos", singular for one file."""
    if count == 1:
        return "Skipped 1 file that is not a photo"
    return f"Skipped {count:,} files that are not photos"


def tagging_summary(report, skipped: list[Path]) -> str:
    # One photo dropped under two names is one entry per name in the report.
    photo_count = len({photo.photo_id for photo in report.photos})
    parts = [f"Tagged {plural(photo_count, 'photo')}."]
    if report.problems:
        parts.append(
            f"{plural(len(report.problems), 'file')} could not be tagged (listed above the photos)."
        )
    if skipped:
        parts.append(f"{skipped_files(len(skipped))}.")
    if report.photos and not report.has_category_head:
        parts.append("Click Train tagger to get category suggestions too.")
    return " ".join(parts)


# Files that decide a dropped folder is a photo folder. Importable data files
# (CSV, TSV, text) make it an import instead.
_DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".gz", ".xlsx"}
_FOLDER_SCAN_LIMIT = 2000


def split_photo_drops(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Split dropped paths into photos (files or photo folders) and everything else.

    A folder counts as photos when it contains more photo files than data files,
    looking at up to 2,000 files inside it.
    """
    from engine.vision.files import PHOTO_SUFFIXES, is_junk

    photos, rest = [], []
    for path in map(Path, paths):
        if path.is_dir():
            photo_count = data_count = seen = 0
            for root, folders, names in os.walk(path):
                folders[:] = [name for name in folders if not name.startswith(".")]
                for name in names:
                    suffix = Path(name).suffix.lower()
                    if is_junk(Path(name)):
                        continue
                    photo_count += suffix in PHOTO_SUFFIXES
                    data_count += suffix in _DATA_SUFFIXES
                    seen += 1
                if seen >= _FOLDER_SCAN_LIMIT:
                    break
            (photos if photo_count > data_count else rest).append(path)
        elif path.suffix.lower() in PHOTO_SUFFIXES:
            photos.append(path)
        else:
            rest.append(path)
    return photos, rest
