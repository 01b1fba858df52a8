"""Dialog for a CSV file whose layout was not recognised: pick the columns."""

from __future__ import annotations

import csv
import gzip
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    # Imported for type names only, because engine.importers loads pandas.
    from engine.importers.mapping import MappingField
    from engine.importers.report import FileSniff

log = logging.getLogger(__name__)

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252"]
KINDS = {
    "products": "Products",
    "orders": "Orders",
    "reviews": "Reviews",
    "customers": "Customers",
}
DELIMITER_NAMES = {
    ",": "comma (,)",
    ";": "semicolon (;)",
    "\t": "tab",
    "|": "vertical bar (|)",
}
NOT_IN_FILE = "(not in this file)"
PREVIEW_ROWS = 20


def read_preview(
    path: Path, encoding: str, delimiter: str, limit: int = PREVIEW_ROWS
) -> tuple[list[str], list[list[str]]]:
    """Read the header and the first rows with `encoding`, replacing bad bytes."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        header = next(reader, [])
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    return header, rows


@dataclass
class MappingChoice:
    kind: str
    encoding: str
    mapping: dict[str, str]  # field -> header


class MappingDialog(QDialog):
    """Shows the detected encoding, delimiter and kind, and a column per field.

    Which fields exist, which are required and the guess for a kind come from
    `engine.importers.mapping`, which checks the mapping again on import.
    """

    def __init__(
        self,
        sniff: FileSniff,
        generic_fields: dict[str, list[MappingField]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mappingDialog")
        self.sniff = sniff
        self.generic_fields = generic_fields
        self.headers = list(sniff.headers)
        self.field_combos: dict[str, QComboBox] = {}
        self.setWindowTitle(f"Import {sniff.path.name}")
        self.resize(820, 640)
        self._build()
        self._fill_fields()
        self._fill_preview(sniff.headers, sniff.sample_rows)

    def _build(self) -> None:
        intro = QLabel(
            f"The layout of {self.sniff.path.name} was not recognised. Choose what "
            "the file contains and which column holds each field, then press Import. "
            "Fields you leave as “(not in this file)” stay empty."
        )
        intro.setWordWrap(True)

        self.kind_combo = QComboBox()
        for key, label in KINDS.items():
            if key in self.generic_fields:
                self.kind_combo.addItem(label, key)
        kind_index = self.kind_combo.findData(self.sniff.kind or "products")
        self.kind_combo.setCurrentIndex(max(kind_index, 0))
        self.kind_combo.currentIndexChanged.connect(self.on_kind_changed)

        self.encoding_combo = QComboBox()
        encodings = list(ENCODINGS)
        if self.sniff.encoding not in encodings:
            encodings.append(self.sniff.encoding)
        for encoding in encodings:
            label = (
                f"{encoding} (detected)"
                if encoding == self.sniff.encoding
                else encoding
            )
            self.encoding_combo.addItem(label, encoding)
        self.encoding_combo.setCurrentIndex(encodings.index(self.sniff.encoding))
        self.encoding_combo.setToolTip(
            "Change this when letters such as é, ü or € look wrong in the preview."
        )
        self.encoding_combo.currentIndexChanged.connect(self.on_encoding_changed)

        delimiter = DELIMITER_NAMES.get(
            self.sniff.delimiter, repr(self.sniff.delimiter)
        )
        decimal = "comma (1.234,56)" if self.sniff.decimal_comma else "point (1,234.56)"
        file_form = QFormLayout()
        file_form.setObjectName("fileSettings")
        file_form.addRow("File contains:", self.kind_combo)
        file_form.addRow("Encoding:", self.encoding_combo)
        file_form.addRow("Columns separated by:", QLabel(delimiter))
        file_form.addRow("Decimal mark:", QLabel(decimal))

        self.fields_box = QGroupBox("Which column holds each field")
        self.fields_form = QFormLayout(self.fields_box)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        # Notes from sniffing, e.g. blank or repeated headers that were renamed.
        self.notes_label = QLabel(" ".join(self.sniff.warnings))
        self.notes_label.setObjectName("notes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setVisible(bool(self.notes_label.text()))

        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setMinimumHeight(160)
        preview_box = QGroupBox("First rows of the file")
        QVBoxLayout(preview_box).addWidget(self.preview_table)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_form)
        layout.addWidget(self.fields_box)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(preview_box, 1)
        layout.addWidget(self.buttons)

    def _fill_fields(self) -> None:
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        self.field_combos = {}
        kind = self.kind()
        preselected = self._preselected_mapping(kind)
        for field in self.generic_fields.get(kind, []):
            combo = QComboBox()
            combo.addItem(NOT_IN_FILE, None)
            for header in self.headers:
                combo.addItem(header, header)
            header = preselected.get(field.name)
            if header in self.headers:
                combo.setCurrentIndex(combo.findData(header))
            combo.setToolTip(field.help)
            combo.currentIndexChanged.connect(self.on_field_changed)
            self.field_combos[field.name] = combo
            label = (
                f"{field.label} (required):" if field.required else f"{field.label}:"
            )
            self.fields_form.addRow(label, combo)
        self.on_field_changed()

    def _preselected_mapping(self, kind: str) -> dict[str, str]:
        """Return the sniffed mapping for the detected kind, else a fresh guess."""
        if kind == self.sniff.kind and self.sniff.mapping:
            return self.sniff.mapping
        from engine.importers.mapping import guess_mapping

        return guess_mapping(self.headers, kind)

    def _fill_preview(self, headers: list[str], rows: list[list[str]]) -> None:
        width = max([len(headers), *(len(row) for row in rows)], default=0)
        self.preview_table.clear()
        self.preview_table.setColumnCount(width)
        self.preview_table.setRowCount(len(rows))
        # Row numbers as a spreadsheet shows them, the header being row 1, like the
        # skipped-row numbers in the import report.
        self.preview_table.setVerticalHeaderLabels(
            [str(number) for number in range(2, len(rows) + 2)]
        )
        self.preview_table.setHorizontalHeaderLabels(
            headers + [""] * (width - len(headers))
        )
        for row_index, row in enumerate(rows):
            for column, value in enumerate(row):
                self.preview_table.setItem(row_index, column, QTableWidgetItem(value))
        self.preview_table.resizeColumnsToContents()

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def encoding(self) -> str:
        return self.encoding_combo.currentData()

    def mapping(self) -> dict[str, str]:
        return {
            field: combo.currentData()
            for field, combo in self.field_combos.items()
            if combo.currentData() is not None
        }

    def choice(self) -> MappingChoice:
        return MappingChoice(self.kind(), self.encoding(), self.mapping())

    def on_kind_changed(self, index: int) -> None:
        self._fill_fields()

    def on_encoding_changed(self, index: int) -> None:
        try:
            headers, rows = read_preview(
                self.sniff.path, self.encoding(), self.sniff.delimiter
            )
        except (OSError, csv.Error, EOFError) as error:
            log.warning(
                "Could not re-read %s for the preview: %s", self.sniff.path.name, error
            )
            self.hint_label.setText(
                f"The preview could not be read again ({error}). The import will "
                "still use the encoding you chose."
            )
            return
        # Keep the owner's choices: the same columns, now decoded differently.
        chosen = {
            field: combo.currentIndex() for field, combo in self.field_combos.items()
        }
        is_same_width = len(headers) == len(self.headers)
        self.headers = headers
        self._fill_fields()
        if is_same_width:
            for field, index in chosen.items():
                if field in self.field_combos:
                    self.field_combos[field].setCurrentIndex(index)
        self._fill_preview(headers, rows)

    def missing_fields(self) -> list[str]:
        """Return the labels of required fields that no column is chosen for."""
        from engine.importers.mapping import missing_fields

        return missing_fields(self.kind(), self.mapping())

    def on_field_changed(self, index: int = 0) -> None:
        missing = self.missing_fields()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not missing)
        if missing:
            self.hint_label.setText(
                f"Choose the column that holds {' and '.join(missing)} to import "
                "this file."
            )
        else:
            self.hint_label.setText("")
