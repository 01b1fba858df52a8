"""A tile showing one count, such as the number of orders."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from ui.formatting import format_count


class CountTile(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("countTile")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("countTileValue")
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption_label = QLabel(caption)
        self.caption_label.setObjectName("countTileCaption")
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)

    def set_value(self, value: int | None) -> None:
        self.value_label.setText(format_count(value))

    def value_text(self) -> str:
        return self.value_label.text()
