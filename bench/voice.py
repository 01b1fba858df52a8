"""Voice search hits, word error rate and latency against pocketsphinx and plain Whisper.

Data sets (see docs/bench-voice.md for sources and licences):
- spoken-queries: 120 spoken product queries with their target product, searched
  in a catalog of every UCI Online Retail product plus the Luma catalog;
- pocketsphinx-recordings: 11 real recordings with transcripts (word error rate);
- fsdd: a stratified slice of the free spoken digit dataset (word error rate);
- silence-and-noise: the silent, noise-only and all-zero case files plus
  generated noise (false queries).

Every system runs in this process on the same files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
import resource
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import datasets
from bench.runner import Row

log = logging.getLogger(__name__)

# UCI stock codes that are postage, fees and adjustments, not products.
NON_PRODUCT_CODES = {
    "POST", "D", "M", "DOT", "BANK CHARGES", "C2", "CRUK", "AMAZONFEE", "PADS", "S", "B",
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""
    parser.add_argument(
        "--queries",
        type=int,
        default=120,
        help="number of spoken queries to run (default: all 120)",
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=5,
        help="recordings per digit and speaker from the spoken digit set (default 5)",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="rank without the sentence-embedding share (skips loading the model)",
    )
    parser.add_argument(
        "--skip-sphinx-grammar",
        action="store_true",
        help="leave out the slow pocketsphinx catalog-grammar peer",
    )


# -- data ------------------------------------------------------------------------


def uci_products() -> dict[str, tuple[str, float | None]]:
    """Return StockCode → (most frequent description, median unit price)."""
    names: dict[str, Counter] = defaultdict(Counter)
    prices: dict[str, list[float]] = defaultdict(list)
    with gzip.open(datasets.uci_online_retail(), "rt", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            code = row["StockCode"].strip()
            description = " ".join((row["Description"] or "").split())
            if code in NON_PRODUCT_CODES or not any(c.isdigit() for c in code):
                continue
            if not description or description.startswith("?") or description.islower():
                continue
            names[code][description] += 1
            try:
                prices[code].append(float(row["UnitPrice"]))
            except ValueError:
                pass
    return {
        code: (counts.most_common(1)[0][0], float(np.median(prices[code])) if prices[code] else None)
        for code, counts in names.items()
    }


def build_catalog_shop(folder: Path) -> Path:
    """Create a shop holding every UCI product and the Luma catalog; return its path."""
    from engine.store import open_store, utc_now

    path = folder / "catalog" / "shop.db"
    now = utc_now()
    rows = [
        (code, name, None, price, "GBP", None, "uci_online_retail", now, now)
        for code, (name, price) in uci_products().items()
    ]
    with open(datasets.luma_catalog_dir() / "products.csv", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            price = float(row["price"]) if row["price"] else None
            rows.append(
                (
                    row["sku"], row["name"], row["description_html"], price, "USD",
                    row["category"], "luma", now, now,
                )
            )  # fmt: skip
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, description, price, currency, category, "
            "source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return path


@dataclass(frozen=True)
class SpokenQuery:
    file: Path
    text: str
    target: str
    sample_rate: int


def spoken_queries(limit: int) -> list[SpokenQuery]:
    folder = datasets.spoken_queries_dir()
    with open(folder / "queries.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        SpokenQuery(folder / row["file"], row["spoken_text"], row["product_id"], int(row["sample_rate_hz"]))
        for row in rows[:limit]
    ]


def transcripts_csv(folder: Path) -> list[tuple[Path, str]]:
    with open(folder / "transcripts.csv", encoding="utf-8", newline="") as file:
        return [(folder / row["file"], row["transcript"]) for row in csv.DictReader(file)]


def digit_slice(per_digit_and_speaker: int) -> list[tuple[Path, str]]:
    """Return the first takes of every digit by every speaker, in a fixed order."""
    rows = transcripts_csv(datasets.spoken_digits_dir())
    kept, counts = [], Counter()
    for path, text in rows:
        digit, speaker, take = path.stem.split("_")
        if int(take) < per_digit_and_speaker:
            kept.append((path, text))
            counts[(digit, speaker)] += 1
    return kept


def silence_and_noise(folder: Path) -> list[tuple[str, Path]]:
    """Return the silent and noise-only case files plus three generated noises."""
    from scipy.io import wavfile

    cases = datasets.cases_dir()
    files = [
        ("C37 digital silence 1 s, 44.1 kHz stereo", cases / "C37_silence_1s_44k1_stereo.wav"),
        ("C37 room noise 3 s", cases / "C37_room_noise_3s_16k_mono.wav"),
        ("C42 all zeros 2 s", cases / "C42_mic_all_zeros_2s_16k_mono.wav"),
    ]
    rng = np.random.default_rng(0)
    seconds = np.arange(3 * 16_000) / 16_000
    generated = {
        "white noise at -30 dBFS, 3 s": rng.normal(0, 0.0316, seconds.size),
        "50 Hz hum with harmonics, 3 s": 0.05 * np.sin(2 * np.pi * 50 * seconds)
        + 0.02 * np.sin(2 * np.pi * 150 * seconds),
        "brown noise with 3 keyboard clicks, 3 s": _brown_noise_with_clicks(rng, seconds.size),
    }
    for index, (label, samples) in enumerate(generated.items()):
        path = folder / f"noise_{index}.wav"
        wavfile.write(path, 16_000, (np.clip(samples, -1, 1) * 32767).astype(np.int16))
        files.append((label, path))
    return files


def _brown_noise_with_clicks(rng: np.random.Generator, size: int) -> np.ndarray:
    brown = np.cumsum(rng.normal(0, 1, size))
    brown = brown - np.convolve(brown, np.ones(400) / 400, mode="same")
    brown = 0.01 * brown / (np.abs(brown).max() + 1e-9)
    for start in (8_000, 24_000, 40_000):
        brown[start : start + 80] += 0.4 * rng.normal(0, 1, 80) * np.exp(-np.arange(80) / 15)
    return brown


# -- metrics ---------------------------------------------------------------------


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Return (edit distance in words, reference length) after normalisation.

    Both sides are lower-cased without punctuation, with number words as digits,
    so "ten" and "10" count as the same word.
    """
    from rapidfuzz.distance import Levenshtein

    from engine.search.text import tokenize

    ref, hyp = tokenize(reference), tokenize(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def ranking_metrics(ranks: list[int | None]) -> dict[str, float]:
    count = max(len(ranks), 1)
    return {
        "hit@1": sum(1 for r in ranks if r == 1) / count,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / count,
        "mrr": sum(1.0 / r for r in ranks if r is not None) / count,
    }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


# -- systems ---------------------------------------------------------------------


@dataclass
class SystemRun:
    name: str
    role: str
    setting: str
    ranks: list
    errors: int = 0
    words: int = 0
    latencies: list = None


def run(args: argparse.Namespace) -> list[Row]:
    from engine.search.service import open_for_search, prepare_search, search_store
    from engine.voice import whisper
    from engine.voice.audio import load_audio
    from engine.voice.service import prepare_audio, search_audio

    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as temp:
        folder = Path(temp)
        shop = build_catalog_shop(folder)
        prepare_search(shop, with_embeddings=not args.no_embeddings)
        whisper.load_model()
        queries = spoken_queries(args.queries)
        with open_for_search(shop) as store:
            rows += _spoken_queries(args, store, queries)
        rows += _recordings(args)
        rows += _silence(folder, shop)
    rows.append(Row("all", "benchmark process", "ours", "peak_rss_mb", _peak_rss_mb(), "maximum resident set size of the whole run"))
    log.info("Voice benchmark took %.0f s", time.perf_counter() - started)
    return rows


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rank_of(results, target: str) -> int | None:
    skus = results.skus
    return skus.index(target) + 1 if target in skus else None


def _spoken_queries(args, store, queries: list[SpokenQuery]) -> list[Row]:
    from engine.search.service import search_store
    from engine.voice import whisper
    from engine.voice.gate import detect_speech
    from engine.voice.service import prepare_audio, search_audio, sphinx_for

    systems = {
        "ours": SystemRun("faster-whisper tiny.en, 2 passes with catalog hotwords, names rescored", "ours", "gate + greedy pass + 40 nearest names as hotwords, beam 4 + names near every hypothesis scored against the audio", [], latencies=[]),
        "plain": SystemRun("faster-whisper tiny.en, no catalog hints", "peer", "gate + beam 5, same search", [], latencies=[]),
        "typed": SystemRun("typed true text", "peer", "the spoken text typed, same search (ceiling)", [], latencies=[]),
        "sphinx_lm": SystemRun("pocketsphinx 5.1.1, general language model", "peer", "en-us LM, same search", [], latencies=[]),
    }
    if not args.skip_sphinx_grammar:
        systems["sphinx_grammar"] = SystemRun("pocketsphinx 5.1.1, catalog grammar", "peer", "JSGF of all catalog names, same search", [], latencies=[])
        sphinx_grammar = sphinx_for(store)
    from engine.voice.sphinx import SphinxRecognizer

    sphinx_lm = SphinxRecognizer(None)
    short_latencies = []
    for number, query in enumerate(queries, start=1):
        samples, stats, name = prepare_audio(query.file)
        # Ours: the whole pipeline from the end of speech to ranked results.
        begin = time.perf_counter()
        voice = search_audio(store, samples, stats, n=20, is_live=False, name=name)
        elapsed = time.perf_counter() - begin
        _score(systems["ours"], query, voice.search, voice.transcript, elapsed)
        if 2.5 <= stats.duration_s <= 3.5:
            short_latencies.append(elapsed)

        begin = time.perf_counter()
        gate = detect_speech(samples)
        plain = whisper.recognize(gate.audio)[0].text if gate.has_speech else ""
        plain_results = search_store(store, plain, 20) if plain else None
        _score(systems["plain"], query, plain_results, plain, time.perf_counter() - begin)

        begin = time.perf_counter()
        _score(systems["typed"], query, search_store(store, query.text, 20), query.text, time.perf_counter() - begin)

        for key, recognizer in (("sphinx_lm", sphinx_lm), ("sphinx_grammar", systems.get("sphinx_grammar") and sphinx_grammar)):
            if key not in systems:
                continue
            begin = time.perf_counter()
            text = recognizer.transcribe(samples)
            results = search_store(store, text, 20) if text else None
            _score(systems[key], query, results, text, time.perf_counter() - begin)
        log.info("Query %d/%d: %r heard as %r", number, len(queries), query.text, voice.transcript)

    rows = []
    for run_ in systems.values():
        metrics = ranking_metrics(run_.ranks)
        metrics["wer"] = run_.errors / max(run_.words, 1)
        metrics["latency_p50_s"] = percentile(run_.latencies, 50)
        metrics["latency_p95_s"] = percentile(run_.latencies, 95)
        for metric, value in metrics.items():
            rows.append(Row("spoken-queries", run_.name, run_.role, metric, value, f"{run_.setting}; {len(run_.ranks)} queries"))
    rows.append(Row("spoken-queries", systems["ours"].name, "ours", "latency_p95_s", percentile(short_latencies, 95), f"queries of 2.5-3.5 s only ({len(short_latencies)})"))
    rows += _half_rows(systems)
    return rows


# The settings of our pipeline were chosen on the even-numbered queries only.
HALVES = {
    "spoken-queries, even-numbered (development half)": slice(0, None, 2),
    "spoken-queries, odd-numbered (held out)": slice(1, None, 2),
}


def _half_rows(systems: dict[str, SystemRun]) -> list[Row]:
    """Return ranking metrics and latency of each system on both halves."""
    rows = []
    for dataset, half in HALVES.items():
        for run_ in systems.values():
            ranks = run_.ranks[half]
            metrics = ranking_metrics(ranks)
            metrics["latency_p95_s"] = percentile(run_.latencies[half], 95)
            for metric, value in metrics.items():
                setting = f"{run_.setting}; {len(ranks)} queries"
                rows.append(Row(dataset, run_.name, run_.role, metric, value, setting))
    return rows


def _score(run_: SystemRun, query: SpokenQuery, results, transcript: str, elapsed: float) -> None:
    run_.ranks.append(_rank_of(results, query.target) if results is not None else None)
    errors, words = word_errors(query.text, transcript)
    run_.errors += errors
    run_.words += words
    run_.latencies.append(elapsed)


def _recordings(args) -> list[Row]:
    from engine.voice import whisper
    from engine.voice.audio import load_audio
    from engine.voice.gate import detect_speech
    from engine.voice.sphinx import SphinxRecognizer

    sphinx_lm = SphinxRecognizer(None)
    rows = []
    sets = {
        "pocketsphinx-recordings": transcripts_csv(datasets.pocketsphinx_speech_dir()),
        "fsdd": digit_slice(args.digits),
    }
    for dataset, items in sets.items():
        totals = {"whisper": [0, 0], "sphinx": [0, 0]}
        for path, reference in items:
            audio = load_audio(path)
            gate = detect_speech(audio)
            heard = whisper.recognize(gate.audio)[0].text if gate.has_speech else ""
            for key, text in (("whisper", heard), ("sphinx", sphinx_lm.transcribe(audio))):
                errors, words = word_errors(reference, text)
                totals[key][0] += errors
                totals[key][1] += words
        setting = f"{len(items)} recordings; lower case, no punctuation, number words as digits"
        rows.append(Row(dataset, "faster-whisper tiny.en (speech gate, no hints)", "ours", "wer", totals["whisper"][0] / max(totals["whisper"][1], 1), setting))
        rows.append(Row(dataset, "pocketsphinx 5.1.1, general language model", "peer", "wer", totals["sphinx"][0] / max(totals["sphinx"][1], 1), setting))
    return rows


def _silence(folder: Path, shop: Path) -> list[Row]:
    from engine.search.service import open_for_search
    from engine.voice import whisper
    from engine.voice.audio import load_audio
    from engine.voice.service import prepare_audio, search_audio, sphinx_for

    files = silence_and_noise(folder)
    counts = Counter()
    with open_for_search(shop) as store:
        grammar = sphinx_for(store)
        for label, path in files:
            samples, stats, name = prepare_audio(path)
            voice = search_audio(store, samples, stats, n=20, is_live=False, name=name)
            counts["ours"] += bool(voice.products)
            # Peers without the gate: plain Whisper and the catalog grammar.
            model = whisper.load_model()
            segments, _ = model.transcribe(samples, language="en", temperature=0.0, condition_on_previous_text=False)
            text = " ".join(segment.text for segment in segments).strip()
            counts["whisper"] += bool(text.strip(" .!?"))
            counts["sphinx"] += bool(grammar.transcribe(samples))
            log.info("%s: ours %s, whisper %r", label, voice.status, text)
    setting = f"{len(files)} files: 3 case files + 3 generated noises"
    return [
        Row("silence-and-noise", "our pipeline (energy + Silero VAD gate, checks)", "ours", "false_queries", counts["ours"], setting),
        Row("silence-and-noise", "faster-whisper tiny.en without a gate", "peer", "false_queries", counts["whisper"], setting),
        Row("silence-and-noise", "pocketsphinx catalog grammar without a gate", "peer", "false_queries", counts["sphinx"], setting),
    ]
