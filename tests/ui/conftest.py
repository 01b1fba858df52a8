"""Fixtures for widget tests: offscreen Qt and a check for Qt threading warnings."""

from __future__ import annotations

import re

import pytest

# Qt prints these when a widget or timer is touched from the wrong thread, e.g.
# "QObject::setParent: Cannot set parent, new parent is in a different thread".
THREAD_WARNING = re.compile(r"thread|QObject::|QBasicTimer|QPixmap", re.IGNORECASE)


@pytest.fixture(autouse=True)
def fail_on_qt_thread_warnings(qtlog):
    yield
    warnings = [r.message for r in qtlog.records if THREAD_WARNING.search(r.message)]
    assert warnings == [], f"Qt threading warnings: {warnings}"


@pytest.fixture
def runner(qtbot):
    from ui.jobs import JobRunner

    job_runner = JobRunner()
    yield job_runner
    assert job_runner.shutdown(timeout_s=10), "a test job did not stop within 10 s"
