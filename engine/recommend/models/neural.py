"""Neural model: factored item similarity (FISM) trained with the BPR loss in torch.

score(u, i) = b_i + (|H_u| ** -alpha) · Σ_{j ∈ H_u} p_j · q_i, where H_u are the
products u bought. A customer is represented by what they bought, not by a learned
customer vector, so a customer unseen in training is scored from their basket
(fold-in) with no retraining. Training samples (customer, bought, not bought)
triples, leaves the bought product out of its own history, and stops early when
validation NDCG@10 has not improved for `patience` epochs.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from engine import heavy_imports
from engine.recommend.models.base import (
    COLLABORATIVE_MAX_ITEMS,
    FitContext,
    Recommender,
    collaborative_columns,
    similar_from_vector,
)

log = logging.getLogger(__name__)


class Neural(Recommender):
    name = "neural"
    label = "Neural (BPR-trained item factors)"

    def __init__(
        self,
        factors: int = 64,
        epochs: int = 15,
        learning_rate: float = 0.01,
        weight_decay: float = 1e-6,
        alpha: float = 0.5,
        batch_size: int = 4096,
        patience: int = 3,
        max_seconds: float = 6.0,
        max_items: int = COLLABORATIVE_MAX_ITEMS,
        seed: int = 0,
    ) -> None:
        self.factors = int(factors)
        self.epochs = int(epochs)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.alpha = float(alpha)
        self.batch_size = int(batch_size)
        self.patience = int(patience)
        self.max_seconds = float(max_seconds)
        self.max_items = int(max_items)
        self.seed = int(seed)
        self.item_count = 0
        self.columns = np.zeros(0, dtype=np.int64)
        self.history_factors = np.zeros((0, self.factors), dtype=np.float32)
        self.item_factors = np.zeros((0, self.factors), dtype=np.float32)
        self.item_bias = np.zeros(0, dtype=np.float32)
        self.trained_epochs = 0

    def fit(self, context: FitContext, progress=None, cancel=None) -> None:
        heavy_imports.load("torch")
        import torch

        # One intra-op thread: on 2 shared cores, torch's default thread pool made
        # each step about 8 times slower (measured with other processes busy).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self._fit(context, progress, cancel)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, context: FitContext, progress, cancel) -> None:
        import torch

        torch.manual_seed(self.seed)
        generator = np.random.default_rng(self.seed)
        interactions = context.interactions
        self.item_count = len(interactions.items)
        self.columns = collaborative_columns(interactions, self.max_items)
        binary = interactions.matrix[:, self.columns].tocsr().astype(np.float32)
        binary.data[:] = 1.0
        size = len(self.columns)
        if size < 2 or binary.nnz == 0:
            self._store_parameters(*_empty_parameters(size, self.factors))
            return

        history_factors = torch.nn.Embedding(size, self.factors)
        item_factors = torch.nn.Embedding(size, self.factors)
        item_bias = torch.nn.Embedding(size, 1)
        for embedding in (history_factors, item_factors):
            torch.nn.init.normal_(embedding.weight, std=0.05)
        torch.nn.init.zeros_(item_bias.weight)
        parameters = [*history_factors.parameters(), *item_factors.parameters(), *item_bias.parameters()]
        optimizer = _Adam(parameters, self.learning_rate)

        users, positives = binary.nonzero()
        counts = np.diff(binary.indptr).astype(np.float32)
        # The time limit counts this thread's CPU time, so the epochs trained (and
        # the model chosen) do not depend on how busy the machine is.
        best_score, best_state, stale, started = -1.0, None, 0, time.thread_time()
        validation = _validation_rows(context.validation, binary.shape[0])
        for epoch in range(self.epochs):
            order = generator.permutation(len(users))
            for start in range(0, len(order), self.batch_size):
                if cancel is not None:
                    cancel.raise_if_cancelled("Training the recommendations")
                batch = order[start : start + self.batch_size]
                loss = self._batch_loss(
                    binary, counts, users[batch], positives[batch],
                    generator.integers(0, size, len(batch)),
                    history_factors, item_factors, item_bias,
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            self._store_parameters(history_factors, item_factors, item_bias)
            self.trained_epochs = epoch + 1
            if progress is not None:
                progress((epoch + 1) / self.epochs, f"Neural model epoch {epoch + 1}")
            if validation is None:
                continue
            score = self._validation_ndcg(interactions.matrix, validation, context.validation)
            log.info("Neural model epoch %d: validation NDCG@10 %.4f", epoch + 1, score)
            if score > best_score + 1e-4:
                best_score, stale = score, 0
                best_state = (self.history_factors, self.item_factors, self.item_bias, epoch + 1)
            else:
                stale += 1
                if stale >= self.patience:
                    break
            if time.thread_time() - started > self.max_seconds:
                log.info("Neural model stopped at its %.0f s CPU time limit", self.max_seconds)
                break
        if best_state is not None:
            self.history_factors, self.item_factors, self.item_bias, self.trained_epochs = best_state

    def _batch_loss(self, binary, counts, users, positives, negatives, history_factors, item_factors, item_bias):
        import torch

        # EmbeddingBag sums each customer's history factors from a flat index list,
        # which ran far faster than a sparse matrix product in torch.
        starts, ends = binary.indptr[users], binary.indptr[users + 1]
        flat = np.concatenate([binary.indices[a:b] for a, b in zip(starts, ends)])
        offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        summed = torch.nn.functional.embedding_bag(
            torch.from_numpy(flat.astype(np.int64)),
            history_factors.weight,
            torch.from_numpy(offsets.astype(np.int64)),
            mode="sum",
        )
        positive = torch.from_numpy(positives.astype(np.int64))
        negative = torch.from_numpy(negatives.astype(np.int64))
        # Leave the bought product out of its own history, as FISM does.
        own = history_factors(positive)
        remaining = torch.from_numpy(np.maximum(counts[users] - 1.0, 1.0))
        profile = (summed - own) / remaining.pow(self.alpha).unsqueeze(1)
        positive_score = (profile * item_factors(positive)).sum(1) + item_bias(positive).squeeze(1)
        negative_score = (profile * item_factors(negative)).sum(1) + item_bias(negative).squeeze(1)
        loss = -torch.nn.functional.logsigmoid(positive_score - negative_score).mean()
        penalty = sum(
            embedding(index).pow(2).sum()
            for embedding, index in (
                (item_factors, positive),
                (item_factors, negative),
                (history_factors, positive),
            )
        )
        return loss + self.weight_decay * penalty

    def _store_parameters(self, history_factors, item_factors, item_bias) -> None:
        def as_array(value):
            if isinstance(value, np.ndarray):
                return value.astype(np.float32)
            return value.weight.detach().numpy().astype(np.float32).copy()

        self.history_factors = as_array(history_factors)
        self.item_factors = as_array(item_factors)
        self.item_bias = as_array(item_bias).reshape(-1)

    def _validation_ndcg(self, matrix, users: np.ndarray, truth: dict) -> float:
        from engine.recommend.evaluate import evaluate

        # evaluate() scores the users in bounded batches, so a large validation set
        # never needs a users × products array.
        validation = {user: truth[user] for user in users}
        result = evaluate(self.scores, matrix, validation, bootstrap_samples=0)
        return result.metrics["ndcg@10"]

    def scores(self, history) -> np.ndarray:
        result = np.zeros((history.shape[0], self.item_count), dtype=np.float32)
        if len(self.columns) == 0:
            return result
        binary = history[:, self.columns].astype(np.float32)
        binary.data[:] = 1.0
        counts = np.maximum(np.asarray(binary.sum(axis=1)).ravel(), 1.0)
        profile = np.asarray(binary @ self.history_factors) / (counts ** self.alpha)[:, None]
        result[:, self.columns] = profile @ self.item_factors.T + self.item_bias
        # Products outside the trained set rank last.
        outside = np.ones(self.item_count, dtype=bool)
        outside[self.columns] = False
        result[:, outside] = result[:, self.columns].min(initial=0.0) - 1.0
        return result

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        position = np.searchsorted(self.columns, item)
        if position >= len(self.columns) or self.columns[position] != item:
            return []
        factors = self.item_factors / np.maximum(np.linalg.norm(self.item_factors, axis=1, keepdims=True), 1e-9)
        values = np.zeros(self.item_count)
        values[self.columns] = factors @ factors[position]
        return similar_from_vector(values, item, n)

    def params(self) -> dict:
        return {
            "factors": self.factors,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "alpha": self.alpha,
            "batch_size": self.batch_size,
            "patience": self.patience,
            "max_seconds": self.max_seconds,
            "max_items": self.max_items,
            "seed": self.seed,
            "item_count": self.item_count,
            "trained_epochs": self.trained_epochs,
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "columns": self.columns,
            "history_factors": self.history_factors,
            "item_factors": self.item_factors,
            "item_bias": self.item_bias,
        }

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Neural":
        names = ("factors", "epochs", "learning_rate", "weight_decay", "alpha", "batch_size",
                 "patience", "max_seconds", "max_items", "seed")
        model = cls(**{name: params[name] for name in names})
        model.item_count = params["item_count"]
        model.trained_epochs = params.get("trained_epochs", 0)
        model.columns = arrays["columns"]
        model.history_factors = arrays["history_factors"]
        model.item_factors = arrays["item_factors"]
        model.item_bias = arrays["item_bias"]
        return model


class _Adam:
    """Adam (Kingma and Ba, 2015) on a few dense tensors.

    torch.optim imports torch._dynamo on first use, which cost about 5 s of CPU
    time per training run (measured with cProfile), more than the model's epochs.
    """

    def __init__(self, parameters, learning_rate: float, betas=(0.9, 0.999), epsilon: float = 1e-8) -> None:
        import torch

        self.parameters = list(parameters)
        self.learning_rate = learning_rate
        self.beta1, self.beta2 = betas
        self.epsilon = epsilon
        self.steps = 0
        self.first = [torch.zeros_like(parameter) for parameter in self.parameters]
        self.second = [torch.zeros_like(parameter) for parameter in self.parameters]

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.grad = None

    def step(self) -> None:
        import torch

        self.steps += 1
        first_correction = 1.0 - self.beta1**self.steps
        second_correction = 1.0 - self.beta2**self.steps
        with torch.no_grad():
            for parameter, first, second in zip(self.parameters, self.first, self.second):
                if parameter.grad is None:
                    continue
                gradient = parameter.grad
                first.mul_(self.beta1).add_(gradient, alpha=1.0 - self.beta1)
                second.mul_(self.beta2).addcmul_(gradient, gradient, value=1.0 - self.beta2)
                denominator = (second / second_correction).sqrt_().add_(self.epsilon)
                parameter.addcdiv_(first, denominator, value=-self.learning_rate / first_correction)


def _validation_rows(truth: dict | None, user_count: int) -> np.ndarray | None:
    if not truth:
        return None
    users = np.array(sorted(user for user in truth if user < user_count), dtype=np.int64)
    return users if len(users) else None


def _empty_parameters(size: int, factors: int):
    return (
        np.zeros((size, factors), dtype=np.float32),
        np.zeros((size, factors), dtype=np.float32),
        np.zeros(size, dtype=np.float32),
    )
