"""Overview tab: counts, chart, best sellers and the last import, loaded in a job."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.shops import open_and_wait
from ui.tabs.overview_tab import OverviewTab
from ui.widgets.revenue_chart import RevenueChart


def test_overview_shows_seeded_counts(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)
    overview = window.overview_tab

    assert overview.pages.currentWidget() is overview.content_page
    assert overview.tile_texts() == {
        "products": "3",
        "customers": "2",
        "orders": "3",
        "order_lines": "3",
        "reviews": "1",
        "photos": "1",
    }


def test_overview_chart_has_revenue_by_month(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)
    chart = window.overview_tab.revenue_chart

    assert chart.months == ["2024-01", "2024-02"]
    assert chart.values == [45.0, 30.0]
    axis = chart.chart().axes(Qt.Orientation.Vertical)[0]
    assert axis.titleText() == "Revenue"
    categories = chart.chart().axes(Qt.Orientation.Horizontal)[0].categories()
    assert categories == ["Jan 2024", "Feb 2024"]


def test_overview_top_products_table(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)
    table = window.overview_tab.top_products_table

    rows = [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]
    assert rows == [
        ["Blue mug", "MUG-1", "5", "50.00"],
        ["Tall vase", "VASE-2", "1", "25.00"],
    ]


def test_overview_shows_last_import_and_skipped_rows(qtbot, window, seeded_shop):
    open_and_wait(qtbot, window, seeded_shop)
    report = window.overview_tab.import_report

    assert report.isVisibleTo(window)
    assert report.fields["file"].text() == "orders.csv"
    assert report.fields["encoding"].text() == "cp1252"
    assert report.fields["status"].text() == "Completed"
    assert report.fields["counts"].text() == (
        "5 new, 0 updated, 0 unchanged, 2 skipped (of 7 rows read)"
    )
    table = report.skipped_table
    assert table.rowCount() == 2
    assert [table.item(row, 0).text() for row in range(2)] == ["4", "7"]
    assert table.item(0, 1).text() == "quantity 'two' is not a number"
    assert table.item(0, 2).text() == "order: A-3; qty: two"


def test_feature_tabs_get_counts(qtbot, window, empty_shop):
    open_and_wait(qtbot, window, empty_shop)

    assert window.photos_tab.status_label.text() == (
        "This shop has no photos yet. Drop some here."
    )
    assert window.reviews_tab.status_label.text().startswith(
        "This shop has no reviews yet."
    )
    assert window.voice_tab.status_label.text().startswith(
        "This shop has no products yet, so there is nothing to search."
    )


def test_empty_shop_points_at_import(qtbot, window, empty_shop):
    open_and_wait(qtbot, window, empty_shop)
    overview = window.overview_tab

    assert overview.pages.currentWidget() is overview.message_page
    assert overview.message_page.title_label.text() == "This shop has no data yet"
    assert "File > Import…" in overview.message_page.body_label.text()
    assert "drop CSV exports" in overview.message_page.body_label.text()


def test_empty_state_button_requests_import(qtbot, runner, empty_shop):
    overview = OverviewTab(runner)
    qtbot.addWidget(overview)
    with qtbot.waitSignal(overview.load_ended, timeout=10000):
        overview.set_shop(empty_shop)

    with qtbot.waitSignal(overview.import_requested, timeout=1000):
        qtbot.mouseClick(overview.message_page.action_button, Qt.MouseButton.LeftButton)


def test_missing_shop_file_shows_message(qtbot, runner, tmp_path):
    overview = OverviewTab(runner)
    qtbot.addWidget(overview)
    missing = tmp_path / "gone" / "shop.db"

    with qtbot.waitSignal(overview.load_ended, timeout=10000) as blocker:
        overview.set_shop(missing)

    assert blocker.args == [False]
    assert overview.message_page.body_label.text() == (
        f"No shop file at {missing}. Choose File > Open shop to pick another shop, "
        "or File > New shop to create one."
    )
    assert overview.message_page.action_button.text() == "Try again"


def test_newer_load_wins(qtbot, runner, seeded_shop, empty_shop):
    overview = OverviewTab(runner)
    qtbot.addWidget(overview)
    ended = []
    overview.load_ended.connect(ended.append)

    overview.set_shop(empty_shop)
    overview.set_shop(seeded_shop)
    qtbot.waitUntil(lambda: ended == [True], timeout=10000)
    qtbot.wait(200)

    assert ended == [True]
    assert overview.tile_texts()["orders"] == "3"


def test_shop_without_orders_shows_chart_message(qtbot, window, tmp_path, shared_data):
    from engine.importers import import_file
    from engine.store import open_store

    shop_path = tmp_path / "products-only" / "shop.db"
    with open_store(shop_path, create=True) as store:
        import_file(store, shared_data / "shop-export-formats/spree/products.csv")

    open_and_wait(qtbot, window, shop_path)

    chart = window.overview_tab.revenue_chart
    assert window.overview_tab.tile_texts()["orders"] == "0"
    assert chart.is_empty
    assert chart.empty_label.isVisibleTo(window)
    assert chart.empty_label.text() == (
        "No orders yet: import your orders to see revenue by month"
    )


def test_orders_without_dates_explained(qtbot):
    chart = RevenueChart()
    qtbot.addWidget(chart)

    chart.set_revenue([], order_count=5)

    assert chart.is_empty
    assert chart.empty_label.text() == (
        "No revenue by month: the orders have no order dates, or were all refunded "
        "or cancelled. Import an orders export with an order date column to see it."
    )


def test_chart_shortens_labels_of_many_months(qtbot):
    chart = RevenueChart()
    qtbot.addWidget(chart)
    months = [f"{2010 + index // 12}-{index % 12 + 1:02d}" for index in range(14)]

    chart.set_revenue([(month, 100.0) for month in months])

    assert not chart.is_empty
    axis = chart.chart().axes(Qt.Orientation.Horizontal)[0]
    assert axis.categories()[:2] == ["Jan ’10", "Feb ’10"]
    assert axis.categories()[-1] == "Feb ’11"
    assert axis.labelsAngle() == -90
    assert not axis.truncateLabels()


def test_chart_small_revenue_shows_cents(qtbot):
    chart = RevenueChart()
    qtbot.addWidget(chart)

    chart.set_revenue([("2024-01", 1.5), ("2024-02", 0.75)])

    axis = chart.chart().axes(Qt.Orientation.Vertical)[0]
    assert axis.labelFormat() == "%.2f"
    assert axis.max() >= 1.5
