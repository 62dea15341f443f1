"""The training loop: one function, read top to bottom.

for each step:
    1. take the step's batch                      (batches.batch(step): a function of seed and step)
    2. forward, loss, backward                    (experiment.loss_fn)
    3. stop on a non-finite loss, keeping the last good checkpoint
    4. optimizer step, then scheduler step; callbacks' on_after_step (the training-health Monitor reads here)
    5. at intervals: log, evaluate, checkpoint    (callbacks see each; checkpoints only with a run_dir)
Ctrl-C at any point: with a run directory, write a checkpoint of the last completed step and say how to resume;
without one, there is nothing to keep, so it interrupts at once as in any Python loop.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..nn.utils import clip_grad_norm_, get_total_norm
from .callbacks import Callback
from .checkpoint import save_checkpoint


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class LoopState:
    """What callbacks may read (and `stop_reason`, which they may set)."""

    experiment: Any
    run_dir: Path | None  # where checkpoints go; None trains without writing anything
    total_steps: int
    step: int = 0
    stop_reason: str | None = None
    last_checkpoint_step: int | None = None
    last_eval: dict = field(default_factory=dict)
    train_seconds: float = 0.0  # in training steps (batch, forward, backward, update), evaluations excluded
    eval_seconds: float = 0.0  # in evaluations


def fit(
    experiment: Any,
    total_steps: int,
    run_dir: Path | None = None,
    callbacks: list[Callback] = (),
    start_step: int = 0,
    log_every: int = 50,
    eval_every: int = 500,
    checkpoint_every: int = 0,
    grad_clip: float = 0.0,
    ranks: Any = None,
) -> LoopState:
    """Train `experiment` from `start_step` to `total_steps`; returns the final loop state.

    `loop.last_eval` holds the metrics of the last evaluation (the one at `total_steps` is made with
    `final=True`); `loop.train_seconds` is the time spent in training steps, `loop.eval_seconds` in evaluations.
    Without a `run_dir` nothing is written (the examples train this way); with one, checkpoints go there every
    `checkpoint_every` steps (default: at each evaluation).

    `ranks` (train/ranks.py): one of several processes training together; the logs are the global batch's (loss
    averaged, samples summed over the ranks), and a Ctrl-C seen by any rank stops every rank after the same step.
    """
    loop = LoopState(experiment, Path(run_dir) if run_dir is not None else None, total_steps, step=start_step)
    checkpoint_every = checkpoint_every or eval_every
    model, optimizer = experiment.model, experiment.optimizer
    parameters = [p for p in model.parameters() if p.requires_grad]
    window = _Window()
    for callback in callbacks:
        callback.on_train_start(loop)
    model.train()
    # With ranks, a Ctrl-C is always deferred: stopping mid-step would leave the others waiting in a collective.
    with _DeferredInterrupt(enabled=loop.run_dir is not None or ranks is not None) as interrupt:
        try:
            for step in range(start_step, total_steps):
                _train_step(loop, step, parameters, window, grad_clip, callbacks)
                if loop.step % log_every == 0 or loop.step == total_steps:
                    logs = window.summary(optimizer.param_groups[0]["lr"], ranks)
                    for callback in callbacks:
                        callback.on_step(loop, loop.step, logs)
                if loop.step % eval_every == 0 or loop.step == total_steps:
                    _evaluate(loop, callbacks, final=loop.step == total_steps)
                if ranks.any(interrupt.requested) if ranks is not None else interrupt.requested:
                    loop.stop_reason = "interrupted"
                if loop.run_dir is not None and (
                    loop.step % checkpoint_every == 0 or loop.step == total_steps or loop.stop_reason
                ):
                    save_checkpoint(loop.run_dir, loop.step, experiment, loop.last_eval)
                    loop.last_checkpoint_step = loop.step
                if loop.stop_reason:
                    break
        finally:
            for callback in callbacks:
                callback.on_train_end(loop, loop.step)
    return loop


def _train_step(
    loop: LoopState, step: int, parameters: list, window: _Window, grad_clip: float, callbacks: list[Callback] = ()
) -> None:
    """One optimizer step on the batch of `step`."""
    experiment = loop.experiment
    started = time.perf_counter()
    inputs, targets = experiment.batches.batch(step)
    loss, correct = experiment.loss_fn(experiment.model, inputs, targets)
    loss_value = loss.item()
    if not math.isfinite(loss_value):
        for callback in callbacks:  # the health Monitor records the non-finite loss, so findings.json says why
            callback.on_after_step(loop, step + 1, loss_value, math.nan)
        raise TrainingDiverged(_diverged_message(loop, step, loss_value))
    experiment.optimizer.zero_grad()
    loss.backward()
    grad_norm = _clip(parameters, grad_clip)
    experiment.optimizer.step()
    if experiment.scheduler is not None:
        experiment.scheduler.step()
    loop.step = step + 1
    for callback in callbacks:  # inside the timed step: what watching costs shows in the training time
        callback.on_after_step(loop, loop.step, loss_value, grad_norm)
    seconds = time.perf_counter() - started
    loop.train_seconds += seconds
    window.add(loss_value, correct, len(targets), grad_norm, seconds)


class _DeferredInterrupt:
    """Turn the first Ctrl-C into a request the loop honours at the end of the step; a second one interrupts.
    When not `enabled`, Ctrl-C keeps its usual meaning (KeyboardInterrupt at once)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.requested = False
        self.previous = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _DeferredInterrupt:
        if self.enabled and threading.current_thread() is threading.main_thread():  # handlers live in the main thread
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _evaluate(loop: LoopState, callbacks: list[Callback], final: bool) -> None:
    started = time.perf_counter()
    metrics = loop.experiment.evaluate(loop.experiment.model, final=final)
    loop.eval_seconds += time.perf_counter() - started
    loop.last_eval = metrics
    for callback in callbacks:
        callback.on_evaluate(loop, loop.step, metrics)


