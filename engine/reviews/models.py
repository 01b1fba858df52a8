"""Sentiment models: Word2Vec + CNN, MiniLM hidden layers + logistic head, and VADER.

Every model returns P(positive) per text. Labels come from star ratings (1–2
negative = 0, 4–5 positive = 1); a probability near 0.5 reads as neutral.
Long texts are split into chunks of whole sentences. VADER and the CNN score each
chunk and average the chunk log-odds with their own size as weight, so a clear
complaint at the end of a long, calm review still decides it. The MiniLM head reads
the mean of the chunks' features. Repeated sentences count once.

Files: the CNN is stored as safetensors (weights, Word2Vec vectors included) plus a
JSON file with its vocabulary; the MiniLM head as `.npz` (no pickled objects).
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from engine import heavy_imports
from engine.progress import CancelToken, no_progress
from engine.reviews import lexicon, stacking
from engine.reviews.cleaning import CHUNK_WORDS, chunk_sentences, split_sentences

log = logging.getLogger(__name__)

# A probability of positive within this distance of 0.5 is neutral.
NEUTRAL_BAND = 0.15
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|[!?]|[^\w\s]", re.UNICODE)
_EPSILON = 1e-6


def label_of(probability: float) -> str:
    """Return "positive", "neutral" or "negative" for P(positive)."""
    if probability >= 0.5 + NEUTRAL_BAND:
        return "positive"
    if probability <= 0.5 - NEUTRAL_BAND:
        return "negative"
    return "neutral"


def tokenize(text: str) -> list[str]:
    """Split text into lower-case words, ! and ?, and single symbols such as emoji."""
    return [token.casefold() for token in _TOKEN.findall(text)]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def text_chunks(text: str, max_words: int = CHUNK_WORDS) -> list[str]:
    """Return the chunks a text is scored in: the text itself when short enough."""
    if len(text.split()) <= max_words:
        return [text]
    seen: set[str] = set()
    unique = []
    for sentence in split_sentences(text):
        key = sentence.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(sentence)
    return chunk_sentences(unique, max_words)


def combine_chunks(probabilities: np.ndarray) -> float:
    """Combine chunk probabilities into one: the mean log-odds weighted by |log-odds|."""
    logits = _logit(np.asarray(probabilities, dtype=np.float64))
    weights = np.abs(logits) + _EPSILON
    return float(_sigmoid(np.sum(weights * logits) / np.sum(weights)))


def score_chunked(texts: Sequence[str], score_flat: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Score each text through its chunks with `score_flat(list of chunks)`."""
    owners: list[int] = []
    flat: list[str] = []
    for index, text in enumerate(texts):
        for chunk in text_chunks(text):
            owners.append(index)
            flat.append(chunk)
    if not flat:
        return np.zeros(0)
    chunk_scores = np.asarray(score_flat(flat), dtype=np.float64)
    result = np.zeros(len(texts))
    # Chunks are in text order, so each text's chunks form one run.
    boundaries = np.searchsorted(np.asarray(owners), np.arange(len(texts) + 1))
    for index in range(len(texts)):
        part = chunk_scores[boundaries[index] : boundaries[index + 1]]
        result[index] = part[0] if len(part) == 1 else combine_chunks(part)
    return result


class LexiconModel:
    """VADER with shop words and emoji; needs no training."""

    name = "vader"
    # Compound scores are mapped to a probability with this slope, so |compound|
    # 0.05 (VADER's own neutral band) lands near the edge of NEUTRAL_BAND.
    slope = 12.0

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        def flat(chunks: list[str]) -> np.ndarray:
            compounds = np.array(lexicon.scores(chunks))
            return _sigmoid(self.slope * compounds - 0.0)

        return score_chunked(texts, flat)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"model": self.name, "slope": self.slope}), encoding="utf-8")


# Word2Vec + CNN


@dataclass
class CnnSettings:
    dimensions: int = 100
    word2vec_epochs: int = 10
    min_count: int = 2
    filters: int = 64
    kernel_sizes: tuple[int, ...] = (2, 3, 4)
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 2e-3
    max_tokens: int = 200
    seed: int = 0


def use_one_torch_thread() -> None:
    """Run torch on one thread.

    On 2 cores shared with other work, one conv backward pass of a 64-review batch
    took 0.13 s on 1 thread and 1.2 s on 2 (threads waiting on each other).
    """
    heavy_imports.load("torch")
    import torch

    torch.set_num_threads(1)


