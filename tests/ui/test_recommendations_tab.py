"""Recommendations tab on a small trained shop."""

from __future__ import annotations

import pytest


@pytest.fixture
def trained_shop(tmp_path, cases):
    from engine.recommend.service import train_shop
    from tests.engine.test_recommend import _case_shop

    path = _case_shop(tmp_path, cases)
    train_shop(path)
    return path


def test_tab_shows_customer_recommendations(qtbot, runner, trained_shop):
    from ui.tabs.recommendations_tab import RecommendationsTab

    tab = RecommendationsTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(trained_shop)
    tab.on_shown()
    qtbot.waitUntil(lambda: tab.customer_list.count() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: tab.model_label.text().startswith("In use:"), timeout=10_000)
    tab.show_customer("C-0101")
    qtbot.waitUntil(lambda: tab.recommendation_table.rowCount() > 0, timeout=10_000)
    assert tab.recommendation_label.text().startswith("Customer C-0101 has bought 1 products.")
    assert tab.recommendation_table.item(0, 3).text() != ""
