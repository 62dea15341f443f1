"""What the training loop trains: a model, its optimizer and schedule, its batches, and how to score it.

A recipe (recipes.py) builds one `Experiment`; the loop (loop.py) only ever talks to this interface, so every
recipe — classifier or language model — shares one loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..creation import tensor


@dataclass
class Experiment:
    """Everything one run needs besides its settings.

    Attributes:
        model: the `nn.Module` being trained.
        optimizer, scheduler: an `optim.Optimizer` and an `lr_scheduler` stepped once per training step.
        batches: `batch(step) -> (inputs, targets)` (see batches.py).
        loss_fn: `(model, inputs, targets) -> (loss, correct)`: correct is the number of right predictions in the
            batch for classifiers, None for language models.
        evaluate: `model -> dict` of held-out metrics (e.g. {"val_loss": ..., "val_accuracy": ...}).
        kind: "classifier" or "text" — chooses the plots and the commands (`sample` needs text).
        extras: kind-specific helpers: for classifiers `predict_test()` for the confusion matrix, for text
            `encode`/`decode` for sampling.
    """

    model: Any
    optimizer: Any
    scheduler: Any
    batches: Any
    loss_fn: Callable[[Any, Any, Any], tuple[Any, int | None]]
    evaluate: Callable[[Any], dict]
    kind: str
    extras: dict = field(default_factory=dict)


def classification_loss(model: Any, inputs: Any, targets: Any) -> tuple[Any, int]:
    """Cross-entropy of the model's logits, and how many of the batch it got right."""
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets)
    correct = int((logits.detach().argmax(dim=1) == targets).sum().item())
    return loss, correct


def language_model_loss(model: Any, inputs: Any, targets: Any) -> tuple[Any, None]:
    """Mean next-token cross-entropy over every position of every window."""
    logits = model(inputs)
    if isinstance(logits, tuple):  # models that return (logits, extra state)
        logits = logits[0]
    batch, time, vocab = logits.shape
    return F.cross_entropy(logits.reshape(batch * time, vocab), targets.reshape(batch * time)), None


def classifier_evaluation(inputs: np.ndarray, targets: np.ndarray, batch_size: int = 1000) -> Callable:
    """`evaluate(model)` for a classifier: loss and accuracy over a held-out set, in eval mode, without a graph."""

    def predict(model: Any) -> tuple[np.ndarray, float]:
        was_training = model.training
        model.eval()
        predictions, total_loss = [], 0.0
        with no_grad():
            for start in range(0, len(inputs), batch_size):
                x = tensor(inputs[start : start + batch_size])
                y = tensor(targets[start : start + batch_size])
                logits = model(x)
                total_loss += F.cross_entropy(logits, y, reduction="sum").item()
                predictions.append(logits.argmax(dim=1).numpy())
        model.train(was_training)
        return np.concatenate(predictions), total_loss / len(inputs)

    def evaluate(model: Any) -> dict:
        predictions, loss = predict(model)
        return {"val_loss": loss, "val_accuracy": float((predictions == targets).mean())}

    evaluate.predict = predict  # the report's confusion matrix reuses it
    return evaluate


def language_model_evaluation(
    ids: np.ndarray, block_size: int, loss_fn: Callable = language_model_loss, batch_size: int = 64
) -> Callable:
    """`evaluate(model)` for a language model: mean cross-entropy (nats per token) over the whole held-out split,
    cut into consecutive non-overlapping windows."""

    def evaluate(model: Any) -> dict:
        count = (len(ids) - 1) // block_size
        starts = np.arange(count) * block_size
        was_training = model.training
        model.eval()
        total, tokens = 0.0, 0
        with no_grad():
            for first in range(0, count, batch_size):
                window = starts[first : first + batch_size, None] + np.arange(block_size)
                x, y = tensor(ids[window]), tensor(ids[window + 1])
                loss, _ = loss_fn(model, x, y)
                total += loss.item() * y.numel()
                tokens += y.numel()
        model.train(was_training)
        return {"val_loss": total / tokens}

    return evaluate
