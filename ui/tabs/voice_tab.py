"""Voice search tab: find a product by speaking or typing its name.

Recording, recognition and search run as background jobs. The recording job
reports the input level through a thread-safe value that a GUI timer reads, so
the worker thread never touches a widget.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.jobs import Lane
from ui.tabs.feature_tab import FeatureTab
from ui.widgets.voice_level_meter import FLOOR_DBFS, VoiceLevelMeter
from ui.widgets.voice_results import THUMBNAIL_PX, ResultRow, VoiceResultsTable

if TYPE_CHECKING:
    from engine.search.ranking import SearchResults
    from engine.store.queries import ShopCounts
    from ui.jobs import Job

log = logging.getLogger(__name__)

# Typed text is searched once typing pauses this long.
TYPING_PAUSE_MS = 300
# A press of the microphone button longer than this is push-to-talk: releasing
# it stops the recording. A shorter click records until the speaker pauses.
HOLD_MS = 400
RESULTS_SHOWN = 20
# Tests switch off loading the sentence model, which takes about 10 s.
LOAD_EMBEDDINGS = True
# From this many products on, the catalog is indexed as soon as the shop's counts
# are known, not at the first search. Indexing takes about 2.4 s of CPU time for
# 50,000 products (`python -m bench scale`), so below this the first search
# spends an estimated 0.25 s or less on it.
PREBUILD_MIN_PRODUCTS = 5_000

NO_MICROPHONE = "No microphone found"
NO_SHOP_TEXT = "Open a shop to search its products."
HINT_TEXT = (
    "Click the button and say a product name, or hold it (or Space) while you speak."
)


def build_result_rows(shop_path: Path, results: SearchResults) -> list[ResultRow]:
    """Turn search results into table rows, decoding thumbnails (worker thread)."""
    rows = []
    for result in results.results:
        thumbnail = None
        if result.photo:
            image = QImage(str(shop_path.parent / result.photo))
            if not image.isNull():
                thumbnail = image.scaled(
                    THUMBNAIL_PX,
                    THUMBNAIL_PX,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
        price = "" if result.price is None else f"{result.price:,.2f} {result.currency or ''}"
        rows.append(
            ResultRow(
                sku=result.sku,
                title=result.title,
                price=price.strip(),
                category=result.category,
                reasons="; ".join(result.reasons),
                thumbnail=thumbnail,
            )
        )
    return rows


class VoiceTab(FeatureTab):
    """Microphone button, level meter, transcript, typed search and results."""

    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.devices: list = []
        self.recorder = None
        self.record_job: Job | None = None
        self.search_job: Job | None = None
        self.prepare_job: Job | None = None
        self.is_prepared = False
        self.is_index_requested = False
        self.index_job: Job | None = None
        # A search typed while the catalog is being indexed: (job name, work).
        self._waiting_search: tuple | None = None
        self._level_lock = threading.Lock()
        self._latest_level = FLOOR_DBFS
        self._pressed_at = 0.0
        self._search_counter = 0
        self._build()
        self.typing_timer = QTimer(self)
        self.typing_timer.setSingleShot(True)
        self.typing_timer.setInterval(TYPING_PAUSE_MS)
        self.typing_timer.timeout.connect(self.on_typing_paused)
        self.level_timer = QTimer(self)
        self.level_timer.setInterval(50)
        self.level_timer.timeout.connect(self.on_level_timer_timeout)
        self.set_shop(None)

    # -- layout --------------------------------------------------------------

    def _build(self) -> None:
        self.mic_button = QPushButton("Hold to speak")
        self.mic_button.setObjectName("micButton")
        self.mic_button.setMinimumSize(180, 64)
        font = self.mic_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.mic_button.setFont(font)
        self.mic_button.setToolTip(NO_MICROPHONE)
        self.mic_button.setEnabled(False)
        self.mic_button.pressed.connect(self.on_mic_button_pressed)
        self.mic_button.released.connect(self.on_mic_button_released)

        self.level_meter = VoiceLevelMeter()
        self.device_combo = QComboBox()
        self.device_combo.setMinimumWidth(220)
        self.device_combo.setToolTip("Microphone used for voice search")
        self.refresh_button = QPushButton("Refresh devices")
        self.refresh_button.clicked.connect(self.refresh_devices)
        self.open_button = QPushButton("Open a recording…")
        self.open_button.setToolTip("Search with the speech in a WAV file")
        self.open_button.clicked.connect(self.on_open_button_clicked)

        device_row = QHBoxLayout()
        device_row.addWidget(QLabel("Microphone:"))
        device_row.addWidget(self.device_combo, 1)
        device_row.addWidget(self.refresh_button)
        device_row.addWidget(self.open_button)
        controls = QVBoxLayout()
        controls.addLayout(device_row)
        controls.addWidget(self.level_meter)
        self.hint_label = QLabel(HINT_TEXT)
        self.hint_label.setWordWrap(True)
        controls.addWidget(self.hint_label)
        top = QHBoxLayout()
        top.addWidget(self.mic_button)
        top.addLayout(controls, 1)

        self.transcript_edit = QLineEdit()
        self.transcript_edit.setPlaceholderText("What was heard appears here; edit it to search again")
        self.transcript_edit.textEdited.connect(self.on_text_edited)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Type a product name, e.g. red retrospot lunch bag")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textEdited.connect(self.on_text_edited)
        self.search_edit.returnPressed.connect(self.on_typing_paused)
        self.transcript_edit.returnPressed.connect(self.on_typing_paused)

        text_rows = QVBoxLayout()
        for label, edit in (("Heard:", self.transcript_edit), ("Search:", self.search_edit)):
            row = QHBoxLayout()
            caption = QLabel(label)
            caption.setMinimumWidth(56)
            row.addWidget(caption)
            row.addWidget(edit, 1)
            text_rows.addLayout(row)

        self.status_label = QLabel(NO_SHOP_TEXT)
        self.status_label.setObjectName("voiceStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results_table = VoiceResultsTable()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(text_rows)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results_table, 1)

    # -- FeatureTab contract ---------------------------------------------------

    def set_shop(self, shop_path: Path | None) -> None:
        super().set_shop(shop_path)
        self.is_prepared = False
        self.results_table.show_rows([])
        has_shop = shop_path is not None
        for widget in (self.search_edit, self.transcript_edit, self.open_button):
            widget.setEnabled(has_shop)
        self._update_mic_button()
        self.status_label.setText(NO_SHOP_TEXT if not has_shop else "")
        self.is_index_requested = False
        self.index_job = None
        self._waiting_search = None

    def show_counts(self, counts: ShopCounts | None) -> None:
        if counts is not None and counts.products >= PREBUILD_MIN_PRODUCTS:
            self.index_catalog()
        if counts is not None and counts.products == 0:
            self.status_label.setText(
                "This shop has no products yet, so there is nothing to search. Import "
                "a products export with File > Import…."
            )

    def data_changed(self) -> None:
        # The search checks the catalog signature on every query, so new products
        # are found at once; only the name embeddings need computing again.
        self.is_prepared = False
        self.is_index_requested = False
        if self.isVisible():
            self.prepare()

    def on_shown(self) -> None:
        if self.runner is None:
            return
        if not self.devices:
            self.refresh_devices()
        self.prepare()

    # -- devices -------------------------------------------------------------

    def refresh_devices(self) -> None:
        """List the input devices again, e.g. after plugging in a headset."""
        from engine.voice.errors import NoMicrophoneError
        from engine.voice.sources import list_input_devices

        try:
            self.devices = list_input_devices()
            problem = "" if self.devices else "this computer reports no input device"
        except NoMicrophoneError as error:
            self.devices = []
            problem = error.detail
        self.device_combo.clear()
        for device in self.devices:
            label = f"{device.name} ({device.sample_rate / 1000:g} kHz)"
            self.device_combo.addItem(label + (" — default" if device.is_default else ""))
            if device.is_default:
                self.device_combo.setCurrentIndex(self.device_combo.count() - 1)
        self.device_combo.setEnabled(bool(self.devices))
        if not self.devices:
            self.device_combo.addItem(NO_MICROPHONE)
            self.hint_label.setText(
                f"{NO_MICROPHONE} ({problem}). Typed search and Open a recording… "
                "still work. Connect a microphone and choose Refresh devices."
            )
        else:
            self.hint_label.setText(HINT_TEXT)
        self._update_mic_button()

    def _update_mic_button(self) -> None:
        is_ready = bool(self.devices) and self.shop_path is not None
        self.mic_button.setEnabled(is_ready and self.record_job is None)
        if not self.devices:
            self.mic_button.setToolTip(NO_MICROPHONE)
        elif self.shop_path is None:
            self.mic_button.setToolTip(NO_SHOP_TEXT)
        else:
            self.mic_button.setToolTip("Click and speak, or hold while speaking (Space)")

    # -- preparing -------------------------------------------------------------

    def index_catalog(self) -> None:
        """Build the search index and the in-memory ranker in the background, once."""
        if (
            self.shop_path is None
            or self.runner is None
            or self.runner.is_shut_down
            or self.is_index_requested
        ):
            return
        self.is_index_requested = True
        shop_path = self.shop_path

        def work(progress, cancel):
            from engine.search.service import prepare_search

            prepare_search(shop_path, progress, cancel, with_embeddings=False)

        # Kind "load": closing the window cancels it without asking.
        job = self.runner.submit(
            "Indexing the catalog for search", work, kind="load", lane=Lane.WRITE
        )
        self.index_job = job
        job.failed.connect(lambda message, details: self.notice_posted.emit("warning", message))
        job.ended.connect(lambda: self.on_index_ended(job))

    def on_index_ended(self, job: Job) -> None:
        if job is not self.index_job:
            return
        self.index_job = None
        waiting, self._waiting_search = self._waiting_search, None
        if waiting is not None and not self.runner.is_shut_down:
            self._submit_search(*waiting)

    def prepare(self) -> None:
        """Index the catalog and load the models in the background, once per shop."""
        if self.shop_path is None or self.is_prepared or self.prepare_job is not None:
            return
        shop_path = self.shop_path

        def work(progress, cancel):
            from engine.search.service import prepare_search
            from engine.voice import whisper

            prepare_search(shop_path, progress, cancel, with_embeddings=False)
            progress(0.3, "Loading the speech model")
            whisper.load_model()
            if LOAD_EMBEDDINGS:
                prepare_search(shop_path, progress, cancel, with_embeddings=True)
            return shop_path

        self.prepare_job = self.runner.submit(
            "Preparing voice search", work, kind="voice", lane=Lane.WRITE
        )
        self.prepare_job.finished.connect(self.on_prepare_finished)
        self.prepare_job.failed.connect(self.on_prepare_failed)
        self.prepare_job.cancelled.connect(self.on_prepare_cancelled)

    def on_prepare_finished(self, shop_path: Path) -> None:
        self.prepare_job = None
        self.is_prepared = shop_path == self.shop_path

    def on_prepare_failed(self, message: str, details: str) -> None:
        self.prepare_job = None
        self.notice_posted.emit("warning", message)

    def on_prepare_cancelled(self) -> None:
        self.prepare_job = None

    # -- typed search ----------------------------------------------------------

    def on_text_edited(self, text: str) -> None:
        self._edited = self.sender()
        self.typing_timer.start()

    def on_typing_paused(self) -> None:
        self.typing_timer.stop()
        source = self.sender() if isinstance(self.sender(), QLineEdit) else None
        edit = source or getattr(self, "_edited", self.search_edit)
        self.search_text(edit.text())

    def search_text(self, text: str) -> Job | None:
        """Search the catalog for typed text or an edited transcript."""
        if self.shop_path is None or not self.is_runner_available:
            return None
        if not text.strip():
            self.results_table.show_rows([])
            self.status_label.setText("")
            return None
        shop_path = self.shop_path

        def work(progress, cancel):
            from engine.search.service import search_catalog

            results = search_catalog(shop_path, text, n=RESULTS_SHOWN)
            return results, build_result_rows(shop_path, results)

        return self._submit_search("Searching the catalog", work)

    def _submit_search(self, name: str, work) -> Job | None:
        """Run a search job, or hold it until the catalog's indexing has ended.

        A search during the indexing would build the same in-memory index again,
        in parallel, so both would take longer.
        """
        if self.index_job is not None and self.index_job.is_active:
            self._waiting_search = (name, work)
            self.status_label.setText(
                "Indexing the catalog for search… your search runs when it is done."
            )
            return None
        if self.search_job is not None:
            self.search_job.cancel()
        self._search_counter += 1
        counter = self._search_counter
        job = self.runner.submit(name, work, kind="voice", lane=Lane.READ)
        job.finished.connect(lambda result: self.on_search_finished(counter, result))
        job.failed.connect(lambda message, details: self.on_search_failed(counter, message))
        self.search_job = job
        return job

    def on_search_finished(self, counter: int, result) -> None:
        if counter != self._search_counter:
            return  # an older search finished after a newer one started
        self.search_job = None
        results, rows = result
        self.results_table.show_rows(rows)
        if not rows:
            self.status_label.setText(
                f"No products match '{results.query}'. Try other words or fewer of them."
            )
        else:
            self.status_label.setText(
                f"{len(rows)} products for '{' '.join(results.terms)}', best match first."
            )

    def on_search_failed(self, counter: int, message: str) -> None:
        if counter == self._search_counter:
            self.search_job = None
            self.status_label.setText(message)

    # -- voice -----------------------------------------------------------------

    def on_open_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a recording", "", "WAV recordings (*.wav);;All files (*)"
        )
        if path:
            self.search_recording_file(Path(path))

    def search_recording_file(self, path: Path) -> Job | None:
        """Recognise the speech in a WAV file and search for it."""
        if self.shop_path is None or self.runner is None:
            return None
        shop_path = self.shop_path

        def work(progress, cancel):
            from engine.voice.service import search_by_voice

            progress(0.1, f"Recognising speech in {path.name}")
            voice = search_by_voice(shop_path, path, n=RESULTS_SHOWN)
            return voice, _rows_for(shop_path, voice)

        self.status_label.setText(f"Listening to {path.name}…")
        return self._submit_voice(f"Voice search in {path.name}", work)

    def on_mic_button_pressed(self) -> None:
        self._pressed_at = time.monotonic()
        if self.record_job is not None:
            self.stop_recording()
            return
        self.start_recording()

    def on_mic_button_released(self) -> None:
        held_ms = (time.monotonic() - self._pressed_at) * 1000
        if self.record_job is not None and held_ms >= HOLD_MS:
            self.stop_recording()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self.mic_button.isEnabled():
            self.on_mic_button_pressed()
            self._pressed_at = 0.0  # Space is always push-to-talk
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            if self.record_job is not None:
                self.stop_recording()
            return
        super().keyReleaseEvent(event)

    def start_recording(self, source=None) -> Job | None:
        """Record from the chosen microphone (or `source`), then recognise and search."""
        if self.shop_path is None or self.runner is None:
            return None
        from engine.voice.capture import Recorder
        from engine.voice.sources import MicrophoneSource

        if source is None:
            index = self.device_combo.currentIndex()
            device = self.devices[index] if 0 <= index < len(self.devices) else None
            source = MicrophoneSource(device)
        recorder = Recorder(source, level_callback=self._store_level)
        self.recorder = recorder
        shop_path = self.shop_path

        def work(progress, cancel):
            from engine.voice.service import search_audio
            from engine.search.service import open_for_search

            progress(0.0, "Listening")
            recording = recorder.record(cancel)
            progress(0.5, "Recognising speech")
            with open_for_search(shop_path) as store:
                voice = search_audio(
                    store, recording.audio, recording.stats, n=RESULTS_SHOWN, is_live=True
                )
            return voice, _rows_for(shop_path, voice)

        self.mic_button.setText("Listening… (release or click to stop)")
        self.status_label.setText("Listening…")
        self.level_timer.start()
        job = self._submit_voice("Voice search", work)
        self.record_job = job
        self._update_mic_button()
        self.mic_button.setEnabled(True)
        return job

    def stop_recording(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()

    def _store_level(self, dbfs: float) -> None:
        # Called on the recording thread: only store the number.
        with self._level_lock:
            self._latest_level = dbfs

    def on_level_timer_timeout(self) -> None:
        with self._level_lock:
            level = self._latest_level
        self.level_meter.set_level(level)

    def _submit_voice(self, name: str, work) -> Job:
        job = self.runner.submit(name, work, kind="voice", lane=Lane.READ)
        job.finished.connect(self.on_voice_finished)
        job.failed.connect(self.on_voice_failed)
        job.cancelled.connect(self.on_voice_cancelled)
        job.progressed.connect(self.on_voice_progressed)
        return job

    def on_voice_progressed(self, fraction: float, text: str) -> None:
        if text == "Recognising speech":
            self.status_label.setText("Recognising speech…")
            self._end_recording_display()

    def on_voice_finished(self, result) -> None:
        self._end_recording_display()
        voice, rows = result
        self.transcript_edit.setText(voice.transcript)
        messages = list(voice.warnings)
        if voice.status == "found":
            self.results_table.show_rows(rows)
            found = f"{len(rows)} products for '{voice.transcript}', best match first."
            messages.insert(0, found if rows else f"No products match '{voice.transcript}'.")
        else:
            self.results_table.show_rows([])
            messages.insert(0, voice.message)
        self.status_label.setText(" ".join(messages))

    def on_voice_failed(self, message: str, details: str) -> None:
        self._end_recording_display()
        self.status_label.setText(message)
        from engine.voice.errors import MicrophoneFailedError  # noqa: F401

        if "microphone" in message.lower():
            self.refresh_devices()
            self.status_label.setText(message)

    def on_voice_cancelled(self) -> None:
        self._end_recording_display()
        self.status_label.setText("Voice search was cancelled. Nothing was searched.")

    def _end_recording_display(self) -> None:
        self.level_timer.stop()
        self.level_meter.set_level(FLOOR_DBFS)
        self.record_job = None
        self.recorder = None
        self.mic_button.setText("Hold to speak")
        self._update_mic_button()


def _rows_for(shop_path: Path, voice) -> list[ResultRow]:
    return build_result_rows(shop_path, voice.search) if voice.search is not None else []
