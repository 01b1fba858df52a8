"""Overview tab: counts, revenue by month, best sellers and the last import."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.errors import ShopDamagedError
from engine.progress import CancelToken
from ui.jobs import Job, JobRunner
from ui.shop_access import open_for_reading
from ui.widgets.count_tile import CountTile
from ui.widgets.empty_state import EmptyState
from ui.widgets.import_report_view import ImportReportView
from ui.widgets.revenue_chart import RevenueChart
from ui.widgets.top_products_table import TopProductsTable

if TYPE_CHECKING:
    from engine.store import queries

log = logging.getLogger(__name__)

# (attribute of ShopCounts, caption) in the order the tiles are shown.
TILES = [
    ("products", "Products"),
    ("customers", "Customers"),
    ("orders", "Orders"),
    ("order_lines", "Order lines"),
    ("reviews", "Reviews"),
    ("photos", "Photos"),
]


@dataclass
class OverviewData:
    counts: queries.ShopCounts
    revenue: list[tuple[str, float]]
    top_products: list[queries.TopProduct]
    last_run: queries.ImportRunSummary | None = None
    skipped: list[queries.SkippedRow] = field(default_factory=list)
    last_run_format_label: str | None = None

    @property
    def is_empty(self) -> bool:
        counts = self.counts
        return not (
            counts.products
            or counts.orders
            or counts.reviews
            or counts.photos
            or counts.customers
        )


def load_overview_data(shop_path: Path, progress, cancel: CancelToken) -> OverviewData:
    """Run the overview's queries on a worker thread.

    Raises:
        ShopNotFoundError, ShopDamagedError: the file is gone or unreadable.
    """
    from engine.store import queries

    try:
        with open_for_reading(shop_path) as store:
            progress(0.0, "Counting records")
            counts = queries.counts(store)
            cancel.raise_if_cancelled("Loading the overview")

            progress(0.3, "Adding up revenue by month")
            revenue = queries.revenue_by_month(store)
            cancel.raise_if_cancelled("Loading the overview")

            progress(0.6, "Finding the best sellers")
            top_products = queries.top_products(store, limit=10)

            progress(0.9, "Reading the last import")
            runs = queries.import_runs(store, limit=1)
            last_run = runs[0] if runs else None
            skipped = queries.skipped_rows(store, last_run.id) if last_run else []
    except sqlite3.DatabaseError as error:
        raise ShopDamagedError(shop_path, str(error)) from error

    format_label = format_label_for(last_run.format) if last_run else None
    return OverviewData(counts, revenue, top_products, last_run, skipped, format_label)


def format_label_for(format_key: str | None) -> str | None:
    """Return the importers' label for a format key, e.g. "Shopify orders"."""
    if not format_key:
        return None
    from engine.importers import FORMATS

    return FORMATS.get(format_key, format_key)


