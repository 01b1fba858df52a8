"""Voice search tab: no microphone, typed search, a WAV recording, recording."""

from __future__ import annotations

import pytest

from engine.store import open_store, utc_now


@pytest.fixture
def catalog_shop(tmp_path):
    path = tmp_path / "shop.db"
    now = utc_now()
    names = [("M1", "BLUE MUG"), ("M2", "WHITE MUG"), ("B1", "BLUE BOWL")]
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, price, currency, source, created_at, "
            "updated_at) VALUES (?, ?, 2.5, 'GBP', 'test', ?, ?)",
            [(sku, title, now, now) for sku, title in names],
        )
    return path


@pytest.fixture
def tab(qtbot, runner, monkeypatch):
    import sounddevice

    import ui.tabs.voice_tab as voice_tab

    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "query_devices", no_device)
    monkeypatch.setattr(voice_tab, "LOAD_EMBEDDINGS", False)
    widget = voice_tab.VoiceTab(runner)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_no_microphone_disables_button(tab, catalog_shop):
    tab.set_shop(catalog_shop)
    tab.refresh_devices()
    assert not tab.mic_button.isEnabled()
    assert tab.mic_button.toolTip() == "No microphone found"
    assert tab.hint_label.text().startswith("No microphone found")
    assert tab.search_edit.isEnabled()


def test_typed_search_shows_results(qtbot, tab, catalog_shop):
    tab.set_shop(catalog_shop)
    job = tab.search_text("blue mugs")
    with qtbot.waitSignal(job.ended, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: tab.results_table.rowCount() > 0, timeout=5_000)
    assert tab.results_table.titles()[0] == "BLUE MUG"
    assert tab.results_table.item(0, 2).text() == "2.50 GBP"
    assert tab.status_label.text() == "3 products for 'blue mugs', best match first."


def test_silent_recording_says_nothing_heard(qtbot, tab, catalog_shop, cases):
    tab.set_shop(catalog_shop)
    job = tab.search_recording_file(cases / "C37_room_noise_3s_16k_mono.wav")
    with qtbot.waitSignal(job.ended, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: tab.status_label.text().startswith("Nothing heard"), timeout=5_000)
    assert tab.results_table.rowCount() == 0
    assert tab.transcript_edit.text() == ""


def test_recording_from_source_muted(qtbot, tab, catalog_shop, cases):
    from engine.voice.sources import WavFileSource

    tab.set_shop(catalog_shop)
    source = WavFileSource(cases / "C42_mic_all_zeros_2s_16k_mono.wav")
    job = tab.start_recording(source)
    with qtbot.waitSignal(job.ended, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: tab.record_job is None, timeout=5_000)
    assert tab.status_label.text().startswith("The microphone sent only silence")
    assert tab.mic_button.text() == "Hold to speak"
