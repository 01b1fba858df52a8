"""Drag-and-drop events for widget tests (QTest has no drag helper)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_files(widget: QWidget, files: list[Path]) -> bool:
    """Drag `files` onto the middle of `widget` and drop them.

    Returns whether the widget accepted the drag. The drop is sent only then.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in files])
    position = QPointF(widget.width() / 2, widget.height() / 2)
    buttons = Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction

    # QDragEnterEvent takes an integer QPoint in PySide6 6.11; QDropEvent a QPointF.
    enter = QDragEnterEvent(position.toPoint(), action, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(position, action, mime, buttons, modifiers)
    QApplication.sendEvent(widget, drop)
    return True
