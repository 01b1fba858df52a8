"""Table of ranked products: thumbnail, name, price, category and why it matched."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

THUMBNAIL_PX = 56
COLUMNS = ("Photo", "Product", "Price", "Category", "Why it matched")


@dataclass
class ResultRow:
    """One product row, with its thumbnail already decoded off the GUI thread."""

    sku: str
    title: str
    price: str
    category: str
    reasons: str
    thumbnail: QImage | None


class VoiceResultsTable(QTableWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(THUMBNAIL_PX + 8)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(0, THUMBNAIL_PX + 12)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

    def show_rows(self, rows: list[ResultRow]) -> None:
        self.setRowCount(len(rows))
        for row, result in enumerate(rows):
            photo = QTableWidgetItem()
            if result.thumbnail is not None:
                photo.setData(Qt.ItemDataRole.DecorationRole, QPixmap.fromImage(result.thumbnail))
            else:
                photo.setText("no photo")
                photo.setForeground(Qt.GlobalColor.gray)
            self.setItem(row, 0, photo)
            title = QTableWidgetItem(f"{result.title}\n{result.sku}")
            self.setItem(row, 1, title)
            price = QTableWidgetItem(result.price)
            price.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, 2, price)
            self.setItem(row, 3, QTableWidgetItem(result.category or "—"))
            why = QTableWidgetItem(result.reasons)
            why.setToolTip(result.reasons)
            self.setItem(row, 4, why)

    def titles(self) -> list[str]:
        return [self.item(row, 1).text().split("\n")[0] for row in range(self.rowCount())]
