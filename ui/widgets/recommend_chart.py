"""Bar chart of each recommendation model's validation HR@10, NDCG@10 and coverage."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

METRICS = (("hr@10", "HR@10", "#3b7ea1"), ("ndcg@10", "NDCG@10", "#e08e45"), ("coverage@10", "Coverage@10", "#6a994e"))
SHORT_NAMES = {
    "popularity": "Bestsellers",
    "item_knn": "Item kNN",
    "content": "Content",
    "ease": "EASE",
    "neural": "Neural",
    "hybrid": "Hybrid",
}
NO_METRICS_TEXT = "No measured models yet: metrics appear after the first training with enough orders."


class ModelMetricsChart(QStackedWidget):
    """Horizontal grouped bars per model, so model names fit a narrow panel; the
    model in use is marked with a star."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(240)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setAcceptDrops(False)
        self.empty_label = QLabel(NO_METRICS_TEXT)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.chart_view)
        self.addWidget(self.empty_label)
        self.categories: list[str] = []
        self.set_models([])

    def set_models(self, models: list[dict]) -> None:
        """Draw one group of bars per model dict (name, metrics, is_active)."""
        order = list(SHORT_NAMES)
        measured = [m for m in models if "ndcg@10" in m.get("metrics", {})]
        measured.sort(key=lambda m: order.index(m["name"]) if m["name"] in order else len(order))
        # A horizontal bar series draws its first category at the bottom, so the
        # models are reversed to list Bestsellers at the top.
        measured.reverse()

        if not measured:
            self.categories = []
            self.setCurrentWidget(self.empty_label)
            return

        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        series = QHorizontalBarSeries()
        for key, title, color in METRICS:
            bar_set = QBarSet(title)
            bar_set.setColor(QColor(color))
            for model in measured:
                bar_set.append(float(model["metrics"].get(key) or 0.0))
            series.append(bar_set)
        chart.addSeries(series)
        self.categories = [
            SHORT_NAMES.get(m["name"], m["name"]) + (" ★" if m.get("is_active") else "") for m in measured
        ]
        axis_models = QBarCategoryAxis()
        axis_models.append(self.categories)
        axis_values = QValueAxis()
        top = max(float(m["metrics"].get(key) or 0.0) for m in measured for key, _, _ in METRICS)
        axis_values.setRange(0.0, min(1.0, max(0.1, top * 1.15)))
        axis_values.setLabelFormat("%.2f")
        chart.addAxis(axis_models, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_models)
        series.attachAxis(axis_values)
        chart.setTitle("Validation on the newest orders (★ = in use)")
        self.chart_view.setChart(chart)
        self.setCurrentWidget(self.chart_view)
