"""A centred message for a tab or page that has nothing to show yet."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# Lines longer than this are hard to read on a wide window.
TEXT_WIDTH = 720


class EmptyState(QWidget):
    """Title, explanation, optional progress bar and optional action button."""

    action_clicked = Signal()

    def __init__(
        self,
        title: str = "",
        body: str = "",
        action: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title_label = QLabel(title)
        self.title_label.setObjectName("emptyStateTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_label = QLabel(body)
        self.body_label.setObjectName("emptyStateBody")
        self.body_label.setWordWrap(True)
        self.body_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.progress_bar.setFixedWidth(420)
        self.action_button = QPushButton(action or "")
        self.action_button.setVisible(action is not None)
        self.action_button.clicked.connect(self.action_clicked)

        # Word-wrapped labels get their height from the column's width. A label
        # aligned inside a wider layout cell is sized for a narrow width and clipped.
        column = QWidget()
        column.setMaximumWidth(TEXT_WIDTH)
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self.title_label)
        column_layout.addWidget(self.body_label)
        center = Qt.AlignmentFlag.AlignHCenter
        column_layout.addWidget(self.progress_bar, 0, center)
        column_layout.addWidget(self.action_button, 0, center)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def set_text(self, title: str, body: str) -> None:
        self.title_label.setText(title)
        self.body_label.setText(body)

    def set_action(self, text: str | None) -> None:
        self.action_button.setText(text or "")
        self.action_button.setVisible(text is not None)

    def set_progress(self, fraction: float | None, is_visible: bool = True) -> None:
        """Show a percent bar, a busy bar when `fraction` is None, or hide it."""
        self.progress_bar.setVisible(is_visible)
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(round(fraction * 100))
