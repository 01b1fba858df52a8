"""Bar chart of revenue by month (QtCharts)."""

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
from PySide6.QtWidgets import QToolTip, QWidget

from ui.formatting import format_amount, format_month

# More bars than this get unreadable at the usual window width. Older months are
# left out, and the title states how many months are shown.
MAX_MONTHS = 24

BAR_COLOR = QColor("#3b7ea1")
CHART_LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


class RevenueChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revenueChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        # QGraphicsView accepts drops by default, so turn that off for files to reach
        # the window.
        self.setAcceptDrops(False)
        self.setMinimumHeight(280)
        self.months: list[str] = []
        self.values: list[float] = []
        self.set_revenue([])

    def set_revenue(self, revenue: list[tuple[str, float]]) -> None:
        """Draw one bar per (YYYY-MM, revenue) pair, keeping the latest MAX_MONTHS."""
        shown = revenue[-MAX_MONTHS:]
        self.months = [month for month, _ in shown]
        self.values = [value for _, value in shown]

        chart = QChart()
        # Localised numbers get group separators ("1,500,000"), which printf-style
        # axis formats cannot produce. The locale matches the tables' formatting.
        chart.setLocalizeNumbers(True)
        chart.setLocale(CHART_LOCALE)
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        if not revenue:
            chart.setTitle(
                "No revenue yet: import an orders export to see revenue by month"
            )
        elif len(revenue) > MAX_MONTHS:
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

        month_axis = QBarCategoryAxis()
        month_axis.append([format_month(month) for month in self.months])
        if len(self.months) > 8:
            month_axis.setLabelsAngle(-60)
        chart.addAxis(month_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(month_axis)

        value_axis = QValueAxis()
        value_axis.setTitleText("Revenue")
        value_axis.setLabelFormat("%.0f")
        low = min([0.0, *self.values])
        high = max([0.0, *self.values])
        value_axis.setRange(low, high if high > low else 1.0)
        value_axis.applyNiceNumbers()
        chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(value_axis)

        old_chart = self.chart()
        self.setChart(chart)
        if old_chart is not None:
            old_chart.deleteLater()

    def on_bar_hovered(self, is_inside: bool, index: int) -> None:
        if is_inside and 0 <= index < len(self.months):
            month = format_month(self.months[index])
            text = f"{month}: {format_amount(self.values[index])}"
            QToolTip.showText(QCursor.pos(), text, self)
        else:
            QToolTip.hideText()
