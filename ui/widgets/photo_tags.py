"""Tag chips of the selected photo with accept and remove, plus add, link and similar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

KIND_LABELS = {
    "category": "Category",
    "object": "Object",
    "colour": "Colour",
    "product": "Product",
}
STATUS_STYLES = {
    "suggested": "background: #f1f3f6; border: 1px solid #c5cad3;",
    "accepted": "background: #e3f4e6; border: 1px solid #3c9a4f;",
    "removed": "background: #faf0f0; border: 1px dashed #c99; color: #999;",
}


class TagChip(QFrame):
    """One tag: its value and confidence, with accept and remove buttons."""

    accept_clicked = Signal(int)
    remove_clicked = Signal(int)

    def __init__(self, tag, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setObjectName("tagChip")
        self.setStyleSheet(
            f"#tagChip {{ {STATUS_STYLES[tag.status]} border-radius: 10px; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 2, 1)
        layout.setSpacing(2)
        self.label = QLabel(chip_text(tag))
        if tag.status == "removed":
            font = self.label.font()
            font.setStrikeOut(True)
            self.label.setFont(font)
        layout.addWidget(self.label)
        self.accept_button = self._button("✓", f"Accept the tag {tag.value}")
        self.accept_button.setEnabled(tag.status != "accepted")
        self.accept_button.clicked.connect(lambda: self.accept_clicked.emit(tag.id))
        self.remove_button = self._button("✕", f"Remove the tag {tag.value}")
        self.remove_button.setEnabled(tag.status != "removed")
        self.remove_button.clicked.connect(lambda: self.remove_clicked.emit(tag.id))
        layout.addWidget(self.accept_button)
        layout.addWidget(self.remove_button)

    def _button(self, text: str, tooltip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tooltip)
        button.setAccessibleName(tooltip)
        button.setAutoRaise(True)
        return button


def chip_text(tag) -> str:
    if tag.confidence is None or tag.status == "accepted" and tag.origin == "user":
        return tag.value
    return f"{tag.value} {tag.confidence:.0%}"


class PhotoTagsPanel(QWidget):
    """Details of the selected photos: tag chips, add tag, product link, similar products."""

    tag_status_requested = Signal(int, str)  # tag id, "accepted" or "removed"
    add_requested = Signal(str, str)  # kind, value (applies to every selected photo)
    link_requested = Signal(int, str)  # photo id, sku
    similar_requested = Signal(int)  # photo id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo_id: int | None = None
        self.suggested_sku: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)

        self.title = QLabel("Select a photo to see its tags.")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.title)

        self.chips_area = QVBoxLayout()
        self.chips_area.setSpacing(4)
        layout.addLayout(self.chips_area)

        layout.addWidget(self._add_row())
        layout.addWidget(self._link_row())

        self.similar_button = QPushButton("Find similar products")
        self.similar_button.setEnabled(False)
        self.similar_button.clicked.connect(self.on_similar_clicked)
        layout.addWidget(self.similar_button)
        self.similar_list = QListWidget()
        self.similar_list.setAccessibleName("Similar products")
        self.similar_list.setMaximumHeight(110)
        self.similar_list.hide()
        layout.addWidget(self.similar_list)
        layout.addStretch(1)

    def _add_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 6, 0, 0)
        self.kind_box = QComboBox()
        for kind in ("category", "object", "colour"):
            self.kind_box.addItem(KIND_LABELS[kind], kind)
        self.kind_box.setAccessibleName("Tag kind")
        self.value_edit = QLineEdit()
        self.value_edit.setPlaceholderText("New tag, e.g. Men/Tops/Tees")
        self.value_edit.setAccessibleName("New tag")
        self.value_edit.returnPressed.connect(self.on_add_clicked)
        self.add_button = QPushButton("Add to selected")
        self.add_button.setToolTip("Add this tag to every selected photo")
        self.add_button.clicked.connect(self.on_add_clicked)
        self.add_button.setEnabled(False)
        layout.addWidget(self.kind_box)
        layout.addWidget(self.value_edit, 1)
        layout.addWidget(self.add_button)
        return row

    def _link_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.link_label = QLabel("")
        self.link_label.setWordWrap(True)
        self.link_label.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred
        )
        self.link_button = QPushButton("Link to this product")
        self.link_button.clicked.connect(self.on_link_clicked)
        self.link_button.hide()
        layout.addWidget(self.link_label, 1)
        layout.addWidget(self.link_button)
        return row

    def show_photo(self, item, selected_count: int) -> None:
        """Show one photo's tags; `item` is a PhotoItem or None for no selection."""
        self._clear_chips()
        self.similar_list.clear()
        self.similar_list.hide()
        self.photo_id = item.photo_id if item is not None else None
        self.add_button.setEnabled(selected_count > 0)
        self.similar_button.setEnabled(item is not None)
        self.add_button.setText(
            "Add to selected"
            if selected_count <= 1
            else f"Add to {selected_count} photos"
        )
        if item is None:
            self.title.setText("Select a photo to see its tags.")
            self._show_link(None, None)
            return

        title = item.product_title or item.name or item.path.name
        more = (
            f" (and {selected_count - 1} more selected)" if selected_count > 1 else ""
        )
        self.title.setText(f"{title}{more}")
        for kind in ("category", "object", "colour"):
            tags = [tag for tag in item.tags if tag.kind == kind]
            self._add_chip_row(kind, tags)
        suggestion = next(
            (
                tag
                for tag in item.tags
                if tag.kind == "product" and tag.status != "removed"
            ),
            None,
        )
        self._show_link(item, suggestion)

    def _show_link(self, item, suggestion) -> None:
        self.suggested_sku = None
        self.link_button.hide()
        if item is None:
            self.link_label.setText("")
        elif item.product_sku:
            self.link_label.setText(
                f"Product: {item.product_title or ''} ({item.product_sku})"
            )
        elif suggestion is not None:
            self.suggested_sku = suggestion.value
            confidence = (
                f", similarity {suggestion.confidence:.2f}"
                if suggestion.confidence
                else ""
            )
            self.link_label.setText(
                f"Looks like product {suggestion.value}{confidence}"
            )
            self.link_button.show()
        else:
            self.link_label.setText("Not linked to a product.")

    def _add_chip_row(self, kind: str, tags: list) -> None:
        row = QHBoxLayout()
        row.setSpacing(4)
        label = QLabel(f"{KIND_LABELS[kind]}:")
        label.setMinimumWidth(60)
        row.addWidget(label)
        if not tags:
            empty = QLabel(
                "none yet" if kind != "category" else "none yet (train the tagger)"
            )
            empty.setStyleSheet("color: #777;")
            row.addWidget(empty)
        for tag in tags:
            chip = TagChip(tag)
            chip.accept_clicked.connect(
                lambda tag_id: self.tag_status_requested.emit(tag_id, "accepted")
            )
            chip.remove_clicked.connect(
                lambda tag_id: self.tag_status_requested.emit(tag_id, "removed")
            )
            row.addWidget(chip)
        row.addStretch(1)
        self.chips_area.addLayout(row)

    def _clear_chips(self) -> None:
        while self.chips_area.count():
            row = self.chips_area.takeAt(0).layout()
            while row is not None and row.count():
                widget = row.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()

    def chips(self) -> list[TagChip]:
        return self.findChildren(TagChip)

    def on_add_clicked(self) -> None:
        value = self.value_edit.text().strip()
        if value and self.add_button.isEnabled():
            self.add_requested.emit(self.kind_box.currentData(), value)
            self.value_edit.clear()

    def on_link_clicked(self) -> None:
        if self.photo_id is not None and self.suggested_sku:
            self.link_requested.emit(self.photo_id, self.suggested_sku)

    def on_similar_clicked(self) -> None:
        if self.photo_id is not None:
            self.similar_requested.emit(self.photo_id)

    def show_similar(self, products: list) -> None:
        self.similar_list.clear()
        if not products:
            self.similar_list.addItem(
                "No similar products yet: train the tagger so catalog photos are compared."
            )
        for product in products:
            item = QListWidgetItem(
                f"{product.title} ({product.sku}), similarity {product.similarity:.2f}"
            )
            item.setData(Qt.ItemDataRole.UserRole, product.sku)
            self.similar_list.addItem(item)
        self.similar_list.show()
