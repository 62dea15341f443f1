"""What the training loop trains: a model, its optimizer and schedule, its batches, and how to score it.

A recipe (recipes.py) builds one `Experiment`; the loop (loop.py) only ever talks to this interface, so every
recipe — classifier or language model — shares one loop.
"""

from __future__ import annotations

import functools
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


def classifier_experiment(
    model: Any,
    optimizer: Any,
    scheduler: Any,
    batches: Any,
    test_inputs: np.ndarray,
    test_targets: np.ndarray,
    label_smoothing: float = 0.0,
    eval_limit: int | None = None,
    extras: dict | None = None,
) -> Experiment:
    """An `Experiment` for a classifier: it trains on cross-entropy (with `label_smoothing`) and is evaluated by
    its loss and accuracy on the held-out (test_inputs, test_targets), the first `eval_limit` of them if given."""
    return Experiment(
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        batches=batches,
        loss_fn=functools.partial(classification_loss, label_smoothing=label_smoothing),
        evaluate=classifier_evaluation(test_inputs, test_targets, eval_limit),
        kind="classifier",
        extras=extras or {},
    )


def classification_loss(model: Any, inputs: Any, targets: Any, label_smoothing: float = 0.0) -> tuple[Any, int]:
    """Cross-entropy of the model's logits, and how many of the batch it got right."""
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets, label_smoothing=label_smoothing)
    correct = int((logits.detach().argmax(dim=1) == targets).sum().item())
    return loss, correct


def language_model_loss(model: Any, inputs: Any, targets: Any) -> tuple[Any, None]:
    """Mean next-token cross-entropy over every position of every window."""
    logits = model(inputs)
    if isinstance(logits, tuple):  # models that return (logits, extra state)
        logits = logits[0]
    batch, time, vocab = logits.shape
    return F.cross_entropy(logits.reshape(batch * time, vocab), targets.reshape(batch * time)), None


def classifier_evaluation(
    inputs: np.ndarray, targets: np.ndarray, limit: int | None = None, batch_size: int = 1000
) -> Callable:
    """`evaluate(model, final)` for a classifier: loss and accuracy over the held-out set (its first `limit`
    examples if given), in eval mode, without a graph."""
    inputs, targets = inputs[:limit], targets[:limit]

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

    def evaluate(model: Any, final: bool = True) -> dict:
        predictions, loss = predict(model)
        return {"val_loss": loss, "val_accuracy": float((predictions == targets).mean())}

    evaluate.predict = predict  # the report's confusion matrix reuses it
    evaluate.targets = targets
    return evaluate


def language_model_evaluation(
    ids: np.ndarray,
    block_size: int,
    loss_fn: Callable = language_model_loss,
    limit: int | None = None,
    estimate_windows: int = 240,
    batch_size: int = 64,
) -> Callable:
    """`evaluate(model, final)` for a language model: mean cross-entropy in nats per token.

    The held-out split is cut into consecutive, non-overlapping windows of `block_size` (the first `limit`
    windows if given). The final evaluation reads all of them; evaluations during training read an evenly
    spaced subset of `estimate_windows` — nanoGPT's idea of a cheap estimate (it uses 20 random batches),
    made deterministic so a resumed run logs the same numbers.
    """
    ids = ids.astype(np.int64)
    count = min((len(ids) - 1) // block_size, limit or len(ids))
    starts = np.arange(count) * block_size
    estimate_starts = starts[np.linspace(0, count - 1, min(estimate_windows, count)).astype(np.int64)]

    def evaluate(model: Any, final: bool = True) -> dict:
        chosen = starts if final else estimate_starts
        was_training = model.training
        model.eval()
        total, tokens = 0.0, 0
        with no_grad():
            for first in range(0, len(chosen), batch_size):
                window = chosen[first : first + batch_size, None] + np.arange(block_size)  # (B, T)
                x, y = tensor(ids[window]), tensor(ids[window + 1])
                loss, _ = loss_fn(model, x, y)
                total += loss.item() * y.numel()
                tokens += y.numel()
        model.train(was_training)
        return {"val_loss": total / tokens}

    return evaluate