def _clip(parameters: list, max_norm: float) -> float:
    """The global L2 norm of the gradients, after scaling them down to `max_norm` when that is set."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if max_norm:
        return clip_grad_norm_(parameters, max_norm).item()
    return get_total_norm(grads).item() if grads else 0.0


def _diverged_message(loop: LoopState, step: int, value: float) -> str:
    if loop.run_dir is None:
        kept = "nothing was saved (no run directory)"
    elif loop.last_checkpoint_step is not None:
        kept = f"the last good checkpoint (step {loop.last_checkpoint_step}) is kept in {loop.run_dir}"
    else:
        kept = "no checkpoint was written yet"
    return (
        f"the loss became {value} at step {step + 1}; training stopped and {kept}. Try a lower learning rate "
        "(--lr) or gradient clipping."
    )


class _Window:
    """Running sums between two log lines."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.losses: list[float] = []
        self.correct = 0
        self.seen = 0
        self.grad_norm = 0.0
        self.seconds = 0.0
        self.counts_correct = False

    def add(self, loss: float, correct: int | None, batch: int, grad_norm: float, seconds: float) -> None:
        self.losses.append(loss)
        if correct is not None:
            self.correct += correct
            self.counts_correct = True
        self.seen += batch
        self.grad_norm = grad_norm
        self.seconds += seconds

    def summary(self, lr: float, ranks: Any = None) -> dict:
        """The window's logs; with `ranks`, of the global batch: every rank's examples, the slowest rank's time."""
        loss, correct, seen, seconds = float(np.mean(self.losses)), self.correct, self.seen, self.seconds
        if ranks is not None:
            loss, correct, seen = ranks.sum([loss / ranks.world_size, correct, seen])
            (seconds,) = ranks.max([seconds])
        logs = {
            "loss": loss,
            "lr": float(lr),
            "grad_norm": self.grad_norm,  # after DDP's average: the global batch's gradient, the same on every rank
            "samples_per_s": seen / max(seconds, 1e-9),
        }
        if self.counts_correct:
            logs["accuracy"] = correct / max(seen, 1)
        self.reset()
        return logs
