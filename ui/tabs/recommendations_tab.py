"""Recommendations tab: products for each customer, similar products, bought together,
and the measured quality of each model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.jobs import Lane
from ui.tabs.feature_tab import FeatureTab
from ui.widgets.recommend_chart import ModelMetricsChart

RECOMMENDATION_COUNT = 10
# Customers listed when the tab opens, before any search.
FIRST_CUSTOMERS = 50
SHOP_BESTSELLERS_BY_REVENUE = (
    "Bestsellers across the shop by revenue; pick a customer for personal recommendations"
)


def recommend_service():
    """Import engine.recommend.service on the calling thread and return it.

    Jobs call this on their worker thread, because the first import loads NumPy,
    SciPy and the models, which would stall the window if done on the GUI thread.
    """
    from engine.recommend import service

    return service


def load_first_lists(shop_path: Path, progress, cancel) -> tuple[list, list]:
    """Read the customers who ordered last and the bestsellers by revenue.

    Both come from the shop's summary tables and indexes (engine.store.queries):
    0.02 s together on 1,000,000 order lines (`python -m bench scale`), where the
    model's bestsellers without a trained model and an empty customer search read
    every order line or customer.
    """
    from engine.store import queries
    from ui.shop_access import open_for_reading

    with open_for_reading(shop_path) as store:
        customers = queries.recent_customers(store, FIRST_CUSTOMERS)
        cancel.raise_if_cancelled("Loading customers and bestsellers")
        bestsellers = queries.top_products(store, RECOMMENDATION_COUNT)
    return customers, bestsellers


def _table(headers: list[str], stretch_columns: tuple[int, ...]) -> QTableWidget:
    """Build a read-only table whose `stretch_columns` share the spare width.

    Text in the stretched columns is elided with "…" (each cell carries its full
    text as a tooltip). The other columns size to their contents, so SKUs and
    numbers are never cut off.
    """
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(40)
    for column in range(len(headers)):
        if column in stretch_columns:
            mode = QHeaderView.ResizeMode.Stretch
        else:
            mode = QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)
    return table


def _fill(table: QTableWidget, rows: list[list]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            text = f"{value:.3f}" if isinstance(value, float) else str(value)
            item = QTableWidgetItem(text)
            if isinstance(value, (int, float)):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                item.setToolTip(text)
            table.setItem(row, column, item)


class RecommendationsTab(FeatureTab):
    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.is_loaded = False
        self.training_job = None
        self.request_number = 0
        self.selected_customer: str | None = None
        self._build()

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Customer id, name or e-mail")
        self.search_edit.returnPressed.connect(self.on_search_requested)
        self.customer_list = QListWidget()
        self.customer_list.currentItemChanged.connect(self.on_customer_selected)
        customers = QGroupBox("Customers")
        customer_layout = QVBoxLayout(customers)
        customer_layout.addWidget(self.search_edit)
        customer_layout.addWidget(self.customer_list)

        self.recommendation_label = QLabel("Pick a customer to see what to offer them.")
        self.recommendation_label.setWordWrap(True)
        self.recommendation_table = _table(["SKU", "Product", "Score", "Why"], (1, 3))
        self.recommendation_table.itemSelectionChanged.connect(self.on_product_selected)
        self.product_label = QLabel("Pick a recommended product to see similar products and what sells with it.")
        self.product_label.setWordWrap(True)
        self.similar_table = _table(["SKU", "Similar product", "Similarity"], (1,))
        self.together_table = _table(["SKU", "Bought together", "Orders", "Confidence", "Lift"], (1,))
        products = QSplitter(Qt.Orientation.Horizontal)
        products.setChildrenCollapsible(False)
        products.addWidget(self.similar_table)
        products.addWidget(self.together_table)
        middle = QGroupBox("Recommendations")
        middle_layout = QVBoxLayout(middle)
        middle_layout.addWidget(self.recommendation_label)
        middle_layout.addWidget(self.recommendation_table, 3)
        middle_layout.addWidget(self.product_label)
        middle_layout.addWidget(products, 2)

        self.model_label = QLabel("No model trained yet.")
        self.model_label.setWordWrap(True)
        self.chart = ModelMetricsChart()
        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        self.retrain_button = QPushButton("Retrain")
        self.retrain_button.clicked.connect(self.on_retrain_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.on_export_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retrain_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        panel = QGroupBox("Models")
        panel_layout = QVBoxLayout(panel)
        panel_layout.addWidget(self.model_label)
        panel_layout.addWidget(self.chart, 1)
        panel_layout.addWidget(self.progress_bar)
        panel_layout.addWidget(self.progress_label)
        panel_layout.addLayout(buttons)

        splitter = QSplitter()
        splitter.addWidget(customers)
        splitter.addWidget(middle)
        splitter.addWidget(panel)
        splitter.setSizes([220, 720, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._set_enabled(False)

    def _set_enabled(self, is_enabled: bool) -> None:
        for widget in (self.search_edit, self.customer_list, self.retrain_button, self.export_button):
            widget.setEnabled(is_enabled)

    # ------------------------------------------------------------ FeatureTab contract

    def set_shop(self, shop_path: Path | None) -> None:
        if self.training_job is not None:
            self.training_job.cancel()
        super().set_shop(shop_path)
        self.is_loaded = False
        self.selected_customer = None
        self.customer_list.clear()
        for table in (self.recommendation_table, self.similar_table, self.together_table):
            table.setRowCount(0)
        self.chart.set_models([])
        self._set_enabled(shop_path is not None)
        self.model_label.setText("Open a shop to see recommendations." if shop_path is None else "Loading…")

    def data_changed(self) -> None:
        if self.shop_path is not None:
            self.start_training("New orders were imported: retraining the recommendations…")

    def on_shown(self) -> None:
        if self.shop_path is None or self.is_loaded or not self.is_runner_available:
            return
        self.is_loaded = True
        self.load_first_lists()
        self.load_overview()

    def load_first_lists(self) -> None:
        """Show recent customers and the bestsellers by revenue, read in a job."""
        if not self.is_runner_available:
            return
        path = self.shop_path
        self.request_number += 1
        number = self.request_number
        job = self.runner.submit(
            "Load customers and bestsellers",
            lambda progress, cancel: load_first_lists(path, progress, cancel),
            kind="recommend", lane=Lane.READ,
        )
        job.finished.connect(lambda lists: self.on_first_lists_loaded(number, lists))
        job.failed.connect(lambda message, details: self.notice_posted.emit("error", message))

    def on_first_lists_loaded(self, number: int, lists) -> None:
        customers, bestsellers = lists
        self.on_customers_found(customers)
        if number != self.request_number:
            return  # a customer was picked, or the model's bestsellers came first
        from ui.formatting import format_quantity

        self.recommendation_label.setText(f"{SHOP_BESTSELLERS_BY_REVENUE}.")
        _fill(
            self.recommendation_table,
            [
                [p.sku, p.title, round(p.revenue, 2), f"bestseller: {format_quantity(p.quantity)} sold"]
                for p in bestsellers
            ],
        )

    # ------------------------------------------------------------ loading

    def load_overview(self) -> None:
        # Training that ends while the window closes calls this after the shutdown.
        if not self.is_runner_available:
            return
        path = self.shop_path
        job = self.runner.submit("Load recommendation models",
                                 lambda progress, cancel: recommend_service().models_overview(path),
                                 kind="recommend", lane=Lane.READ)
        job.finished.connect(self.on_overview_loaded)
        job.failed.connect(lambda message, details: self.notice_posted.emit("error", message))

    @Slot(object)
    def on_overview_loaded(self, overview) -> None:
        self.chart.set_models(overview.models)
        if overview.active is not None and self.selected_customer is None:
            # Loads the model into memory, so the first customer's list comes quickly.
            self.load_bestsellers()
        if overview.active is None:
            self.model_label.setText("No model trained yet: showing bestsellers while the first training runs.")
            if self.training_job is None:
                self.start_training("Training the recommendations for the first time…")
            return
        from engine.recommend.models import MODEL_LABELS

        text = f"In use: {MODEL_LABELS.get(overview.active, overview.active)}, trained {overview.active_trained_at[:16].replace('T', ' ')} UTC."
        active = next((m for m in overview.models if m["is_active"]), None)
        if active and "ndcg@10" in active["metrics"]:
            popularity = next((m for m in overview.models if m["name"] == "popularity"), None)
            text += f" Validation NDCG@10 {active['metrics']['ndcg@10']:.3f}"
            if popularity and popularity["metrics"].get("ndcg@10"):
                text += f" against {popularity['metrics']['ndcg@10']:.3f} for bestsellers"
            text += "."
        if overview.note:
            text += f" {overview.note}"
        self.model_label.setText(text)

    def load_bestsellers(self) -> None:
        """Show the shop's bestsellers until a customer is picked, and load the model
        in use into memory so the first customer's list comes quickly."""
        if not self.is_runner_available:
            return
        path = self.shop_path
        self.request_number += 1
        number = self.request_number
        job = self.runner.submit(
            "Load the recommendation model",
            lambda progress, cancel: recommend_service().shop_bestsellers(path, RECOMMENDATION_COUNT),
            kind="recommend", lane=Lane.READ,
        )
        job.finished.connect(lambda result: self.on_recommendations_loaded(number, result))

    def search_customers(self, text: str) -> None:
        if not self.is_runner_available:
            return
        path = self.shop_path
        job = self.runner.submit("Find customers",
                                 lambda progress, cancel: recommend_service().find_customers(path, text),
                                 kind="recommend", lane=Lane.READ)
        job.finished.connect(self.on_customers_found)

    @Slot()
    def on_search_requested(self) -> None:
        if self.shop_path is not None:
            self.search_customers(self.search_edit.text())

    @Slot(object)
    def on_customers_found(self, matches) -> None:
        self.customer_list.clear()
        for match in matches:
            details = " · ".join(part for part in (match.name, match.email) if part)
            text = f"{match.customer_id}" + (f" — {details}" if details else "") + f" ({match.orders} orders)"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, match.customer_id)
            self.customer_list.addItem(item)
        if not matches:
            self.customer_list.addItem(QListWidgetItem("No customer matches. Try part of an id, name or e-mail."))

    # ------------------------------------------------------------ customer and product

    @Slot(object, object)
    def on_customer_selected(self, current, previous=None) -> None:
        if current is None or current.data(Qt.ItemDataRole.UserRole) is None:
            return
        self.show_customer(current.data(Qt.ItemDataRole.UserRole))

    def show_customer(self, customer_id: str) -> None:
        from engine.recommend.service import recommend_for_customer

        if not self.is_runner_available:
            return
        self.selected_customer = customer_id
        self.request_number += 1
        number, path = self.request_number, self.shop_path
        self.recommendation_label.setText(f"Finding products for customer {customer_id}…")
        job = self.runner.submit(
            "Recommend products",
            lambda progress, cancel: recommend_for_customer(path, customer_id, RECOMMENDATION_COUNT),
            kind="recommend", lane=Lane.READ,
        )
        job.finished.connect(lambda result: self.on_recommendations_loaded(number, result))
        job.failed.connect(lambda message, details: self.recommendation_label.setText(message))

    def on_recommendations_loaded(self, number: int, result) -> None:
        if number != self.request_number:
            return
        from engine.recommend.models import MODEL_LABELS

        if not result.customer_id:
            self.recommendation_label.setText(f"{result.label}.")
        else:
            source = result.label if result.is_fallback else f"from {MODEL_LABELS.get(result.model, result.model)}"
            self.recommendation_label.setText(
                f"Customer {result.customer_id} has bought {result.purchased} products. Top "
                f"{len(result.items)} to offer, {source}."
            )
        _fill(self.recommendation_table, [[i.sku, i.title, i.score, i.reason] for i in result.items])
        self.recommendations = result

    @Slot()
    def on_product_selected(self) -> None:
        rows = self.recommendation_table.selectionModel().selectedRows()
        if not rows:
            return
        sku = self.recommendation_table.item(rows[0].row(), 0).text()
        title = self.recommendation_table.item(rows[0].row(), 1).text()
        self.show_product(sku, title)

    def show_product(self, sku: str, title: str) -> None:
        from engine.recommend.service import bought_together, similar_products

        if not self.is_runner_available:
            return
        path = self.shop_path
        self.product_label.setText(f"Products like {title} ({sku}), and what sells with it:")
        job = self.runner.submit(
            "Find similar products",
            lambda progress, cancel: (similar_products(path, sku, 8), bought_together(path, sku, 8)),
            kind="recommend", lane=Lane.READ,
        )
        job.finished.connect(self.on_product_loaded)
        job.failed.connect(lambda message, details: self.product_label.setText(message))

    @Slot(object)
    def on_product_loaded(self, result) -> None:
        similar, together = result
        _fill(self.similar_table, [[p.sku, p.title, p.similarity] for p in similar])
        _fill(self.together_table, [[p.sku, p.title, p.orders, p.confidence, p.lift] for p in together])

    # ------------------------------------------------------------ training and export

    def start_training(self, text: str) -> None:
        from engine.recommend.service import train_shop

        if not self.is_runner_available or self.shop_path is None:
            return
        if self.training_job is not None and self.training_job.is_active:
            return
        path = self.shop_path
        job = self.runner.submit("Train recommendations", lambda progress, cancel: train_shop(path, progress, cancel),
                                 kind="recommend", lane=Lane.WRITE)
        self.training_job = job
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self.progress_label.setText(text)
        self.retrain_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        job.progressed.connect(self.on_training_progressed)
        job.finished.connect(self.on_training_finished)
        job.failed.connect(self.on_training_failed)
        job.cancelled.connect(self.on_training_cancelled)

    @Slot(float, str)
    def on_training_progressed(self, fraction: float, text: str) -> None:
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(int(fraction * 100))
        self.progress_label.setText(f"{text}…")

    def _training_ended(self, text: str) -> None:
        self.training_job = None
        self.progress_bar.setVisible(False)
        self.progress_label.setText(text)
        self.retrain_button.setEnabled(self.shop_path is not None)
        self.cancel_button.setEnabled(False)

    @Slot(object)
    def on_training_finished(self, summary) -> None:
        self._training_ended(f"Trained in {summary.seconds:.0f} s; {summary.selected_label} scored best and is in use.")
        self.load_overview()
        if self.selected_customer:
            self.show_customer(self.selected_customer)

    @Slot(str, str)
    def on_training_failed(self, message: str, details: str) -> None:
        self._training_ended(message)
        self.notice_posted.emit("error", message)

    @Slot()
    def on_training_cancelled(self) -> None:
        self._training_ended("Training was cancelled. The model in use did not change.")

    @Slot()
    def on_retrain_clicked(self) -> None:
        self.start_training("Retraining the recommendations…")

    @Slot()
    def on_cancel_clicked(self) -> None:
        if self.training_job is not None:
            self.training_job.cancel()

    @Slot()
    def on_export_clicked(self) -> None:
        destination, _ = QFileDialog.getSaveFileName(self, "Export recommendations", "recommendations.csv", "CSV files (*.csv)")
        if destination:
            self.export_to(Path(destination))

    def export_to(self, destination: Path):
        """Write every customer's recommendations to `destination` in a job.

        Returns the Job, or None once the job runner was shut down.
        """
        from engine.recommend.service import export_recommendations

        if not self.is_runner_available:
            return None
        path = self.shop_path
        job = self.runner.submit(
            "Export recommendations",
            lambda progress, cancel: export_recommendations(path, destination, RECOMMENDATION_COUNT, progress, cancel),
            kind="recommend", lane=Lane.READ,
        )
        job.finished.connect(
            lambda summary: self.notice_posted.emit(
                "success",
                f"Exported {summary.rows:,} recommendations for {summary.customers:,} customers to {summary.destination}.",
            )
        )
        job.failed.connect(lambda message, details: self.notice_posted.emit("error", message))
        return job
