"""What the main window expects of each feature tab.

The window creates every feature tab with the shared job runner and then:
- calls `set_shop(path)` when a shop is opened (None when none is open);
- calls `show_counts(counts)` when the shop's counts are loaded;
- calls `data_changed()` after an import into the open shop finished;
- calls `on_shown()` each time the tab becomes the visible tab, so a tab loads its
  data when first looked at and start-up stays quick;
- shows what a tab emits with `notice_posted(level, text)` in the notice area
  (level is "info", "success", "warning" or "error").

Long work goes through `self.runner.submit(...)` so it shows in the jobs panel with
progress and Cancel, and the window cancels it on close. Closing shuts the runner
down, and `submit` then raises RuntimeError. Jobs that ignore the cancel still
finish after that, so every method that submits checks `is_runner_available`
first, including the reloads that job-end handlers start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts
    from ui.jobs import JobRunner


class FeatureTab(QWidget):
    """Base of the Recommendations, Photos, Reviews and Voice search tabs."""

    notice_posted = Signal(str, str)

    def __init__(self, runner: JobRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.shop_path: Path | None = None

    @property
    def is_runner_available(self) -> bool:
        """True when the tab has a job runner that was not shut down."""
        return self.runner is not None and not self.runner.is_shut_down

    def set_shop(self, shop_path: Path | None) -> None:
        self.shop_path = shop_path

    def show_counts(self, counts: ShopCounts | None) -> None:
        """Show the open shop's counts; None while no shop is open."""

    def data_changed(self) -> None:
        """Reload after an import changed the open shop's data."""

    def on_shown(self) -> None:
        """Refresh when the tab becomes the visible tab."""
