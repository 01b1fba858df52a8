"""Reviews tab: loading, aspects drill-down, filters, corrections and training cancel."""

from __future__ import annotations

import pytest

from engine.importers import import_file
from engine.reviews import service
from engine.store import open_store

REVIEWS = """sku,rating,title,review,date
MUG-1,5,Lovely,The glaze is lovely and the handle is solid.,2024-01-10
MUG-1,1,Broken,The handle snapped off. Awful.,2024-01-20
MUG-1,5,Great,Beautiful mug and the glaze shines.,2024-02-05
MUG-1,4,Nice,Nice glaze but the handle is small.,2024-02-06
APRON-1,2,Thin,The fabric is thin and the straps are short.,2024-02-07
APRON-1,5,Love,Love it!,2024-02-08
"""


@pytest.fixture
def reviews_shop(tmp_path):
    path = tmp_path / "reviews" / "shop.db"
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text(REVIEWS, encoding="utf-8")
    with open_store(path, create=True) as store:
        import_file(store, csv_path, kind="reviews")
    service.analyse(path)
    service.add_topic(path, "handle")
    return path


@pytest.fixture
def tab(qtbot, runner):
    from ui.tabs.reviews_tab import ReviewsTab

    widget = ReviewsTab(runner)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def _load(tab, qtbot, shop):
    tab.set_shop(shop)
    tab.has_started_training = True  # keep training out of these tests
    tab.on_shown()
    qtbot.waitUntil(lambda: tab.summary is not None, timeout=30_000)


def test_loads_aspects_and_reviews(tab, qtbot, reviews_shop):
    _load(tab, qtbot, reviews_shop)
    assert tab.reviews_table.rowCount() == 6
    names = [tab.aspects_table.item(row, 0).data(0x0100) for row in range(tab.aspects_table.rowCount())]
    assert "handle" in names


def test_aspect_drill_down_highlights(tab, qtbot, reviews_shop):
    _load(tab, qtbot, reviews_shop)
    tab.aspects_table.selectRow(0)
    qtbot.waitUntil(lambda: "sentences about handle" in tab.sentences_view.toPlainText(), timeout=10_000)
    assert "The handle snapped off." in tab.sentences_view.toPlainText()
    assert "#ffe08a" in tab.sentences_view.toHtml()


def test_needs_reply_filter(tab, qtbot, reviews_shop):
    _load(tab, qtbot, reviews_shop)
    tab.filter_combo.setCurrentIndex(2)
    texts = [tab.reviews_table.item(row, 3).text() for row in range(tab.reviews_table.rowCount())]
    assert texts == [item.text for item in tab.summary.needs_reply]
    assert any("snapped" in text for text in texts)


def test_correction_stored(tab, qtbot, reviews_shop):
    _load(tab, qtbot, reviews_shop)
    tab.reviews_table.selectRow(0)
    review_id = tab.selected_review_id()
    tab.correct_combo.setCurrentText("negative")
    with qtbot.waitSignal(tab.notice_posted, timeout=10_000) as blocker:
        tab.correct_button.click()
    assert blocker.args == ["success", f"Review #{review_id} is now marked negative. The next Retrain learns from it."]
    with open_store(reviews_shop) as store:
        assert store.conn.execute("SELECT label FROM review_corrections WHERE review_id = ?", (review_id,)).fetchone() == ("negative",)


def test_training_falls_back_and_reports(tab, qtbot, reviews_shop):
    _load(tab, qtbot, reviews_shop)
    with qtbot.waitSignal(tab.notice_posted, timeout=30_000) as blocker:
        tab.retrain_button.click()
    assert blocker.args[0] == "success"
    assert "VADER" in blocker.args[1]
    qtbot.waitUntil(lambda: tab.retrain_button.isEnabled(), timeout=10_000)


def test_training_cancel(tab, qtbot, reviews_shop, monkeypatch):
    import threading

    started = threading.Event()

    def slow_training(shop, progress, cancel):
        started.set()
        while True:
            cancel.raise_if_cancelled("Training the review models")
            progress(0.1, "Training")
            threading.Event().wait(0.05)

    monkeypatch.setattr(service, "train_sentiment", slow_training)
    _load(tab, qtbot, reviews_shop)
    tab.retrain_button.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    assert tab.cancel_button.isVisible()
    with qtbot.waitSignal(tab.notice_posted, timeout=10_000) as blocker:
        tab.cancel_button.click()
    assert blocker.args == ["info", "Training was cancelled. The sentiment model in use is unchanged."]
    qtbot.waitUntil(lambda: tab.retrain_button.isEnabled(), timeout=10_000)