def _build_network(vocabulary_size: int, settings: CnnSettings):
    heavy_imports.load("torch")
    import torch
    from torch import nn

    class TextCnn(nn.Module):
        """Embedding (from Word2Vec) → parallel 1-D convolutions → max pool → logit."""

        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(vocabulary_size, settings.dimensions, padding_idx=0)
            self.convolutions = nn.ModuleList(
                nn.Conv1d(settings.dimensions, settings.filters, size, padding=size - 1)
                for size in settings.kernel_sizes
            )
            self.dropout = nn.Dropout(0.5)
            self.output = nn.Linear(settings.filters * len(settings.kernel_sizes), 1)

        def forward(self, tokens):
            embedded = self.embedding(tokens).transpose(1, 2)
            lengths = (tokens != 0).sum(dim=1, keepdim=True)
            pooled = []
            for conv, size in zip(self.convolutions, settings.kernel_sizes):
                activations = torch.relu(conv(embedded))
                # Outputs that see only padding are zeroed, so a text scores the
                # same whatever the longest text in its batch is.
                positions = torch.arange(activations.shape[2]).unsqueeze(0)
                valid = (positions < lengths + size - 1).unsqueeze(1)
                pooled.append((activations * valid).amax(dim=2))
            return self.output(self.dropout(torch.cat(pooled, dim=1))).squeeze(1)

    return TextCnn()


@dataclass
class CnnModel:
    """Word2Vec embeddings trained on the shop's reviews feeding a torch text CNN."""

    vocabulary: dict[str, int]
    settings: CnnSettings
    network: object = None
    name: str = "word2vec-cnn"
    history: list[dict] = field(default_factory=list)

    def encode(self, texts: Sequence[str]):
        import torch

        length = self.settings.max_tokens
        batch = np.zeros((len(texts), max(length, 1)), dtype=np.int64)
        longest = 1
        for row, text in enumerate(texts):
            ids = [self.vocabulary.get(token, 1) for token in tokenize(text)][:length]
            batch[row, : len(ids)] = ids
            longest = max(longest, len(ids))
        # Convolutions need at least as many positions as the widest kernel.
        longest = max(longest, max(self.settings.kernel_sizes))
        return torch.from_numpy(batch[:, :longest])

    def _probabilities(self, chunks: list[str]) -> np.ndarray:
        import torch

        use_one_torch_thread()
        self.network.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(chunks), 256):
                logits = self.network(self.encode(chunks[start : start + 256]))
                out.append(torch.sigmoid(logits).numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return score_chunked(texts, self._probabilities)

    def save(self, weights_path: Path, vocabulary_path: Path) -> None:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in self.network.state_dict().items()}, str(weights_path))
        settings = dict(self.settings.__dict__)
        settings["kernel_sizes"] = list(settings["kernel_sizes"])
        vocabulary_path.write_text(
            json.dumps({"settings": settings, "vocabulary": self.vocabulary}, ensure_ascii=False),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, weights_path: Path, vocabulary_path: Path) -> CnnModel:
        heavy_imports.load("torch")
        from safetensors.torch import load_file

        data = json.loads(vocabulary_path.read_text(encoding="utf-8"))
        raw = data["settings"]
        raw["kernel_sizes"] = tuple(raw["kernel_sizes"])
        settings = CnnSettings(**raw)
        model = cls(vocabulary=data["vocabulary"], settings=settings)
        model.network = _build_network(len(model.vocabulary), settings)
        model.network.load_state_dict(load_file(str(weights_path)))
        model.network.eval()
        return model


