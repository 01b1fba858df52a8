"""Recognition on real recordings and on a spoken query, end to end."""

from __future__ import annotations

import csv

import pytest

from engine.voice import whisper
from engine.voice.audio import load_audio
from engine.voice.gate import detect_speech


@pytest.mark.slow
def test_whisper_transcribes_recordings(shared_data):
    from bench.voice import word_errors

    folder = shared_data / "pocketsphinx-test-speech"
    rows = list(csv.DictReader(open(folder / "transcripts.csv", encoding="utf-8")))
    errors = words = 0
    for row in rows[:4]:
        gate = detect_speech(load_audio(folder / row["file"]))
        assert gate.has_speech
        text = whisper.recognize(gate.audio)[0].text
        e, w = word_errors(row["transcript"], text)
        errors, words = errors + e, words + w
    assert errors / words <= 0.25


@pytest.mark.slow
def test_spoken_query_finds_product(shared_data, tmp_path):
    from engine.store import open_store, utc_now
    from engine.voice.service import search_by_voice

    shop = tmp_path / "shop.db"
    now = utc_now()
    names = [
        ("84279P", "CHERRY BLOSSOM DECORATIVE FLASK"),
        ("20653", "CHERRY BLOSSOM LUGGAGE TAG"),
        ("84817", "DANISH ROSE DECORATIVE PLATE"),
    ]
    with open_store(shop, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, source, created_at, updated_at) "
            "VALUES (?, ?, 'test', ?, ?)",
            [(sku, title, now, now) for sku, title in names],
        )
    result = search_by_voice(shop, shared_data / "spoken-queries" / "audio" / "q009.wav")
    assert result.status == "found"
    assert "cherry blossom" in result.transcript.lower()
    assert result.products[0].sku == "84279P"
    assert result.hotwords[0] == "cherry blossom decorative flask"


def test_invented_phrase_is_dropped():
    transcript = whisper.Transcript("Thanks for watching!", -0.3, 0.2, (), 0.1)
    assert whisper._reject_invented(transcript).text == ""


def test_loop_is_dropped():
    text = "bag, jumbo bag, " * 8
    transcript = whisper.Transcript(text, -0.3, 0.1, (), 0.1)
    assert whisper._reject_invented(transcript).rejected == "the transcript repeats itself"
