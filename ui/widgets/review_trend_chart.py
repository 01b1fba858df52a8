"""Line chart of review sentiment by month (QtCharts), or a message saying why it is empty."""

from __future__ import annotations

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QStackedWidget

NO_DATES_TEXT = (
    "No trend: these reviews have no dates. Import a reviews export with a date "
    "column (Shopify's created_at, Magento's created_at) to see sentiment by month."
)


class ReviewTrendChart(QStackedWidget):
    """Positive and negative share of reviews per month."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.view)
        self.addWidget(self.message)
        self.setMinimumHeight(160)

    def show_trend(self, points, undated: int = 0) -> None:
        """Draw the monthly points (engine TrendPoint list)."""
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        if len(points) < 2:
            text = NO_DATES_TEXT if not points else "Reviews from one month only: the trend needs two months or more."
            self.message.setText(text)
            self.setCurrentWidget(self.message)
            return
        positive, negative = QLineSeries(), QLineSeries()
        positive.setName("positive share")
        negative.setName("negative share")
        positive.setPen(QPen(QColor("#3c9a5f"), 2))
        negative.setPen(QPen(QColor("#c8553d"), 2))
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        step = max(1, len(points) // 8)
        for index, point in enumerate(points):
            positive.append(index, point.positive_share * 100)
            negative.append(index, point.negative_share * 100)
            if index % step == 0:
                x_axis.append(point.month, index)
        x_axis.setRange(0, len(points) - 1)
        y_axis = QValueAxis()
        y_axis.setRange(0, 100)
        y_axis.setLabelFormat("%d%%")
        for series in (positive, negative):
            self.chart.addSeries(series)
        self.chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (positive, negative):
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        title = "Sentiment by month"
        if undated:
            title += f" ({undated} undated reviews not shown)"
        self.chart.setTitle(title)
        self.setCurrentWidget(self.view)
