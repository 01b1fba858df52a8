"""Dialog that picks the backup to restore: the shop's own backups, or any file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from engine.store.backup import AUTOMATIC_BACKUPS_KEPT, BackupInfo


def backup_item_text(backup: BackupInfo) -> str:
    """Return one list line: date and time, why it was made, size."""
    size_mb = backup.size_bytes / 1_000_000
    when = backup.created.strftime("%Y-%m-%d %H:%M:%S")
    return f"{when}    {backup.label}    {size_mb:,.1f} MB    {backup.path.name}"


class RestoreDialog(QDialog):
    """Lists the backups in the shop's backups folder, newest first."""

    def __init__(self, shop_name: str, backups: list[BackupInfo], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Restore {shop_name} from a backup")
        self.chosen_path: Path | None = None

        intro = QLabel(
            f"Choose the backup to restore. Merchant Assistant keeps the last "
            f"{AUTOMATIC_BACKUPS_KEPT} backups it makes before imports, updates and "
            "restores. The shop as it is now is backed up first, so a restore can be "
            "undone by restoring that backup."
        )
        intro.setWordWrap(True)
        self.backup_list = QListWidget()
        for backup in backups:
            item = QListWidgetItem(backup_item_text(backup))
            item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
            self.backup_list.addItem(item)
        if backups:
            self.backup_list.setCurrentRow(0)
        self.empty_label = QLabel(
            "This shop has no backups in its backups folder yet. Choose a backup "
            "file saved with File > Back up shop instead."
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(not backups)
        self.backup_list.setVisible(bool(backups))

        self.choose_file_button = QPushButton("Choose another backup file…")
        self.choose_file_button.clicked.connect(self.on_choose_file_clicked)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Restore…")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(backups))
        self.buttons.accepted.connect(self.on_restore_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.backup_list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.choose_file_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self.resize(720, 360)

    def on_restore_clicked(self) -> None:
        item = self.backup_list.currentItem()
        if item is None:
            return
        self.chosen_path = Path(item.data(Qt.ItemDataRole.UserRole))
        self.accept()

    def on_choose_file_clicked(self) -> None:
        file_name, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup", "", "Shop backups (*.db);;All files (*)"
        )
        if file_name:
            self.chosen_path = Path(file_name)
            self.accept()
