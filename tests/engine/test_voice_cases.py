"""Audio cases: silence and noise, resampling, a muted microphone, no microphone."""

from __future__ import annotations

import numpy as np
import pytest

from engine.voice.audio import load_audio
from engine.voice.capture import Recorder
from engine.voice.gate import detect_speech
from engine.voice.service import search_audio, search_by_voice
from engine.voice.sources import WavFileSource


@pytest.fixture(scope="module")
def catalog_shop(tmp_path_factory):
    from engine.store import open_store, utc_now

    path = tmp_path_factory.mktemp("voice") / "shop.db"
    now = utc_now()
    names = [
        ("M1", "BLUE MUG"), ("M2", "WHITE MUG"), ("B1", "BLUE BOWL"),
        ("L1", "LUNCH BAG RED RETROSPOT"), ("C1", "PINK POLKADOT CUP"),
    ]  # fmt: skip
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, source, created_at, updated_at) "
            "VALUES (?, ?, 'test', ?, ?)",
            [(sku, title, now, now) for sku, title in names],
        )
    return path


@pytest.mark.parametrize(
    "name", ["C37_silence_1s_44k1_stereo.wav", "C37_room_noise_3s_16k_mono.wav"]
)
def test_silence_and_noise_give_nothing_heard(cases, catalog_shop, name):
    result = search_by_voice(catalog_shop, cases / name)
    assert result.status == "nothing heard"
    assert result.transcript == ""
    assert result.heard == "nothing heard"
    assert result.products == []
    assert result.message.startswith("Nothing heard")


def test_gate_rejects_room_noise(cases):
    gate = detect_speech(load_audio(cases / "C37_room_noise_3s_16k_mono.wav"))
    assert not gate.has_speech


@pytest.mark.parametrize(
    "name",
    ["C38_speech_16k_mono_reference.wav", "C38_speech_48k_mono.wav", "C38_speech_8k_mono.wav"],
)
def test_rates_give_same_sphinx_query(cases, catalog_shop, name):
    from engine.search.service import open_for_search

    with open_for_search(catalog_shop) as store:
        samples = load_audio(cases / name)
        result = search_audio(store, samples, _stats(samples), recognizer="pocketsphinx")
    assert result.recognizer == "pocketsphinx"
    assert result.transcript == "show me blue mug"
    assert result.products[0].title == "BLUE MUG"


def test_unconverted_48k_is_garbled(cases):
    from engine.voice.sphinx import SphinxRecognizer

    samples, _ = __import__("engine.voice.audio", fromlist=["read_wav"]).read_wav(
        cases / "C38_speech_48k_mono.wav"
    )
    recognizer = SphinxRecognizer(["blue mug", "white mug", "blue bowl"])
    assert recognizer.transcribe(samples[:, 0]) != "show me blue mug"


def test_zeros_from_microphone_are_muted(cases, catalog_shop):
    from engine.search.service import open_for_search

    recording = Recorder(WavFileSource(cases / "C42_mic_all_zeros_2s_16k_mono.wav")).record()
    with open_for_search(catalog_shop) as store:
        result = search_audio(store, recording.audio, recording.stats, is_live=True)
    assert result.status == "muted"
    assert result.products == []
    assert "privacy settings" in result.message
    assert not result.message.startswith("Nothing heard")


def test_zeros_in_file_are_digital_silence(cases, catalog_shop):
    result = search_by_voice(catalog_shop, cases / "C42_mic_all_zeros_2s_16k_mono.wav")
    assert result.status == "nothing heard"
    assert "exactly zero" in result.message


def test_no_input_device_lists_nothing(monkeypatch):
    import sounddevice

    from engine.voice.errors import NoMicrophoneError
    from engine.voice.sources import MicrophoneSource, list_input_devices

    def fail(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "query_devices", fail)
    monkeypatch.setattr(sounddevice, "InputStream", fail)
    assert list_input_devices() == []
    with pytest.raises(NoMicrophoneError, match="No microphone found"):
        MicrophoneSource(None).start()


def test_device_lost_mid_recording(monkeypatch):
    from engine.voice import sources
    from engine.voice.errors import MicrophoneFailedError

    source = sources.MicrophoneSource(sources.InputDevice(3, "USB headset", 1, 48_000, True))
    monkeypatch.setattr(sources, "STALL_TIMEOUT_S", 0.05)
    source._problem = "the audio stream ended unexpectedly"
    with pytest.raises(MicrophoneFailedError, match="USB headset"):
        source.read()


def _stats(samples):
    from engine.voice.audio import audio_stats

    return audio_stats(samples, 16_000)


def test_live_array_of_noise_searches_nothing(catalog_shop):
    rng = np.random.default_rng(1)
    noise = (rng.normal(0, 0.01, 32_000)).astype(np.float32)
    result = search_by_voice(catalog_shop, noise)
    assert result.status == "nothing heard"