class OverviewTab(QWidget):
    """Shows the open shop at a glance. The data loads in a job."""

    import_requested = Signal()
    counts_loaded = Signal(object)  # ShopCounts
    # True when the shop's data is on screen, False when loading failed.
    load_ended = Signal(bool)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.shop_path: Path | None = None
        self.data: OverviewData | None = None
        self.loading_job: Job | None = None
        self._build()
        self.show_no_shop()

    def _build(self) -> None:
        self.message_page = EmptyState()
        self.message_page.action_clicked.connect(self.on_message_action_clicked)
        self._message_action = None

        self.tiles = {key: CountTile(caption) for key, caption in TILES}
        tiles_layout = QGridLayout()
        tiles_layout.setSpacing(12)
        for column, tile in enumerate(self.tiles.values()):
            tiles_layout.addWidget(tile, 0, column)

        self.revenue_chart = RevenueChart()
        self.top_products_table = TopProductsTable()
        top_box = QVBoxLayout()
        top_title = QLabel("Top 10 products by revenue")
        top_title.setObjectName("sectionTitle")
        top_box.addWidget(top_title)
        top_box.addWidget(self.top_products_table)
        middle = QHBoxLayout()
        middle.addWidget(self.revenue_chart, 3)
        middle.addLayout(top_box, 2)

        self.import_report = ImportReportView()

        content = QWidget()
        content.setObjectName("overviewContent")
        content_layout = QVBoxLayout(content)
        content_layout.setSpacing(16)
        content_layout.addLayout(tiles_layout)
        content_layout.addLayout(middle, 1)
        content_layout.addWidget(self.import_report)
        self.content_page = QScrollArea()
        self.content_page.setWidgetResizable(True)
        self.content_page.setWidget(content)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.message_page)
        self.pages.addWidget(self.content_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # Pages -------------------------------------------------------------------

    def _show_message(
        self,
        title: str,
        body: str,
        action: str | None = None,
        progress: float | None = None,
        is_busy: bool = False,
    ) -> None:
        self.message_page.set_text(title, body)
        self._message_action = action
        labels = {"import": "Import files…", "retry": "Try again"}
        self.message_page.set_action(labels.get(action) if action else None)
        self.message_page.set_progress(progress, is_visible=is_busy)
        self.pages.setCurrentWidget(self.message_page)

    def show_no_shop(self) -> None:
        self._show_message(
            "No shop is open",
            "Choose File > Open shop… to open a shop, or File > New shop… to "
            "start one.",
        )

    def show_preparing(self, title: str, body: str, fraction: float | None) -> None:
        """Show a busy page, e.g. while the demo shop is built on first start."""
        self._show_message(title, body, progress=fraction, is_busy=True)

    def show_problem(self, message: str) -> None:
        self._show_message(
            "The shop could not be shown",
            message,
            action="retry" if self.shop_path else None,
        )

    def _show_empty_shop(self) -> None:
        self._show_message(
            "This shop has no data yet",
            "Choose File > Import… or drop CSV exports from your shop system "
            "(products, orders, reviews or customers) onto this window. Shopify, "
            "WooCommerce and other CSV files are recognised. For other files you "
            "pick which column holds what.",
            action="import",
        )

    def on_message_action_clicked(self) -> None:
        if self._message_action == "import":
            self.import_requested.emit()
        elif self._message_action == "retry":
            self.refresh()

    # Loading -----------------------------------------------------------------

    def set_shop(self, shop_path: Path | None) -> None:
        self.shop_path = shop_path
        self.data = None
        if shop_path is None:
            self._cancel_loading()
            self.show_no_shop()
            return
        self.refresh()

    def refresh(self) -> None:
        """Reload the shop's data in a job. The newest load wins."""
        if self.shop_path is None or self.runner.is_shut_down:
            return
        self._cancel_loading()
        if self.data is None:
            self._show_message(
                "Loading the shop…", str(self.shop_path), progress=None, is_busy=True
            )

        shop_path = self.shop_path
        job = self.runner.submit(
            "Loading the overview",
            lambda progress, cancel: load_overview_data(shop_path, progress, cancel),
            kind="load",
        )
        self.loading_job = job
        job.finished.connect(lambda data: self.on_load_finished(job, data))
        job.failed.connect(lambda message, details: self.on_load_failed(job, message))

    def _cancel_loading(self) -> None:
        if self.loading_job is not None and self.loading_job.is_active:
            self.loading_job.cancel()
        self.loading_job = None

    def on_load_finished(self, job: Job, data: OverviewData) -> None:
        if job is not self.loading_job:
            return  # a newer load replaced this one
        self.loading_job = None
        self.show_data(data)
        self.counts_loaded.emit(data.counts)
        self.load_ended.emit(True)

    def on_load_failed(self, job: Job, message: str) -> None:
        if job is not self.loading_job:
            return
        self.loading_job = None
        self.show_problem(message)
        self.load_ended.emit(False)

    # Data --------------------------------------------------------------------

    def show_data(self, data: OverviewData) -> None:
        self.data = data
        if data.is_empty and data.last_run is None:
            self._show_empty_shop()
            return

        for key, tile in self.tiles.items():
            tile.set_value(getattr(data.counts, key))
        self.revenue_chart.set_revenue(data.revenue, order_count=data.counts.orders)
        self.top_products_table.set_products(data.top_products)
        self.import_report.setVisible(data.last_run is not None)
        if data.last_run is not None:
            self.import_report.set_run(
                data.last_run, data.skipped, data.last_run_format_label
            )
        self.pages.setCurrentWidget(self.content_page)

    def tile_texts(self) -> dict[str, str]:
        """Return the text of each count tile, keyed like ShopCounts."""
        return {key: tile.value_text() for key, tile in self.tiles.items()}
