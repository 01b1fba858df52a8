"""Spoken-query pipeline: audio → checks → speech gate → recognition → catalog search.

    result = search_by_voice(shop_path, Path("query.wav"))
    result.transcript, result.products

Silence, noise, a muted microphone and taps never reach the recogniser, so they
never produce a query. Whisper decodes twice over one encoding: first without
hints, then with the catalog names nearest that rough transcript as hotwords
(see engine.voice.whisper). The best transcript is searched, and the products
that it, the beam's other hypotheses and the first pass point to are reordered
by how well the recording fits their names (see engine.voice.rescoring). When
Whisper cannot load, pocketsphinx with a grammar of the catalog's names takes
over, without that reordering.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.search.ranking import SearchResult, SearchResults
from engine.search.service import add_photos, open_for_search, ranker_for, search_store
from engine.store import Store
from engine.voice.audio import TARGET_RATE, AudioStats, audio_stats, read_wav, resample, to_mono
from engine.voice.capture import RecordingCheck, check_recording
from engine.voice.errors import SpeechModelError
from engine.voice.gate import detect_speech

log = logging.getLogger(__name__)

# Names given to Whisper as hotwords. faster-whisper keeps the first 223 prompt
# tokens, about 40 product names; more would be cut off and only cost time.
HOTWORD_NAMES = 40
# Beam of the hinted pass. Beams of 3, 4 and 5 ranked the development half of
# the spoken queries alike, and 4 matched the word error rate of 5 there (0.257,
# against 0.260 for 3) at less cost.
HINTED_BEAM_SIZE = 4

NOTHING_HEARD_MESSAGE = (
    "Nothing heard: the recording holds no speech, so nothing was searched. Speak "
    "closer to the microphone and try again, or type your search."
)
DIGITAL_SILENCE_MESSAGE = (
    "Nothing heard: every sample of {name} is exactly zero (digital silence), so "
    "nothing was searched. If it was recorded from a microphone, that microphone "
    "was muted or blocked: check its mute switch and the system's privacy settings."
)


@dataclass
class VoiceSearchResult:
    """What was heard and the products it found."""

    status: str  # "found", "nothing heard", "muted" or "too short"
    transcript: str
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    search: SearchResults | None = None
    first_transcript: str = ""
    # The beam's other hypotheses of the hinted pass, best first.
    alternatives: list[str] = field(default_factory=list)
    hotwords: list[str] = field(default_factory=list)
    recognizer: str = "whisper"
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def products(self) -> list[SearchResult]:
        return self.search.results if self.search is not None else []

    @property
    def heard(self) -> str:
        """The transcript, or "nothing heard"."""
        return self.transcript or "nothing heard"


def hotword_names(store: Store, rough_transcript: str, count: int = HOTWORD_NAMES) -> list[str]:
    """Return the distinct catalog names nearest a rough transcript, best first."""
    ranker = ranker_for(store)
    ranked = ranker.rank(rough_transcript, n=count * 2, conn=store.conn)
    names: list[str] = []
    for result in ranked.results:
        name = " ".join(result.title.lower().split())
        if name not in names:
            names.append(name)
        if len(names) == count:
            break
    return names


_sphinx_lock = threading.Lock()
_sphinx: dict[str, object] = {}


def sphinx_for(store: Store):
    """Return a pocketsphinx recogniser with this catalog's grammar (cached)."""
    from engine.voice.sphinx import SphinxRecognizer

    ranker = ranker_for(store)
    with _sphinx_lock:
        recognizer = _sphinx.get(ranker.signature)
        if recognizer is None:
            recognizer = SphinxRecognizer(entry.title for entry in ranker.entries)
            _sphinx.clear()
            _sphinx[ranker.signature] = recognizer
        return recognizer


def prepare_audio(audio: Path | np.ndarray) -> tuple[np.ndarray, AudioStats, str]:
    """Return 16 kHz mono samples, stats at the source rate, and a display name."""
    if isinstance(audio, (str, Path)):
        samples, rate = read_wav(Path(audio))
        mono = to_mono(samples)
        return resample(mono, rate), audio_stats(mono, rate), Path(audio).name
    mono = to_mono(np.asarray(audio, dtype=np.float32))
    return mono, audio_stats(mono, TARGET_RATE), "the recording"


