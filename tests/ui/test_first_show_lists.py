"""What the feature tabs read when first shown: summary tables, not every order line."""

from __future__ import annotations

from dataclasses import replace

from engine.store.queries import ShopCounts


def test_recommendations_first_lists(qtbot, runner, seeded_shop, monkeypatch):
    from ui.tabs.recommendations_tab import RecommendationsTab

    tab = RecommendationsTab(runner)
    qtbot.addWidget(tab)
    # The seeded shop has no model, so the tab would start training it.
    monkeypatch.setattr(tab, "start_training", lambda text: None)
    tab.set_shop(seeded_shop)
    tab.on_shown()
    qtbot.waitUntil(lambda: tab.recommendation_table.rowCount() > 0, timeout=10_000)
    # The models' job ends too, so no result comes back after the test.
    qtbot.waitUntil(lambda: tab.model_label.text() != "Loading…", timeout=10_000)

    customers = [tab.customer_list.item(row).text() for row in range(tab.customer_list.count())]
    assert customers == ["C-2 (2 orders)", "C-1 (1 orders)"]
    assert tab.recommendation_label.text() == (
        "Bestsellers across the shop by revenue; pick a customer for personal "
        "recommendations."
    )
    rows = [
        [tab.recommendation_table.item(row, column).text() for column in range(4)]
        for row in range(tab.recommendation_table.rowCount())
    ]
    assert rows == [
        ["MUG-1", "Blue mug", "50.000", "bestseller: 5 sold"],
        ["VASE-2", "Tall vase", "25.000", "bestseller: 1 sold"],
    ]


def make_counts(products: int) -> ShopCounts:
    counts = ShopCounts(0, 0, 0, 0, 0, 0, 0, 0, 0)
    return replace(counts, products=products)


def test_voice_indexes_large_catalog_early(qtbot, runner, seeded_shop):
    from ui.tabs.voice_tab import PREBUILD_MIN_PRODUCTS, VoiceTab

    tab = VoiceTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)

    tab.show_counts(make_counts(PREBUILD_MIN_PRODUCTS - 1))
    names_small = [job.name for job in runner.history]
    tab.show_counts(make_counts(PREBUILD_MIN_PRODUCTS))
    tab.show_counts(make_counts(PREBUILD_MIN_PRODUCTS))
    names_large = [job.name for job in runner.history]

    assert names_small == []
    assert names_large == ["Indexing the catalog for search"]
    job = runner.history[0]
    qtbot.waitUntil(lambda: not job.is_active, timeout=10_000)
    assert job.state.value == "finished"


def test_voice_search_waits_for_index(qtbot, runner, seeded_shop):
    from ui.tabs.voice_tab import PREBUILD_MIN_PRODUCTS, VoiceTab

    tab = VoiceTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    tab.show_counts(make_counts(PREBUILD_MIN_PRODUCTS))

    # The indexing job cannot have ended: its end is handled by this thread.
    assert tab.search_text("blue mug") is None
    assert tab.status_label.text() == (
        "Indexing the catalog for search… your search runs when it is done."
    )
    qtbot.waitUntil(lambda: tab.status_label.text().endswith("best match first."), timeout=20_000)
    assert [job.name for job in runner.history] == [
        "Indexing the catalog for search",
        "Searching the catalog",
    ]
    assert tab.results_table.rowCount() > 0