def train_cnn(
    texts: Sequence[str],
    labels: np.ndarray,
    settings: CnnSettings | None = None,
    validation: tuple[Sequence[str], np.ndarray] | None = None,
    progress=no_progress,
    cancel: CancelToken | None = None,
) -> CnnModel:
    """Train Word2Vec on `texts`, then a CNN on (texts, labels); return the model.

    With `validation`, the epoch with the best validation accuracy is kept.

    Raises:
        CancelledError: `cancel` was set; checked between epochs and batches.
    """
    heavy_imports.load("torch", "gensim")
    import torch
    from gensim.models import Word2Vec

    settings = settings or CnnSettings()
    # NOTE: on a few hundred reviews (the 500 Luma reviews) the CNN stays near
    # p = 0.5 and predicts one class, so a small shop's validation picks VADER or
    # the MiniLM head instead. More data, or fine-tuning the embeddings with a
    # tuned learning rate, would be needed; the benchmark shows it on 13k reviews.
    use_one_torch_thread()
    torch.manual_seed(settings.seed)
    tokenized = [tokenize(text)[: settings.max_tokens] for text in texts]
    progress(0.0, "Learning word vectors from your reviews")
    word2vec = Word2Vec(
        sentences=tokenized,
        vector_size=settings.dimensions,
        window=5,
        min_count=settings.min_count,
        workers=2,
        epochs=settings.word2vec_epochs,
        seed=settings.seed,
        sg=1,
    )
    if cancel is not None:
        cancel.raise_if_cancelled("Training the review models")

    # 0 is padding and 1 is unknown words.
    vocabulary = {"<pad>": 0, "<unk>": 1}
    for word in word2vec.wv.index_to_key:
        vocabulary[word] = len(vocabulary)
    model = CnnModel(vocabulary=vocabulary, settings=settings)
    network = _build_network(len(vocabulary), settings)
    with torch.no_grad():
        weights = network.embedding.weight
        weights[0].zero_()
        for word, index in vocabulary.items():
            if index > 1:
                weights[index] = torch.from_numpy(word2vec.wv[word].copy())
    # The Word2Vec vectors stay fixed, so only the convolutions and the output
    # layer are trained.
    weights.requires_grad_(False)
    model.network = network

    targets = torch.tensor(np.asarray(labels, dtype=np.float32))
    positives = float(targets.sum())
    negatives = float(len(targets) - positives)
    # Shops get far more 5-star than 1-star reviews; weighting the positive class
    # down keeps the model from calling everything positive.
    positive_weight = torch.tensor(negatives / max(positives, 1.0))
    loss_function = torch.nn.BCEWithLogitsLoss(pos_weight=positive_weight)
    trainable = [parameter for parameter in network.parameters() if parameter.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=settings.learning_rate)
    texts = list(texts)
    generator = torch.Generator().manual_seed(settings.seed)
    best_state, best_accuracy = None, -1.0
    for epoch in range(settings.epochs):
        network.train()
        order = torch.randperm(len(texts), generator=generator)
        for start in range(0, len(order), settings.batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled("Training the review models")
            batch = order[start : start + settings.batch_size]
            optimizer.zero_grad()
            tokens = model.encode([texts[i] for i in batch.tolist()])
            loss = loss_function(network(tokens), targets[batch])
            loss.backward()
            optimizer.step()
        entry = {"epoch": epoch + 1, "loss": float(loss.item())}
        if validation is not None and len(validation[0]):
            predicted = model.predict_proba(validation[0]) >= 0.5
            accuracy = float(np.mean(predicted == np.asarray(validation[1]).astype(bool)))
            entry["validation_accuracy"] = accuracy
            if accuracy > best_accuracy:
                best_accuracy = accuracy
                best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
        model.history.append(entry)
        progress((epoch + 1) / settings.epochs, f"Training the word model, epoch {epoch + 1} of {settings.epochs}")
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return model


# MiniLM hidden layers + logistic regression head

# Hidden layers whose word-piece means feed the head. In 5-fold cross-validation on
# training parts only (UCI amazon and yelp, 3,200 clothing reviews; best C of
# each), layers 2, 4 and 6 scored 0.916 / 0.900 / 0.850 against 0.895 / 0.896 /
# 0.791 for the normalised sentence embedding alone.
HEAD_LAYERS = (2, 4, 6)
HEAD_REGULARISATIONS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)


@dataclass
class MiniLmHead:
    """Logistic regression on standardised all-MiniLM-L6-v2 hidden-layer means.

    `layers` None is a head on the normalised sentence embedding, as saved before
    the layer features; such files still load and score.
    """

    weights: np.ndarray
    bias: float
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    layers: tuple[int, ...] | None = HEAD_LAYERS
    name: str = "minilm-head"
    # C of the logistic regression, chosen on validation; not saved.
    regularisation: float | None = None

    def features(self, texts: Sequence[str], progress=no_progress, cancel: CancelToken | None = None) -> np.ndarray:
        """Return the head's input for each text (the mean over its chunks)."""
        return head_features(texts, self.layers, progress, cancel)

    def probabilities_from_features(self, features: np.ndarray) -> np.ndarray:
        if self.mean is not None:
            features = (features - self.mean) / self.scale
        return _sigmoid(features @ self.weights + self.bias)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.probabilities_from_features(self.features(texts))

    def save(self, path: Path) -> None:
        arrays = {"weights": self.weights.astype(np.float32), "bias": np.array([self.bias])}
        if self.layers is not None:
            arrays.update(mean=self.mean, scale=self.scale, layers=np.array(self.layers, dtype=np.int64))
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> MiniLmHead:
        with np.load(path, allow_pickle=False) as data:
            if "layers" not in data:
                return cls(weights=data["weights"], bias=float(data["bias"][0]), layers=None)
            return cls(
                weights=data["weights"],
                bias=float(data["bias"][0]),
                mean=data["mean"],
                scale=data["scale"],
                layers=tuple(int(layer) for layer in data["layers"]),
            )


