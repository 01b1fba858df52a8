"""The last import's outcome: file, format, counts and the rows it skipped."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.formatting import format_count
from ui.messages import bulleted_list

STATUS_LABELS = {
    "completed": "Completed",
    "running": "Running",
    "failed": "Failed",
    "cancelled": "Cancelled, nothing saved",
    "interrupted": "Interrupted, nothing saved",
}

if TYPE_CHECKING:
    from engine.store.queries import ImportRunSummary, SkippedRow


def format_time(text: str | None) -> str:
    """Show an ISO 8601 time in the computer's time zone, e.g. "2024-03-09 14:22"."""
    if not text:
        return "not finished"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def describe_values(values: dict | list) -> str:
    """Render a skipped row's original values as "header: value" pairs."""
    if isinstance(values, dict):
        return "; ".join(f"{key}: {value}" for key, value in values.items())
    if isinstance(values, list):
        return "; ".join(str(value) for value in values)
    return json.dumps(values, ensure_ascii=False)


class SingleLineDelegate(QStyledItemDelegate):
    """Item delegate that draws a cell on one line, cut with "…" when too long."""

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), option.fontMetrics.height() + 4)


class ImportReportView(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Last import", parent)
        self.setObjectName("importReport")
        self.fields: dict[str, QLabel] = {}
        self.form = form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in [
            ("file", "File"),
            ("format", "Format"),
            ("encoding", "Encoding"),
            ("status", "Status"),
            ("counts", "Records"),
            ("finished", "Finished"),
            ("message", "Note"),
            ("notes", "Notes"),
        ]:
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(f"{label}:", value)

        self.skipped_title = QLabel()
        self.skipped_title.setObjectName("sectionTitle")
        self.skipped_table = QTableWidget(0, 3)
        self.skipped_table.setHorizontalHeaderLabels(
            ["Row", "Reason", "Values in the file"]
        )
        self.skipped_table.verticalHeader().setVisible(False)
        self.skipped_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Reasons wrap, so a long reason such as "value not offered by parent: …"
        # is readable without widening the window. A row's values can be a whole
        # product description, so they stay on one line with the rest in a tooltip.
        self.skipped_table.setWordWrap(True)
        self.skipped_table.setItemDelegateForColumn(
            2, SingleLineDelegate(self.skipped_table)
        )
        header = self.skipped_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # Rows grow with the wrapped text. Sizing every row stays quick because the
        # overview loads at most 1,000 skipped rows (queries.skipped_rows).
        self.skipped_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.skipped_table.setMinimumHeight(160)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.skipped_title)
        layout.addWidget(self.skipped_table)

    def set_run(
        self,
        run: ImportRunSummary,
        skipped: list[SkippedRow],
        format_label: str | None = None,
    ) -> None:
        """Show `run`. `format_label` names its format, e.g. "Shopify orders export"."""
        self.fields["file"].setText(run.file_name)
        self.fields["format"].setText(format_label or run.format or "not detected")
        self.fields["encoding"].setText(run.encoding or "not detected")
        self.fields["status"].setText(STATUS_LABELS.get(run.status, run.status))
        self.fields["counts"].setText(
            f"{format_count(run.imported)} new, {format_count(run.updated)} updated, "
            f"{format_count(run.unchanged)} unchanged, "
            f"{format_count(run.skipped)} skipped "
            f"(of {format_count(run.rows_read)} rows read)"
        )
        self.fields["finished"].setText(format_time(run.finished_at))
        self.fields["message"].setText(run.message or "")
        self.form.setRowVisible(self.fields["message"], bool(run.message))
        self.fields["notes"].setText(bulleted_list(run.warnings))
        self.form.setRowVisible(self.fields["notes"], bool(run.warnings))
        self._set_skipped(run, skipped)

    def _set_skipped(self, run: ImportRunSummary, skipped: list[SkippedRow]) -> None:
        if not skipped:
            self.skipped_title.setText("No rows were skipped.")
        elif len(skipped) < run.skipped:
            self.skipped_title.setText(
                f"Skipped rows (the first {len(skipped):,} of {run.skipped:,}):"
            )
        else:
            self.skipped_title.setText("Skipped rows:")
        self.skipped_table.setVisible(bool(skipped))

        self.skipped_table.setRowCount(len(skipped))
        for row, item in enumerate(skipped):
            number = QTableWidgetItem(str(item.row_number))
            number.setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
            )
            reason = QTableWidgetItem(item.reason)
            reason.setToolTip(item.reason)
            values_text = describe_values(item.values)
            values = QTableWidgetItem(values_text)
            values.setToolTip(values_text)
            # The number and values line up with a reason's first line.
            for cell in (reason, values):
                cell.setTextAlignment(
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                )
            self.skipped_table.setItem(row, 0, number)
            self.skipped_table.setItem(row, 1, reason)
            self.skipped_table.setItem(row, 2, values)
