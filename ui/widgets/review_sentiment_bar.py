"""Table cell that draws an aspect's sentiment as a stacked bar: positive, neutral, negative."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

# The cell's data under this role is a (positive, neutral, negative) tuple of counts.
SENTIMENT_ROLE = Qt.ItemDataRole.UserRole + 1
POSITIVE_COLOR = QColor("#3c9a5f")
NEUTRAL_COLOR = QColor("#b8b8b8")
NEGATIVE_COLOR = QColor("#c8553d")


class SentimentBarDelegate(QStyledItemDelegate):
    """Paint (positive, neutral, negative) counts as one bar split by share."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        counts = index.data(SENTIMENT_ROLE)
        if not counts or sum(counts) == 0:
            super().paint(painter, option, index)
            return
        painter.save()
        rect = option.rect.adjusted(4, 6, -4, -6)
        total = sum(counts)
        left = rect.left()
        for count, color in zip(counts, (POSITIVE_COLOR, NEUTRAL_COLOR, NEGATIVE_COLOR)):
            width = round(rect.width() * count / total)
            if width > 0:
                painter.fillRect(QRect(left, rect.top(), width, rect.height()), color)
            left += width
        painter.restore()