def train_minilm_head(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    regularisations: Sequence[float] = HEAD_REGULARISATIONS,
    metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
    layers: tuple[int, ...] | None = HEAD_LAYERS,
) -> MiniLmHead:
    """Fit the head on precomputed features; choose C on the validation split.

    Args:
        train_features: shape (texts, width), from `head_features` with `layers`.
        validation: (features, labels); without it the first C is used.
        metric: metric(labels, predicted) to maximise on validation; macro-F1 when
            None, so that a head that predicts one class does not win.
        layers: the layers the features came from (None: the sentence embedding).
    """
    from sklearn.linear_model import LogisticRegression

    metric = metric or stacking.macro_f1
    mean = train_features.mean(axis=0)
    # Word-piece means of the word-piece embedding layer have near-constant
    # columns; a floor on the spread keeps them from being blown up.
    scale = np.maximum(train_features.std(axis=0), 1e-3)
    standardised = (train_features - mean) / scale
    best, best_score = None, -1.0
    for strength in regularisations:
        classifier = LogisticRegression(C=strength, class_weight="balanced", max_iter=3000)
        classifier.fit(standardised, train_labels)
        if validation is None:
            best = classifier
            break
        predicted = classifier.predict((validation[0] - mean) / scale)
        score = metric(np.asarray(validation[1]), predicted)
        if score > best_score:
            best, best_score = classifier, score
    return MiniLmHead(
        weights=best.coef_[0].astype(np.float32),
        bias=float(best.intercept_[0]),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        layers=layers,
        regularisation=float(best.C),
    )


def head_features(
    texts: Sequence[str],
    layers: tuple[int, ...] | None = HEAD_LAYERS,
    progress=no_progress,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Return the MiniLM head's input per text: the mean of its chunks' layer means.

    With `layers` None, the result is `embed_chunked` (unit-length sentence
    embeddings).

    Raises:
        CancelledError: `cancel` was set; checked between batches.
    """
    from engine import text_embeddings

    if layers is None:
        return embed_chunked(texts, progress, cancel)
    return _chunk_means(
        texts,
        lambda chunks, report: text_embeddings.layer_features(chunks, layers, progress=report, cancel=cancel),
        text_embeddings.DIMENSIONS * len(layers),
        progress,
    )


def embed_chunked(texts: Sequence[str], progress=no_progress, cancel: CancelToken | None = None) -> np.ndarray:
    """Return one MiniLM vector per text: the mean of its chunk vectors, unit length.

    Raises:
        CancelledError: `cancel` was set; checked between batches.
    """
    from engine import text_embeddings

    vectors = _chunk_means(
        texts,
        lambda chunks, report: text_embeddings.embed(chunks, progress=report, cancel=cancel),
        text_embeddings.DIMENSIONS,
        progress,
    )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, _EPSILON)


def _chunk_means(texts: Sequence[str], compute, width: int, progress) -> np.ndarray:
    owners, flat = [], []
    for index, text in enumerate(texts):
        for chunk in text_chunks(text):
            owners.append(index)
            flat.append(chunk)

    def report(done: int) -> None:
        share = done / max(len(flat), 1)
        progress(share, f"Reading reviews with the sentence model: {share:.0%}")

    # All chunks go in one call, so the embedding model can sort them by length.
    computed = compute(flat, report)
    sums = np.zeros((len(texts), width), dtype=np.float32)
    np.add.at(sums, np.asarray(owners, dtype=np.int64), computed)
    counts = np.bincount(np.asarray(owners, dtype=np.int64), minlength=len(texts))
    return sums / np.maximum(counts, 1)[:, None].astype(np.float32)


def accuracy_and_f1(labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5) -> dict:
    """Return accuracy and macro-F1 of binary predictions at `threshold`."""
    labels = np.asarray(labels).astype(np.int64)
    predicted = (np.asarray(probabilities) >= threshold).astype(np.int64)
    value = stacking.accuracy(labels, predicted) if len(labels) else math.nan
    return {"accuracy": value, "macro_f1": stacking.macro_f1(labels, predicted)}
