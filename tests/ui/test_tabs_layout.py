"""Layout checks a screenshot would show: no clipped text in the tabs' messages."""

from __future__ import annotations

from tests.ui.shops import open_and_wait
from ui.main_window import TAB_NAMES


def test_tab_messages_are_not_clipped(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)

    for name in TAB_NAMES[1:]:
        window.select_tab(name)
        qtbot.wait(50)
        body = window.tab_widget.currentWidget().empty_state.body_label
        needed = body.heightForWidth(body.width())
        assert body.height() >= needed, f"{name}: {body.height()} < {needed} px"