def search_audio(
    store: Store,
    audio: np.ndarray,
    stats: AudioStats,
    *,
    n: int = 20,
    is_live: bool = True,
    name: str = "the recording",
    recognizer: str = "whisper",
) -> VoiceSearchResult:
    """Run the checks, the speech gate, recognition and search on 16 kHz audio.

    Args:
        store: the open shop.
        audio: 16 kHz mono float32.
        stats: levels measured at the source rate (clipping, exact zeros).
        n: number of products to return.
        is_live: the audio came from a microphone just now. Exact zeros then
            mean a muted or blocked microphone; in a file they are digital silence.
        name: how messages name the audio.
        recognizer: "whisper" (with pocketsphinx as fallback) or "pocketsphinx".
    """
    started = time.perf_counter()
    check = check_recording(stats)
    warnings = list(check.warnings)
    if check.problem == "muted" and not is_live:
        return VoiceSearchResult(
            "nothing heard", "", DIGITAL_SILENCE_MESSAGE.format(name=name), warnings
        )
    if check.problem is not None:
        return VoiceSearchResult(check.problem, "", check.message, warnings)

    gate = detect_speech(audio)
    timings = {"gate_s": time.perf_counter() - started}
    if not gate.has_speech:
        log.info("No speech in %s: %s", name, gate.reason)
        return VoiceSearchResult(
            "nothing heard", "", NOTHING_HEARD_MESSAGE, warnings, timings=timings
        )

    result, encoded = _recognize(store, gate.audio, recognizer)
    result.warnings = warnings
    result.timings.update(timings)
    if not result.transcript:
        result.status = "nothing heard"
        result.message = NOTHING_HEARD_MESSAGE
        return result

    searched = time.perf_counter()
    result.search = search_store(store, result.transcript, n)
    result.timings["search_s"] = time.perf_counter() - searched
    if encoded is not None:
        _rescore(store, encoded, result, n)
    result.timings["total_s"] = time.perf_counter() - started
    result.status = "found"
    log.info(
        "Voice query %r (first pass %r) gave %d products in %.2f s",
        result.transcript,
        result.first_transcript,
        len(result.products),
        result.timings["total_s"],
    )
    return result


def _recognize(store: Store, audio: np.ndarray, recognizer: str):
    """Return the VoiceSearchResult so far and Whisper's encoding, or None for it."""
    started = time.perf_counter()
    if recognizer == "whisper":
        from engine.voice import whisper

        try:
            encoded = whisper.EncodedAudio(audio)
            # Every finished hypothesis of the beam is kept: the beam computes
            # them anyway, and rescoring searches them all.
            first, second = whisper.decode_two_passes(
                encoded,
                lambda text: hotword_names(store, text),
                beam_size=HINTED_BEAM_SIZE,
                hypotheses=HINTED_BEAM_SIZE,
            )
        except SpeechModelError as error:
            log.warning("Whisper is unavailable, using pocketsphinx: %s", error)
        else:
            final = second if second is not None and second.text else first
            result = VoiceSearchResult(
                "found",
                final.text,
                first_transcript=first.text,
                alternatives=list(final.alternatives),
                hotwords=list(second.hotwords) if second is not None else [],
                recognizer="whisper",
                timings={"recognize_s": time.perf_counter() - started},
            )
            return result, encoded

    text = sphinx_for(store).transcribe(audio)
    result = VoiceSearchResult(
        "found",
        text,
        first_transcript=text,
        recognizer="pocketsphinx",
        timings={"recognize_s": time.perf_counter() - started},
    )
    return result, None


def _rescore(store: Store, encoded, result: VoiceSearchResult, n: int) -> None:
    from engine.voice.rescoring import rescore

    started = time.perf_counter()
    hypotheses = [result.transcript, *result.alternatives]
    if result.first_transcript:
        hypotheses.append(result.first_transcript)
    result.search = rescore(ranker_for(store), encoded, result.search, hypotheses, n)
    add_photos(store, result.search.results)
    result.timings["rescore_s"] = time.perf_counter() - started


def search_by_voice(
    shop_path: Path, audio: Path | np.ndarray, n: int = 20
) -> VoiceSearchResult:
    """Recognise a spoken query and rank the shop's products for it.

    Args:
        shop_path: the shop's SQLite file.
        audio: a WAV file (any rate, mono or stereo), or 16 kHz mono float32
            samples just recorded from a microphone.
        n: number of products to return.

    Returns:
        VoiceSearchResult: `transcript` ("" when nothing was heard, see `heard`),
        `status`, a `message` for the owner when nothing was searched, and the
        ranked `products`.

    Raises:
        AudioFileError: the WAV file cannot be read.
        ShopNotFoundError and the other errors of `open_store`.
    """
    samples, stats, name = prepare_audio(audio)
    with open_for_search(shop_path) as store:
        return search_audio(
            store,
            samples,
            stats,
            n=n,
            is_live=not isinstance(audio, (str, Path)),
            name=name,
        )
