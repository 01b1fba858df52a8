"""Tabs submit no job once the job runner was shut down, as it is when the window closes.

`JobRunner.submit` raises RuntimeError after the shutdown. A job that ignores its
cancel token still finishes after the shutdown, and its handlers must not start a
reload.
"""

from __future__ import annotations

import threading
import time

import pytest


def wait_for_shutdown(runner, started: threading.Event) -> None:
    """Block a job's worker thread until `runner` is shut down, ignoring the cancel."""
    started.set()
    deadline = time.monotonic() + 10
    while not runner.is_shut_down and time.monotonic() < deadline:
        time.sleep(0.01)


def shut_down_and_deliver(qtbot, runner) -> int:
    """Shut `runner` down, deliver the ended jobs' signals and return the job count."""
    assert runner.shutdown(timeout_s=10)
    qtbot.waitUntil(lambda: not runner.has_active_jobs(), timeout=10_000)
    qtbot.wait(50)
    return len(runner.history)


def test_recommendations_overview_ends_after_shutdown(qtbot, runner, seeded_shop, monkeypatch):
    from engine.recommend import service
    from ui.tabs.recommendations_tab import RecommendationsTab

    started = threading.Event()

    def overview_without_model(shop_path):
        wait_for_shutdown(runner, started)
        return service.ModelsOverview(
            models=[], active=None, active_trained_at=None, note="", last_run=None
        )

    monkeypatch.setattr(service, "models_overview", overview_without_model)
    tab = RecommendationsTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    tab.on_shown()
    assert started.wait(10)

    job_count = shut_down_and_deliver(qtbot, runner)

    # Without a model in use, the finished overview would start the first training.
    assert tab.model_label.text().startswith("No model trained yet")
    assert tab.training_job is None
    assert len(runner.history) == job_count


def test_recommendations_calls_after_shutdown(qtbot, runner, seeded_shop, tmp_path):
    from ui.tabs.recommendations_tab import RecommendationsTab

    tab = RecommendationsTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    job_count = shut_down_and_deliver(qtbot, runner)

    tab.on_shown()
    tab.load_overview()
    tab.load_bestsellers()
    tab.search_customers("C-1")
    tab.show_customer("C-1")
    tab.show_product("MUG-1", "Blue mug")
    tab.start_training("Retraining the recommendations…")

    assert tab.export_to(tmp_path / "recommendations.csv") is None
    assert tab.training_job is None
    assert len(runner.history) == job_count


def test_reviews_training_ends_after_shutdown(qtbot, runner, seeded_shop, monkeypatch):
    from engine.reviews import service
    from ui.tabs.reviews_tab import ReviewsTab

    started = threading.Event()

    def training_that_finishes(shop, progress, cancel):
        wait_for_shutdown(runner, started)
        return service.TrainingSummary("vader", True, 0, [], "Trained on 0 reviews.", 0.0)

    monkeypatch.setattr(service, "train_sentiment", training_that_finishes)
    tab = ReviewsTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    tab.start_training()
    assert started.wait(10)

    with qtbot.waitSignal(tab.notice_posted, timeout=10_000) as blocker:
        job_count = shut_down_and_deliver(qtbot, runner)

    # The finished training would reload the reviews after the shutdown.
    assert blocker.args == ["success", "Trained on 0 reviews."]
    assert tab.load_job is None
    assert len(runner.history) == job_count


def test_reviews_calls_after_shutdown(qtbot, runner, seeded_shop):
    from ui.tabs.reviews_tab import ReviewsTab

    tab = ReviewsTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    job_count = shut_down_and_deliver(qtbot, runner)

    tab.on_shown()
    tab.start_training()

    assert tab.load_job is None
    assert tab.train_job is None
    assert len(runner.history) == job_count


def test_photos_cancel_after_shutdown(qtbot, runner, seeded_shop, tmp_path):
    from engine.vision.files import CollectedFiles
    from ui.tabs.photos_tab import PhotosTab

    tab = PhotosTab(runner)
    qtbot.addWidget(tab)
    tab.set_shop(seeded_shop)
    job_count = shut_down_and_deliver(qtbot, runner)

    # Cancelling the tagging reloads the photo list.
    tab.on_tagging_cancelled()
    tab.on_photos_collected(CollectedFiles(photos=[tmp_path / "mug.jpg"]))

    assert tab.tagging_job is None
    assert len(runner.history) == job_count


@pytest.fixture
def voice_tab(qtbot, runner, monkeypatch):
    import sounddevice

    import ui.tabs.voice_tab as voice_tab_module

    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "query_devices", no_device)
    widget = voice_tab_module.VoiceTab(runner)
    qtbot.addWidget(widget)
    return widget


def test_voice_typed_search_after_shutdown(qtbot, runner, seeded_shop, voice_tab):
    voice_tab.set_shop(seeded_shop)
    job_count = shut_down_and_deliver(qtbot, runner)

    # The typing timer may fire while the window waits for jobs to stop.
    voice_tab.search_edit.setText("mug")
    voice_tab.on_typing_paused()

    assert voice_tab.search_job is None
    assert len(runner.history) == job_count
