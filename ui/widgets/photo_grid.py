"""Thumbnail grid of photos: a list model in icon mode, thumbnails made off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

THUMBNAIL_SIDE = 128
PhotoIdRole = Qt.ItemDataRole.UserRole + 1


@dataclass
class PhotoItem:
    """One photo shown in the grid."""

    photo_id: int
    path: Path
    caption: str
    tooltip: str = ""
    icon: QIcon | None = None
    tags: list = field(default_factory=list)
    product_sku: str | None = None
    product_title: str | None = None
    name: str = ""  # the file name the owner knows the photo by


def make_thumbnail(path: Path) -> tuple[int, int, bytes] | None:
    """Return (width, height, RGB bytes) of a thumbnail; runs on a worker thread.

    Returns None when the file cannot be read, so the grid keeps its placeholder.
    """
    from PIL import Image

    from engine.vision.loading import PhotoLoadError, load_photo

    try:
        image = load_photo(path).image
    except PhotoLoadError:
        return None
    image = image.copy()
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
    return image.width, image.height, image.tobytes()


def thumbnail_icon(width: int, height: int, data: bytes) -> QIcon:
    """Turn thumbnail bytes into an icon; cheap enough for the GUI thread."""
    image = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image))


def placeholder_icon() -> QIcon:
    pixmap = QPixmap(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    pixmap.fill(QColor("#eef0f3"))
    return QIcon(pixmap)


class PhotoListModel(QAbstractListModel):
    """The photos of the grid, in display order."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[PhotoItem] = []
        self._rows_by_id: dict[int, int] = {}
        self._placeholder = placeholder_icon()

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.items)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.caption
        if role == Qt.ItemDataRole.DecorationRole:
            return item.icon or self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.tooltip
        if role == PhotoIdRole:
            return item.photo_id
        return None

    def set_items(self, items: list[PhotoItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self._rows_by_id = {item.photo_id: row for row, item in enumerate(self.items)}
        self.endResetModel()

    def upsert(self, items: list[PhotoItem]) -> None:
        """Update photos already shown and put new ones first.

        `items` may name one photo twice (one photo dropped under two file names).
        The grid shows it once, with the last entry, because a second row would
        never get its thumbnail and would restart the thumbnail jobs forever.
        """
        new: dict[int, PhotoItem] = {}
        for item in items:
            row = self._rows_by_id.get(item.photo_id)
            if row is None:
                new[item.photo_id] = item
                continue
            item.icon = item.icon or self.items[row].icon
            self.items[row] = item
            index = self.index(row)
            self.dataChanged.emit(index, index)
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self.items[0:0] = list(new.values())
            self._rows_by_id = {
                item.photo_id: row for row, item in enumerate(self.items)
            }
            self.endInsertRows()

    def item_for(self, photo_id: int) -> PhotoItem | None:
        row = self._rows_by_id.get(photo_id)
        return None if row is None else self.items[row]

    def set_icon(self, photo_id: int, icon: QIcon) -> None:
        row = self._rows_by_id.get(photo_id)
        if row is None:
            return
        self.items[row].icon = icon
        index = self.index(row)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def missing_thumbnails(self) -> list[PhotoItem]:
        return [item for item in self.items if item.icon is None]


class PhotoGrid(QListView):
    """Icon-mode view over a PhotoListModel with multi-selection."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo_model = PhotoListModel(self)
        self.setModel(self.photo_model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        self.setGridSize(QSize(THUMBNAIL_SIDE + 28, THUMBNAIL_SIDE + 44))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSpacing(4)
        self.setAccessibleName("Photos")

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return [self.photo_model.items[row].photo_id for row in rows]
