"""Layout checks a screenshot would show: no clipped text in the tabs' messages."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.ui.shops import open_and_wait
from ui.main_window import TAB_NAMES


def clipped_labels(widget) -> list[str]:
    """List the visible word-wrapped labels under `widget` that are shorter than their text."""
    clipped = []
    for label in widget.findChildren(QLabel):
        if not (label.isVisible() and label.wordWrap() and label.text()):
            continue
        needed = label.heightForWidth(label.width())
        if label.height() < needed:
            clipped.append(f"{label.text()[:60]!r}: {label.height()} < {needed} px")
    return clipped


def test_tab_messages_are_not_clipped(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)

    for name in TAB_NAMES[1:]:
        window.select_tab(name)
        qtbot.wait(200)
        tab = window.tab_widget.currentWidget()
        wrapped = [label for label in tab.findChildren(QLabel) if label.isVisible() and label.wordWrap()]

        assert wrapped, f"{name}: no visible message"
        assert clipped_labels(tab) == [], name


# A 1024 × 768 screen, less the window frame, a title bar and a taskbar.
MAX_MINIMUM_WIDTH = 1000
MAX_MINIMUM_HEIGHT = 700


def test_window_fits_small_screen_on_every_tab(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)

    for name in TAB_NAMES:
        window.select_tab(name)
        qtbot.wait(200)
        minimum = window.minimumSizeHint()

        assert minimum.width() <= MAX_MINIMUM_WIDTH, f"{name}: {minimum.width()} px wide"
        assert minimum.height() <= MAX_MINIMUM_HEIGHT, f"{name}: {minimum.height()} px high"


def test_reviews_tab_fits_small_screen_while_training(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)
    window.select_tab("reviews")
    tab = window.tab_widget.currentWidget()
    tab.product_combo.addItem("Hand-thrown stoneware coffee mug with speckled glaze " * 3, "LONG-1")

    # Training shows its progress bar and Cancel beside the filters.
    tab.progress_bar.show()
    tab.cancel_button.show()
    qtbot.wait(200)

    assert window.minimumSizeHint().width() <= MAX_MINIMUM_WIDTH
