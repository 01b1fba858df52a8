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
