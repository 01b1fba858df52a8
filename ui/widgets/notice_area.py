"""Messages shown at the top of the window instead of one dialog per event."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# Older messages are removed once this many are shown.
MAX_NOTICES = 4

LEVELS = ("info", "success", "warning", "error")


class Notice(QFrame):
    def __init__(self, level: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setProperty("level", level)
        self.level = level
        self.is_dismissed = False
        self.label = QLabel(text)
        # Plain text keeps file names and notes with "<" from being read as HTML.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setObjectName("noticeDismiss")
        self.dismiss_button.clicked.connect(self.on_dismiss_clicked)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)

    def text(self) -> str:
        return self.label.text()

    def on_dismiss_clicked(self) -> None:
        self.is_dismissed = True
        self.hide()
        self.deleteLater()


class NoticeArea(QWidget):
    """A column of dismissible messages, the newest at the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeArea")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 0)
        self._layout.setSpacing(4)
        self._notices: list[Notice] = []
        self.hide()

    def post(self, level: str, text: str) -> Notice:
        if level not in LEVELS:
            raise ValueError(f"unknown notice level {level!r}, use one of {LEVELS}")
        # The same message again (importing one file twice) replaces the older one.
        for old in self.notices():
            if old.text() == text:
                old.on_dismiss_clicked()
        notices = self.notices()
        for old in notices[: max(0, len(notices) - MAX_NOTICES + 1)]:
            old.on_dismiss_clicked()
        notice = Notice(level, text, self)
        notice.dismiss_button.clicked.connect(self.on_notice_dismissed)
        self._notices.append(notice)
        self._layout.addWidget(notice)
        notice.show()
        self.show()
        return notice

    def notices(self) -> list[Notice]:
        """Return the notices on screen, oldest first."""
        self._notices = [notice for notice in self._notices if not notice.is_dismissed]
        return list(self._notices)

    def messages(self) -> list[str]:
        """Return the texts of the notices on screen, oldest first."""
        return [notice.text() for notice in self.notices()]

    def clear(self) -> None:
        for notice in self.notices():
            notice.on_dismiss_clicked()
        self.hide()

    def on_notice_dismissed(self) -> None:
        if not self.notices():
            self.hide()
