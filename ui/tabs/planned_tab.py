"""Base for tabs whose feature is not built yet: what it will do, with real counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.tabs.feature_tab import FeatureTab
from ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts


class PlannedTab(FeatureTab):
    """Shows what the tab will do and which of the shop's data it will use."""

    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
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
        title = self.empty_state.title_label.text()
        return f"{title}\n{self.empty_state.body_label.text()}"
