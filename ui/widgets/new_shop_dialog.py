"""Dialog for a new shop: a name and the folder it is created in."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SHOP_FILE_NAME = "shop.db"
# Characters that Windows, macOS or Linux reject in folder names.
INVALID_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class NewShopDialog(QDialog):
    """Builds the path <folder>/<name>/shop.db and checks it is free."""

    def __init__(self, default_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New shop")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Ceramics studio")
        self.folder_edit = QLineEdit(str(default_folder))
        browse_button = QPushButton("Browse…")
        browse_button.clicked.connect(self.on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse_button)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Shop name:", self.name_edit)
        form.addRow("Create in folder:", folder_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create shop")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.resize(560, 180)

        self.name_edit.textChanged.connect(self.on_input_changed)
        self.folder_edit.textChanged.connect(self.on_input_changed)
        self.on_input_changed()

    def shop_path(self) -> Path | None:
        """Return the shop file to create, or None while the input is invalid."""
        return self._check()[0]

    def _check(self) -> tuple[Path | None, str]:
        name = self.name_edit.text().strip()
        folder = self.folder_edit.text().strip()
        if not name:
            return None, "Type a name for the shop."
        if INVALID_NAME.search(name) or name in {".", ".."}:
            return (
                None,
                'The name cannot contain < > : " / \\ | ? or *. Choose another name.',
            )
        if not folder:
            return None, "Choose the folder the shop is created in."
        path = Path(folder).expanduser() / name / SHOP_FILE_NAME
        if path.exists():
            return None, (
                f"A shop already exists at {path}. Choose another name, or "
                "open that shop with File > Open shop…."
            )
        return path, f"The shop will be saved as {path}."

    def on_input_changed(self) -> None:
        path, text = self._check()
        self.result_label.setText(text)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            path is not None
        )

    def on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Create the shop in", self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)
