"""Qt bindings must not leak or free references to Python objects on signal emit."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    progressed = Signal(float, str)
    ended = Signal()


def test_emit_keeps_true_refcount(qapp):
    emitter = Emitter()
    received: list[float] = []
    emitter.progressed.connect(lambda fraction, text: received.append(fraction))
    emitter.ended.emit()
    before = sys.getrefcount(True)

    for step in range(200):
        emitter.progressed.emit(step / 200, "Reading")
        emitter.ended.emit()

    # PySide6 6.12.0 on Python 3.11 lost one reference per emit here, and the
    # interpreter aborts once True's count reaches zero.
    assert abs(sys.getrefcount(True) - before) < 50
    assert len(received) == 200
