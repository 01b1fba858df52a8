"""Fixtures for widget tests: offscreen Qt and a check for Qt threading warnings."""

from __future__ import annotations

import re

import pytest

from tests.ui.shops import seed_shop

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


@pytest.fixture
def seeded_shop(tmp_path):
    return seed_shop(tmp_path / "seeded" / "shop.db")


@pytest.fixture
def empty_shop(tmp_path):
    from engine.store import open_store

    path = tmp_path / "empty" / "shop.db"
    open_store(path, create=True).close()
    return path


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "ui-settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, runner, settings):
    from ui.main_window import MainWindow

    main_window = MainWindow(runner, settings)
    main_window.show()
    yield main_window
    # Stop the jobs first. A job that outlives the wait (a slow, loaded machine) must not
    # open the modal close question, which would block the test run with no one to answer.
    runner.shutdown(timeout_s=60)
    main_window.is_closing = True
    main_window.close()
    main_window.deleteLater()
