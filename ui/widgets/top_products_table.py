"""Table of the best-selling products: title, SKU, quantity and revenue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.formatting import format_amount, format_quantity

if TYPE_CHECKING:
    from engine.store.queries import TopProduct

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class TopProductsTable(QTableWidget):
    COLUMNS = ["Product", "SKU", "Quantity", "Revenue"]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("topProducts")
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def set_products(self, products: list[TopProduct]) -> None:
        self.setRowCount(len(products))
        for row, product in enumerate(products):
            cells = [
                QTableWidgetItem(product.title),
                QTableWidgetItem(product.sku),
                QTableWidgetItem(format_quantity(product.quantity)),
                QTableWidgetItem(format_amount(product.revenue)),
            ]
            cells[0].setToolTip(product.title)
            cells[2].setTextAlignment(RIGHT)
            cells[3].setTextAlignment(RIGHT)
            for column, cell in enumerate(cells):
                self.setItem(row, column, cell)
