"""Bar chart of revenue by month (QtCharts), or a message saying why it is empty."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, Qt
from PySide6.QtGui import QColor, QCursor, QPainter
from PySide6.QtWidgets import QLabel, QStackedWidget, QToolTip, QWidget

from ui.formatting import format_amount, format_month, format_short_month

# More bars than this get unreadable at the usual window width. Older months are
# left out, and the title states how many months are shown.
MAX_MONTHS = 24

# With more months than this, labels are shortened to "Mar ’24", because 8 labels
# like "Mar 2024" are cut to "Mar …" in a 1024 pixel wide window.
MAX_LONG_LABELS = 6
# With more months than this, the short labels are turned upright to fit.
MAX_HORIZONTAL_LABELS = 8
# Below this revenue the axis shows cents, so small amounts do not read 0, 0, 1, 1.
WHOLE_NUMBER_MINIMUM = 10.0
NO_ORDERS_TEXT = "No orders yet: import your orders to see revenue by month"
NO_DATED_REVENUE_TEXT = (
    "No revenue by month: the orders have no order dates, or were all refunded or "
    "cancelled. Import an orders export with an order date column to see it."
)

BAR_COLOR = QColor("#3b7ea1")
CHART_LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


class RevenueChart(QStackedWidget):
    """Revenue by month as bars, or a message saying why there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revenueChart")
        self.setMinimumHeight(280)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        # QGraphicsView accepts drops by default, so turn that off for files to reach
        # the window.
        self.chart_view.setAcceptDrops(False)
        self.empty_label = QLabel(NO_ORDERS_TEXT)
        self.empty_label.setObjectName("emptyStateBody")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.addWidget(self.chart_view)
        self.addWidget(self.empty_label)
        self.months: list[str] = []
        self.values: list[float] = []
        self.set_revenue([])

    def chart(self) -> QChart:
        return self.chart_view.chart()

    @property
    def is_empty(self) -> bool:
        """Whether the message is shown instead of bars."""
        return self.currentWidget() is self.empty_label

    def set_revenue(
        self, revenue: list[tuple[str, float]], order_count: int = 0
    ) -> None:
        """Draw one bar per (YYYY-MM, revenue) pair, keeping the latest MAX_MONTHS.

        `order_count` is the shop's number of orders. It picks the message shown
        when `revenue` is empty.
        """
        shown = revenue[-MAX_MONTHS:]
        self.months = [month for month, _ in shown]
        self.values = [value for _, value in shown]
        if not revenue:
            text = NO_DATED_REVENUE_TEXT if order_count else NO_ORDERS_TEXT
            self.empty_label.setText(text)
            self.setCurrentWidget(self.empty_label)
            return

        chart = QChart()
        # Localised numbers get group separators ("1,500,000"), which printf-style
        # axis formats cannot produce. The locale matches the tables' formatting.
        chart.setLocalizeNumbers(True)
        chart.setLocale(CHART_LOCALE)
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        if len(revenue) > MAX_MONTHS:
            chart.setTitle(
                f"Revenue by month (latest {MAX_MONTHS} of {len(revenue)} months)"
            )
        else:
            chart.setTitle("Revenue by month")

        bar_set = QBarSet("Revenue")
        bar_set.setColor(BAR_COLOR)
        bar_set.setBorderColor(BAR_COLOR)
        bar_set.append(self.values)
        bar_set.hovered.connect(self.on_bar_hovered)
        series = QBarSeries()
        series.append(bar_set)
        chart.addSeries(series)
        self._add_month_axis(chart, series)
        self._add_value_axis(chart, series)

        old_chart = self.chart_view.chart()
        self.chart_view.setChart(chart)
        if old_chart is not None:
            old_chart.deleteLater()
        self.setCurrentWidget(self.chart_view)

    def _add_month_axis(self, chart: QChart, series: QBarSeries) -> None:
        month_axis = QBarCategoryAxis()
        if len(self.months) > MAX_LONG_LABELS:
            month_axis.append([format_short_month(month) for month in self.months])
        else:
            month_axis.append([format_month(month) for month in self.months])
        if len(self.months) > MAX_HORIZONTAL_LABELS:
            month_axis.setLabelsAngle(-90)
        # Angled labels are otherwise cut to a lone "…" (checked with PySide6 6.11).
        month_axis.setTruncateLabels(False)
        chart.addAxis(month_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(month_axis)

    def _add_value_axis(self, chart: QChart, series: QBarSeries) -> None:
        value_axis = QValueAxis()
        value_axis.setTitleText("Revenue")
        low = min([0.0, *self.values])
        high = max([0.0, *self.values])
        is_small = max(abs(low), abs(high)) < WHOLE_NUMBER_MINIMUM
        value_axis.setLabelFormat("%.2f" if is_small else "%.0f")
        value_axis.setRange(low, high if high > low else 1.0)
        value_axis.applyNiceNumbers()
        chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(value_axis)

    def on_bar_hovered(self, is_inside: bool, index: int) -> None:
        if is_inside and 0 <= index < len(self.months):
            month = format_month(self.months[index])
            text = f"{month}: {format_amount(self.values[index])}"
            QToolTip.showText(QCursor.pos(), text, self)
        else:
            QToolTip.hideText()
