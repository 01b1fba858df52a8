"""The Last import panel: counts, notes and the skipped rows table."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QHeaderView

from engine.store.queries import ImportRunSummary, SkippedRow
from ui.widgets.import_report_view import ImportReportView

LONG_REASON = "value not offered by parent: APR-LIN offers Size S, M, L, not XL"


def make_run(skipped: int = 1, warnings: list[str] | None = None) -> ImportRunSummary:
    return ImportRunSummary(
        id=1,
        file_name="products.csv",
        format="shopify_products",
        encoding="utf-8",
        status="completed",
        started_at="2024-03-09T14:20:00+00:00",
        finished_at="2024-03-09T14:22:00+00:00",
        rows_read=12,
        imported=11,
        updated=0,
        unchanged=0,
        skipped=skipped,
        message=None,
        warnings=warnings or [],
    )


def test_skipped_reason_wraps_readably(qtbot):
    view = ImportReportView()
    qtbot.addWidget(view)
    view.resize(1000, 400)
    values = {
        "Handle": "apron-linen",
        "Option1 Value": "XL",
        "Variant SKU": "APR-LIN-XL",
    }

    view.set_run(make_run(), [SkippedRow(14, LONG_REASON, values)])
    view.show()
    qtbot.waitExposed(view)

    table = view.skipped_table
    header = table.horizontalHeader()
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch
    assert table.wordWrap()
    assert table.item(0, 1).text() == LONG_REASON
    # The wrapped reason fits in its cell, so no part of it is cut off.
    width = table.columnWidth(1) - 8
    needed = table.fontMetrics().boundingRect(
        QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, LONG_REASON
    )
    assert needed.width() <= width
    assert table.rowHeight(0) >= needed.height()
    # Values stay on one line, so a long product description keeps rows short.
    assert table.rowHeight(0) < 4 * table.fontMetrics().height()


def test_notes_hidden_without_warnings(qtbot):
    view = ImportReportView()
    qtbot.addWidget(view)

    view.set_run(make_run(skipped=0), [])
    view.show()

    assert not view.fields["notes"].isVisibleTo(view)
    assert view.skipped_title.text() == "No rows were skipped."


def test_notes_listed_as_bullets(qtbot):
    view = ImportReportView()
    qtbot.addWidget(view)
    notes = ["The file was read as cp1252.", "The file has no data rows."]

    view.set_run(make_run(skipped=0, warnings=notes), [])
    view.show()

    assert view.fields["notes"].isVisibleTo(view)
    assert view.fields["notes"].text() == (
        "• The file was read as cp1252.\n• The file has no data rows."
    )
