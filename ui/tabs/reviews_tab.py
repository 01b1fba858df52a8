"""Reviews tab: sentiment, aspects with drill-down, trend, and reviews that need a reply.

Loading runs in a background job when the tab is first shown. With a trained model
the stored predictions are summarised at once; a shop never trained is scored with
VADER first, shown, and then trained in the background.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.jobs import Lane
from ui.tabs.feature_tab import FeatureTab
from ui.widgets.review_sentiment_bar import SENTIMENT_ROLE, SentimentBarDelegate
from ui.widgets.review_trend_chart import ReviewTrendChart

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts

log = logging.getLogger(__name__)

PERIODS = (("All reviews", None), ("Last 30 days", "30d"), ("Last 90 days", "90d"), ("Last 12 months", "365d"))
FILTERS = ("All reviews", "Text contradicts stars", "Needs reply")
LABEL_TEXT = {
    "positive": "positive",
    "neutral": "neutral",
    "negative": "negative",
    "no_text": "no text",
    "language_not_covered": "language not covered",
    "unscored": "not scored yet",
}
HIGHLIGHT = "#ffe08a"


class ReviewsTab(FeatureTab):
    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.summary = None
        self.is_loaded = False
        self.has_started_training = False
        self.load_job = None
        self.train_job = None
        self._build()

    # Layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.import_button = QPushButton("Import reviews…")
        self.import_button.clicked.connect(self.on_import_clicked)
        self.product_combo = QComboBox()
        self.product_combo.setMinimumWidth(220)
        # Product titles can be long, so they set the popup's width, not the tab's.
        self.product_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.product_combo.setMinimumContentsLength(24)
        self.product_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.period_combo = QComboBox()
        for text, value in PERIODS:
            self.period_combo.addItem(text, value)
        self.period_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.retrain_button = QPushButton("Retrain")
        self.retrain_button.setToolTip("Train the sentiment models again on the star ratings and your corrections")
        self.retrain_button.clicked.connect(self.on_retrain_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        self.cancel_button.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.hide()
        controls.addWidget(self.import_button)
        controls.addWidget(QLabel("Product:"))
        controls.addWidget(self.product_combo)
        controls.addWidget(QLabel("Period:"))
        controls.addWidget(self.period_combo)
        controls.addStretch(1)
        controls.addWidget(self.progress_bar)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.retrain_button)
        layout.addLayout(controls)

        self.status_label = QLabel("Open a shop to see its reviews.")
        self.status_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        layout.addWidget(self.summary_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_aspects())
        splitter.addWidget(self._build_reviews())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        # The wrapped heading no longer widens the aspects panel. It starts at two
        # fifths of the width, where the aspects table shows its four columns.
        splitter.setSizes([480, 720])
        layout.addWidget(splitter, 1)

    def _build_aspects(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("What customers talk about (click an aspect to read the sentences):")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.aspects_table = QTableWidget(0, 4)
        self.aspects_table.setHorizontalHeaderLabels(["Aspect", "Mentions", "Sentiment", "+ / −"])
        self.aspects_table.setItemDelegateForColumn(2, SentimentBarDelegate(self.aspects_table))
        self.aspects_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.aspects_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.aspects_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.aspects_table.verticalHeader().hide()
        header = self.aspects_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.aspects_table.setColumnWidth(2, 140)
        self.aspects_table.itemSelectionChanged.connect(self.on_aspect_selected)
        layout.addWidget(self.aspects_table, 3)

        topic_row = QHBoxLayout()
        self.topic_edit = QLineEdit()
        self.topic_edit.setPlaceholderText("Add an aspect, e.g. zipper or zip, zipper")
        self.add_topic_button = QPushButton("Add aspect")
        self.add_topic_button.clicked.connect(self.on_add_topic_clicked)
        topic_row.addWidget(self.topic_edit)
        topic_row.addWidget(self.add_topic_button)
        layout.addLayout(topic_row)

        self.sentences_view = QTextBrowser()
        self.sentences_view.setPlaceholderText("Sentences that mention the selected aspect appear here.")
        layout.addWidget(self.sentences_view, 2)
        return panel

    def _build_reviews(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.trend_chart = ReviewTrendChart()
        layout.addWidget(self.trend_chart, 1)
        # The filter and the correction controls take two rows, because on one row
        # they needed about 690 px beside the aspects panel.
        filter_row = QHBoxLayout()
        self.filter_combo = QComboBox()
        self.filter_combo.addItems(FILTERS)
        self.filter_combo.currentIndexChanged.connect(self.show_reviews)
        filter_row.addWidget(QLabel("Show:"))
        filter_row.addWidget(self.filter_combo)
        filter_row.addStretch(1)
        layout.addLayout(filter_row)
        correction_row = QHBoxLayout()
        correction_row.addWidget(QLabel("Correct the selected review:"))
        self.correct_combo = QComboBox()
        self.correct_combo.addItems(["positive", "neutral", "negative"])
        self.correct_button = QPushButton("Save correction")
        self.correct_button.clicked.connect(self.on_correct_clicked)
        self.replied_button = QPushButton("Mark as replied")
        self.replied_button.clicked.connect(self.on_replied_clicked)
        correction_row.addWidget(self.correct_combo)
        correction_row.addWidget(self.correct_button)
        correction_row.addWidget(self.replied_button)
        correction_row.addStretch(1)
        layout.addLayout(correction_row)
        self.reviews_table = QTableWidget(0, 4)
        self.reviews_table.setHorizontalHeaderLabels(["Stars", "Sentiment", "Product", "Review"])
        self.reviews_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.reviews_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.reviews_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reviews_table.setWordWrap(True)
        self.reviews_table.verticalHeader().hide()
        header = self.reviews_table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.reviews_table.setColumnWidth(0, 84)
        self.reviews_table.setColumnWidth(1, 110)
        self.reviews_table.setColumnWidth(2, 150)
        layout.addWidget(self.reviews_table, 4)
        return panel

    # Contract with the main window

    def set_shop(self, shop_path: Path | None) -> None:
        super().set_shop(shop_path)
        self.is_loaded = False
        self.has_started_training = False
        self.summary = None
        self.product_combo.blockSignals(True)
        self.product_combo.clear()
        self.product_combo.addItem("All products", None)
        self.product_combo.blockSignals(False)
        self.aspects_table.setRowCount(0)
        self.reviews_table.setRowCount(0)
        self.sentences_view.clear()
        self.summary_label.clear()
        self.status_label.setText("Open a shop to see its reviews." if shop_path is None else "Reviews load when you open this tab.")

    def show_counts(self, counts: ShopCounts | None) -> None:
        if counts is not None and counts.reviews == 0:
            self.status_label.setText("This shop has no reviews yet. Click Import reviews… and choose a reviews export (CSV from Shopify, Magento or a spreadsheet).")

    def data_changed(self) -> None:
        self.is_loaded = False
        if self.isVisible():
            self.load()

    def on_shown(self) -> None:
        if self.shop_path is not None and not self.is_loaded:
            self.load()

    # Loading

    def load(self) -> None:
        """Summarise the reviews in a background job (scoring them first if needed)."""
        # Training or a correction that ends while the window closes calls this
        # after the shutdown.
        if self.shop_path is None or not self.is_runner_available:
            return
        shop, product, period = self.shop_path, self.product_combo.currentData(), self.period_combo.currentData()

        def work(progress, cancel):
            from engine.reviews import service
            from ui.shop_access import open_for_reading

            # The window checked the shop when it opened it. open_store would run
            # SQLite's quick_check again: 0.7-2 s on a 171 MB shop.
            with open_for_reading(shop) as store:
                has_reviews = store.conn.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is not None
                products = store.conn.execute(
                    "SELECT r.product_sku, COALESCE(p.title, max(r.product_title), r.product_sku), count(*) "
                    "FROM reviews r LEFT JOIN products p ON p.sku = r.product_sku "
                    "WHERE r.product_sku IS NOT NULL GROUP BY r.product_sku ORDER BY count(*) DESC"
                ).fetchall()
            if not has_reviews:
                return None
            if service.needs_analysis(shop):
                service.analyse(shop, progress, cancel)
            return {
                "summary": service.summarize(shop, product, period),
                "products": products,
                "trained": service.has_trained_model(shop),
            }

        self.status_label.setText("Loading reviews…")
        self.load_job = self.runner.submit("Load reviews", work, kind="reviews", lane=Lane.READ)
        self.load_job.finished.connect(self.on_load_finished)
        self.load_job.failed.connect(self.on_job_failed)

    def on_load_finished(self, result) -> None:
        self.is_loaded = True
        if result is None:
            self.status_label.setText("This shop has no reviews yet. Click Import reviews… and choose a reviews export (CSV from Shopify, Magento or a spreadsheet).")
            return
        self._fill_products(result["products"])
        self.show_summary(result["summary"])
        if not result["trained"] and not self.has_started_training:
            self.status_label.setText("Showing VADER word-list results while the sentiment models train on your star ratings.")
            self.start_training()

    def _fill_products(self, products) -> None:
        current = self.product_combo.currentData()
        self.product_combo.blockSignals(True)
        self.product_combo.clear()
        self.product_combo.addItem("All products", None)
        for sku, title, count in products:
            self.product_combo.addItem(f"{title} ({sku}) – {count}", sku)
        index = self.product_combo.findData(current)
        self.product_combo.setCurrentIndex(max(index, 0))
        self.product_combo.blockSignals(False)

    def on_filter_changed(self) -> None:
        if self.shop_path is not None and self.is_loaded:
            self.load()

    # Showing

    def show_summary(self, summary) -> None:
        self.summary = summary
        current = summary.current
        shares = current.shares
        stars = f"{current.average_stars:.2f} ★" if current.average_stars is not None else "no stars"
        text = (
            f"{current.count} reviews, average {stars}. Positive {shares.get('positive', 0):.0%}, "
            f"neutral {shares.get('neutral', 0):.0%}, negative {shares.get('negative', 0):.0%}. "
            f"{len(summary.mismatches)} contradict their stars, {len(summary.needs_reply)} need a reply."
        )
        change = summary.change
        if change is not None and summary.previous.count:
            text += f" Against the period before: {change['count']:+.0f} reviews, positive share {change['positive_share']:+.0%}."
        self.summary_label.setText(text)
        self.status_label.setText(f"Sentiment by the model {summary.model}.")
        self._fill_aspects(summary.aspects)
        self.trend_chart.show_trend(summary.trend, summary.undated_reviews)
        self.show_reviews()

    def _fill_aspects(self, aspects) -> None:
        table = self.aspects_table
        table.setRowCount(len(aspects))
        for row, aspect in enumerate(aspects):
            name = QTableWidgetItem(aspect.name + (" (yours)" if aspect.origin == "user" else ""))
            name.setData(Qt.ItemDataRole.UserRole, aspect.name)
            mentions = QTableWidgetItem(str(aspect.mentions))
            mentions.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            bar = QTableWidgetItem()
            bar.setData(SENTIMENT_ROLE, (aspect.positive, aspect.neutral, aspect.negative))
            bar.setToolTip(f"{aspect.positive} positive, {aspect.neutral} neutral, {aspect.negative} negative sentences")
            counts = QTableWidgetItem(f"{aspect.positive} / {aspect.negative}")
            for column, item in enumerate((name, mentions, bar, counts)):
                table.setItem(row, column, item)
        table.resizeColumnToContents(1)

    def visible_reviews(self) -> list:
        if self.summary is None:
            return []
        choice = self.filter_combo.currentIndex()
        if choice == 1:
            return self.summary.mismatches
        if choice == 2:
            return self.summary.needs_reply
        return self.summary.reviews

    def show_reviews(self) -> None:
        items = self.visible_reviews()
        table = self.reviews_table
        table.setRowCount(len(items))
        for row, item in enumerate(items):
            stars = "★" * int(round(item.rating)) if item.rating is not None else "–"
            label = LABEL_TEXT.get(item.label, item.label) + (" (corrected)" if item.corrected else "")
            if item.is_mismatch:
                label += " ≠ stars"
            text = (item.text or "(no text)")[:300]
            cells = (stars, label, item.product_sku or "", text)
            for column, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                if column == 3:
                    cell.setToolTip(item.text)
                table.setItem(row, column, cell)

    def on_aspect_selected(self) -> None:
        rows = self.aspects_table.selectionModel().selectedRows()
        if not rows or self.shop_path is None or self.summary is None:
            return
        if not self.is_runner_available:
            return
        name = self.aspects_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        shop = self.shop_path
        review_ids = {item.id for item in self.summary.reviews}

        def work(progress, cancel):
            from engine.reviews import service

            return name, service.aspect_sentences(shop, name, review_ids)

        job = self.runner.submit(f"Sentences about {name}", work, kind="reviews", lane=Lane.READ)
        job.finished.connect(self.on_sentences_loaded)
        job.failed.connect(self.on_job_failed)

    def on_sentences_loaded(self, result) -> None:
        name, hits = result
        self.sentences_view.setHtml(sentences_html(name, hits))

    # Owner actions

    def on_import_clicked(self) -> None:
        # The window's File > Import… action runs the import flow with its report.
        action = getattr(self.window(), "import_action", None)
        if action is None:
            self.notice_posted.emit("warning", "Importing is not available here. Use File > Import… in the main window.")
            return
        action.trigger()

    def selected_review_id(self) -> int | None:
        rows = self.reviews_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.reviews_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def on_correct_clicked(self) -> None:
        review_id = self.selected_review_id()
        if review_id is None:
            self.notice_posted.emit("info", "Select a review in the list first, then choose its sentiment and click Save correction.")
            return
        label, shop = self.correct_combo.currentText(), self.shop_path

        def work(progress, cancel):
            from engine.reviews import service

            service.correct_prediction(shop, review_id, label)

        job = self.runner.submit("Save review correction", work, kind="reviews", lane=Lane.WRITE)
        job.finished.connect(lambda _: self.on_correction_saved(review_id, label))
        job.failed.connect(self.on_job_failed)

    def on_correction_saved(self, review_id: int, label: str) -> None:
        self.notice_posted.emit("success", f"Review #{review_id} is now marked {label}. The next Retrain learns from it.")
        self.load()

    def on_replied_clicked(self) -> None:
        review_id = self.selected_review_id()
        if review_id is None:
            self.notice_posted.emit("info", "Select a review in the list first, then click Mark as replied.")
            return
        shop = self.shop_path

        def work(progress, cancel):
            from engine.reviews import service

            service.mark_replied(shop, review_id)

        job = self.runner.submit("Mark review as replied", work, kind="reviews", lane=Lane.WRITE)
        job.finished.connect(lambda _: self.load())
        job.failed.connect(self.on_job_failed)

    def on_add_topic_clicked(self) -> None:
        text = self.topic_edit.text().strip()
        if not text or self.shop_path is None:
            self.notice_posted.emit("info", "Type an aspect name (and other words for it, separated by commas), then click Add aspect.")
            return
        terms = [term.strip() for term in text.split(",") if term.strip()]
        shop = self.shop_path

        def work(progress, cancel):
            from engine.reviews import service

            service.add_topic(shop, terms[0], terms[1:])

        job = self.runner.submit("Add review aspect", work, kind="reviews", lane=Lane.WRITE)
        job.finished.connect(lambda _: (self.topic_edit.clear(), self.load()))
        job.failed.connect(self.on_job_failed)

    # Training

    def on_retrain_clicked(self) -> None:
        self.start_training()

    def start_training(self) -> None:
        if self.shop_path is None or not self.is_runner_available or self.train_job is not None:
            return
        self.has_started_training = True
        shop = self.shop_path

        def work(progress, cancel):
            from engine.reviews import service

            return service.train_sentiment(shop, progress, cancel)

        self.train_job = self.runner.submit("Train review sentiment models", work, kind="reviews", lane=Lane.WRITE)
        self.train_job.progressed.connect(self.on_training_progressed)
        self.train_job.finished.connect(self.on_training_finished)
        self.train_job.failed.connect(self.on_job_failed)
        self.train_job.cancelled.connect(self.on_training_cancelled)
        self.train_job.ended.connect(self.on_training_ended)
        self.retrain_button.setEnabled(False)
        self.cancel_button.show()
        self.progress_bar.setValue(0)
        self.progress_bar.show()

    def on_training_progressed(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(int(fraction * 100))
        self.progress_bar.setFormat(f"%p% {text[:40]}")
        self.progress_bar.setToolTip(text)

    def on_training_finished(self, summary) -> None:
        self.notice_posted.emit("success", summary.message)
        self.load()

    def on_training_cancelled(self) -> None:
        self.notice_posted.emit("info", "Training was cancelled. The sentiment model in use is unchanged.")

    def on_training_ended(self) -> None:
        self.train_job = None
        self.retrain_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress_bar.hide()

    def on_cancel_clicked(self) -> None:
        if self.train_job is not None:
            self.train_job.cancel()

    def on_job_failed(self, message: str, details: str) -> None:
        self.notice_posted.emit("error", message)


def sentences_html(name: str, hits) -> str:
    """Return HTML listing each sentence with the aspect's words highlighted."""
    if not hits:
        return f"<p>No sentence in these reviews mentions {html.escape(name)}.</p>"
    colors = {"positive": "#3c9a5f", "negative": "#c8553d", "neutral": "#777777"}
    parts = [f"<p><b>{len(hits)} sentences about {html.escape(name)}</b></p>"]
    for hit in hits[:200]:
        text, pieces, last = hit.text, [], 0
        for start, end in hit.spans:
            pieces.append(html.escape(text[last:start]))
            pieces.append(f'<span style="background-color:{HIGHLIGHT}"><b>{html.escape(text[start:end])}</b></span>')
            last = end
        pieces.append(html.escape(text[last:]))
        color = colors.get(hit.label, "#777777")
        parts.append(f'<p><span style="color:{color}">● {hit.label}</span> {"".join(pieces)} <span style="color:#888">(review #{hit.review_id})</span></p>')
    return "".join(parts)
