"""Base for tabs whose feature is not built yet: say what it will do, with real counts."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.store.queries import ShopCounts
from ui.widgets.empty_state import EmptyState


class PlannedTab(QWidget):
    """Shows what the tab will do and which of the shop's data it will use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
        self.show_counts(None)

    def show_counts(self, counts: ShopCounts | None) -> None:
        """Update the explanation with the open shop's counts, or None for no shop."""
        title, body = self.describe(counts)
        self.empty_state.set_text(title, body)

    def describe(self, counts: ShopCounts | None) -> tuple[str, str]:
        raise NotImplementedError

    def text(self) -> str:
        return f"{self.empty_state.title_label.text()}\n{self.empty_state.body_label.text()}"
