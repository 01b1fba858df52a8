"""Notices at the top of the window: levels, limit and repeated messages."""

from __future__ import annotations

from ui.widgets.notice_area import MAX_NOTICES, NoticeArea


def test_repeated_message_replaces_older(qtbot):
    area = NoticeArea()
    qtbot.addWidget(area)

    area.post("success", "Imported orders.csv: 6 new.")
    area.post("info", "Backed up.")
    area.post("success", "Imported orders.csv: 6 new.")

    assert area.messages() == ["Backed up.", "Imported orders.csv: 6 new."]


def test_oldest_notice_removed_past_limit(qtbot):
    area = NoticeArea()
    qtbot.addWidget(area)

    for number in range(MAX_NOTICES + 1):
        area.post("info", f"message {number}")

    assert area.messages() == [f"message {n}" for n in range(1, MAX_NOTICES + 1)]


def test_notice_text_shown_as_plain_text(qtbot):
    area = NoticeArea()
    qtbot.addWidget(area)

    notice = area.post("warning", "<b>price list.csv</b> was not imported.")

    assert notice.label.text() == "<b>price list.csv</b> was not imported."
    assert notice.label.textFormat().name == "PlainText"
