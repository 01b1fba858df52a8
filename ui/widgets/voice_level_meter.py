"""A horizontal live input level meter, in dBFS."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DBFS = -60.0
# Levels above this are close to clipping and drawn in a warning colour.
LOUD_DBFS = -6.0


class VoiceLevelMeter(QWidget):
    """Shows the latest microphone level from −60 dBFS (empty) to 0 dBFS (full)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level_dbfs = FLOOR_DBFS
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:
        return QSize(240, 14)

    def set_level(self, dbfs: float) -> None:
        self.level_dbfs = max(FLOOR_DBFS, min(0.0, dbfs))
        self.setToolTip(f"Input level {self.level_dbfs:.0f} dBFS")
        self.update()

    def fraction(self) -> float:
        return (self.level_dbfs - FLOOR_DBFS) / -FLOOR_DBFS

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QColor("#b8bec6"))
        painter.setBrush(QColor("#eef0f3"))
        painter.drawRoundedRect(rect, 4, 4)
        filled = QRectF(rect.x(), rect.y(), rect.width() * self.fraction(), rect.height())
        colour = "#d9822b" if self.level_dbfs > LOUD_DBFS else "#2e9d57"
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(filled, 4, 4)
