"""Capture conversion through the audio-source interface, fed from WAV files."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.io import wavfile

from engine.voice.audio import TARGET_RATE, read_wav, resample, to_mono
from engine.voice.capture import Recorder, check_recording
from engine.voice.sources import WavFileSource


def write_wav(path, samples, rate):
    data = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    wavfile.write(path, rate, data)
    return path


def tone(rate, seconds=1.0, frequency=440.0, amplitude=0.3):
    t = np.arange(int(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t)


def dominant_frequency(samples, rate):
    spectrum = np.abs(np.fft.rfft(samples))
    return np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()]


@pytest.mark.parametrize("rate", [8_000, 16_000, 44_100, 48_000])
def test_recorder_resamples_rates(tmp_path, rate):
    path = write_wav(tmp_path / "tone.wav", tone(rate), rate)
    recording = Recorder(WavFileSource(path), stop_on_silence=False).record()
    assert recording.source_rate == rate
    assert abs(recording.audio.size - TARGET_RATE) <= 2
    assert abs(dominant_frequency(recording.audio, TARGET_RATE) - 440) < 3


def test_recorder_averages_stereo(tmp_path):
    left = tone(44_100, amplitude=0.4)
    stereo = np.stack([left, -left * 0.5], axis=1)
    path = write_wav(tmp_path / "stereo.wav", stereo, 44_100)
    recording = Recorder(WavFileSource(path), stop_on_silence=False).record()
    assert recording.source_channels == 2
    assert recording.audio.ndim == 1
    assert np.abs(recording.audio).max() == pytest.approx(0.1, abs=0.01)


def test_recorder_reports_levels(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone(16_000, amplitude=0.5), 16_000)
    levels = []
    Recorder(WavFileSource(path), level_callback=levels.append).record()
    assert len(levels) == 20
    assert all(-10 < level < -5 for level in levels)


def test_recorder_stops_after_trailing_silence(tmp_path):
    speech_then_silence = np.concatenate([tone(16_000, 1.0), np.zeros(16_000 * 3)])
    path = write_wav(tmp_path / "pause.wav", speech_then_silence, 16_000)
    recording = Recorder(WavFileSource(path)).record()
    assert recording.stopped_by == "silence"
    assert 1.8 <= recording.stats.duration_s <= 2.1


def test_recorder_stops_on_release(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone(16_000, 3.0), 16_000)
    recorder = Recorder(WavFileSource(path))
    recorder.stop()
    recording = recorder.record()
    assert recording.stopped_by == "release"
    assert recording.audio.size == 0


def test_check_flags_zeros_as_muted(cases):
    samples, rate = read_wav(cases / "C42_mic_all_zeros_2s_16k_mono.wav")
    recording = Recorder(WavFileSource(cases / "C42_mic_all_zeros_2s_16k_mono.wav")).record()
    check = check_recording(recording.stats)
    assert check.problem == "muted"
    assert "muted or access to it is blocked" in check.message


def test_check_flags_short_tap(tmp_path):
    path = write_wav(tmp_path / "tap.wav", tone(48_000, 0.15), 48_000)
    recording = Recorder(WavFileSource(path)).record()
    check = check_recording(recording.stats)
    assert check.problem == "too short"
    assert check.message.startswith("The recording was too short to be speech (0.1 s)")


def test_check_warns_on_clipping(tmp_path):
    path = write_wav(tmp_path / "loud.wav", np.clip(tone(16_000, amplitude=2.0), -1, 1), 16_000)
    recording = Recorder(WavFileSource(path), stop_on_silence=False).record()
    check = check_recording(recording.stats)
    assert check.problem is None
    assert len(check.warnings) == 1
    assert check.warnings[0].startswith("The recording was too loud")


def test_check_accepts_normal_tone(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone(16_000), 16_000)
    recording = Recorder(WavFileSource(path), stop_on_silence=False).record()
    assert check_recording(recording.stats) == check_recording(recording.stats)
    assert check_recording(recording.stats).problem is None
    assert check_recording(recording.stats).warnings == ()


def test_read_wav_rejects_non_wav(tmp_path):
    from engine.voice.errors import AudioFileError

    path = tmp_path / "notes.wav"
    path.write_text("not audio")
    with pytest.raises(AudioFileError, match="notes.wav"):
        read_wav(path)


def test_resample_keeps_length_ratio():
    samples = to_mono(np.ones((48_000, 2), np.float32) * 0.1)
    assert resample(samples, 48_000).size == 16_000
