"""Rescoring of a spoken query's products by how well the recording fits each name."""

from __future__ import annotations

import math

import pytest

from engine.search.service import open_for_search, ranker_for, search_store
from engine.store import open_store, utc_now
from engine.voice.rescoring import candidate_skus, rescore

PRODUCTS = [
    ("WJ06", "Juno Jacket"),
    ("MJ08", "Lando Gym Jacket"),
    ("21163", "DO NOT TOUCH MY STUFF DOOR HANGER"),
    ("22413", "METAL SIGN TAKE IT OR LEAVE IT"),
    ("84279P", "CHERRY BLOSSOM DECORATIVE FLASK"),
    ("20653", "CHERRY BLOSSOM LUGGAGE TAG"),
    ("84817", "DANISH ROSE DECORATIVE PLATE"),
]


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.db"
    now = utc_now()
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, source, created_at, updated_at) "
            "VALUES (?, ?, 'test', ?, ?)",
            [(sku, title, now, now) for sku, title in PRODUCTS],
        )
    return path


def search_store_first(shop, query: str) -> str:
    with open_for_search(shop) as store:
        return search_store(store, query).skus[0]


class ScoresByName:
    """Name scorer that looks each lower-cased name up in a table."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.asked: list[str] = []

    def name_scores(self, names):
        self.asked += names
        return [self.scores.get(name, -20.0) for name in names]


def test_candidates_from_every_hypothesis(shop):
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "show me do not jack it")
        candidates = candidate_skus(ranker, results, ["show me do not jack it"])
    assert candidates[:2] == results.skus[:2]
    assert "WJ06" in candidates
    assert len(candidates) == len(set(candidates))


def test_candidates_limited(shop):
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "cherry blossom")
        candidates = candidate_skus(
            ranker, results, ["cherry blossom", "juno jacket"], per_source=3, limit=4
        )
    assert len(candidates) == 4


def test_rescore_puts_best_fit_first(shop):
    scorer = ScoresByName(
        {"juno jacket": -1.0, "do not touch my stuff door hanger": -5.0}
    )
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "show me do not jack it")
        rescored = rescore(ranker, scorer, results, ["show me do not jack it"], n=20)
    assert results.skus[0] != "WJ06"
    assert rescored.skus[0] == "WJ06"
    assert rescored.results[0].score == pytest.approx(math.exp(-1.0), abs=1e-4)
    assert rescored.results[0].reasons[0].startswith("the closest of ")
    assert rescored.skus[1] == "21163"
    assert rescored.results[1].reasons[0].startswith("number 2 of ")
    assert "juno jacket" in scorer.asked


def test_rescore_keeps_other_results_after(shop):
    scorer = ScoresByName({})
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "decorative")
        rescored = rescore(ranker, scorer, results, ["decorative"], n=20)
    assert set(results.skus) <= set(rescored.skus)
    assert rescored.query == "decorative"


def test_rescore_cuts_to_n(shop):
    scorer = ScoresByName({})
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "cherry blossom jacket")
        rescored = rescore(ranker, scorer, results, ["cherry blossom jacket"], n=2)
    assert len(rescored.results) == 2


def test_rescore_without_candidates(shop):
    scorer = ScoresByName({})
    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        results = search_store(store, "show me please")
        rescored = rescore(ranker, scorer, results, ["show me please"], n=20)
    assert rescored is results
    assert scorer.asked == []


@pytest.mark.slow
def test_name_scores_on_recording(shared_data):
    from engine.voice import whisper
    from engine.voice.audio import load_audio
    from engine.voice.gate import detect_speech

    audio = load_audio(shared_data / "spoken-queries" / "audio" / "q009.wav")
    gate = detect_speech(audio)
    encoded = whisper.EncodedAudio(gate.audio)
    spoken, other, empty = encoded.name_scores(
        ["cherry blossom decorative flask", "danish rose decorative plate", " "]
    )
    assert spoken > other
    assert spoken <= 0.0
    assert empty == float("-inf")


@pytest.mark.slow
def test_misheard_name_found(shared_data, shop):
    from engine.voice.service import search_by_voice

    # "show me juno jacket": Whisper tiny.en hears "show me do not jacket", whose
    # word search puts the door hanger first.
    recording = shared_data / "spoken-queries" / "audio" / "q104.wav"
    result = search_by_voice(shop, recording)
    assert result.status == "found"
    assert "juno" not in result.transcript.lower()
    assert search_store_first(shop, result.transcript) != "WJ06"
    assert result.products[0].sku == "WJ06"
    assert result.products[0].reasons[0].startswith("the closest of ")
    assert "rescore_s" in result.timings
