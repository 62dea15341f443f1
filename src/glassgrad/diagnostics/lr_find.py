"""The learning-rate range test (Leslie Smith, "Cyclical Learning Rates for Training Neural Networks", 2015;
fastai's `lr_find`): train for a few steps while the learning rate grows exponentially, and read the rate off the
loss-versus-rate curve.

    lr_i = start_lr · (end_lr / start_lr) ** (i / (num_iter - 1))       for i = 0 .. num_iter - 1
    avg_i = smooth · avg_{i-1} + (1 - smooth) · loss_i,   avg_{-1} = 0
    smoothed_i = avg_i / (1 - smooth ** (i + 1))                          (bias correction, as in Adam)

The sweep stops early once smoothed_i > diverge · min(smoothed) or a loss is not finite. Two rates are suggested:
the steepest descent of the smoothed loss against log10(lr) (`lr_steep`, which is `suggestion`), and the rate of
the minimum smoothed loss divided by ten (`lr_min`, fastai's older rule). The test trains the model for real, so
the model's parameters and buffers, their gradients, the optimizer's state and learning rates, and every
submodule's train/eval mode, and glassgrad's global random generator (dropout draws from it) are saved before
and restored afterwards, bit for bit, even if the sweep raises.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ..backend import random as random_state
from ..tensor import Tensor


@dataclass
class LRFinderResult:
    """What the range test saw.

    Attributes:
        lrs: the learning rate of each step taken (length = steps run, at most num_iter).
        losses: the raw loss of each step.
        smoothed: the bias-corrected exponential moving average of `losses`.
        suggestion: the suggested rate, equal to `lr_steep` (None if the sweep ran too few steps to say).
        lr_steep: the rate where the smoothed loss falls fastest against log10(lr), between the first tenth of
            the sweep and the minimum (a central difference over 5% of the curve each side).
        lr_min: the rate of the minimum smoothed loss (after the first tenth of the sweep), divided by 10.
        stopped_early: True when the sweep stopped on divergence (or a non-finite loss) before num_iter steps.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggestion: float | None
    lr_steep: float | None
    lr_min: float | None
    stopped_early: bool

    def plot(self, path: str | os.PathLike) -> Path:
        """Write the smoothed (and raw) loss against the learning rate, log-x, with the suggestion marked, as a
        PNG at `path`. The file is written to a temporary name in the same folder and renamed into place, so a
        crash never leaves half a picture. Returns the path."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # Agg without touching pyplot's global backend
        from matplotlib.figure import Figure

        path = Path(path)
        figure = Figure(figsize=(6, 4), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.plot(self.lrs, self.losses, color="0.75", linewidth=0.8, label="loss")
        axes.plot(self.lrs, self.smoothed, color="C0", linewidth=1.6, label="smoothed loss")
        if self.suggestion is not None:
            at = int(np.argmin(np.abs(np.log(self.lrs) - math.log(self.suggestion))))
            axes.plot([self.suggestion], [self.smoothed[at]], "o", color="C3",
                      label=f"suggestion {self.suggestion:.2g} (steepest)")
        if self.lr_min is not None:
            axes.axvline(self.lr_min, color="C2", linestyle="--", linewidth=0.8, label=f"min/10 {self.lr_min:.2g}")
        axes.set_xscale("log")
        axes.set_xlabel("learning rate")
        axes.set_ylabel("loss")
        finite = [v for v in self.smoothed if math.isfinite(v)]
        if finite:  # keep the diverged tail from squashing the interesting part
            low, high = min(finite), max(finite[0], min(finite) * 2)
            axes.set_ylim(low - 0.05 * (high - low + 1e-12), high + 0.1 * (high - low + 1e-12))
        axes.set_title("learning-rate range test")
        axes.legend(loc="best", fontsize=8)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                figure.savefig(file, format="png")
            os.chmod(temporary, 0o644)  # mkstemp makes it private; the picture is an ordinary file
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path


def lr_find(
    model: Any,
    loss_fn: Callable[[Any, Any], Any],
    batches: Iterable[tuple[Any, Any]],
    optimizer: Any = None,
    start_lr: float = 1e-7,
    end_lr: float = 10,
    num_iter: int = 100,
    smooth: float = 0.98,
    diverge: float = 4.0,
) -> LRFinderResult:
    """Run the learning-rate range test on `model` and return what it saw (see the module docstring).

    Arguments:
        model: any `nn.Module`; it is trained during the sweep and restored afterwards.
        loss_fn: `loss_fn(model(inputs), targets) -> scalar Tensor`, a criterion such as `nn.CrossEntropyLoss()`.
            The loss is assumed positive (the divergence test compares it with a multiple of the best).
        batches: an iterable of `(inputs, targets)`; if it yields fewer than `num_iter` batches they are cycled.
        optimizer: the optimizer to sweep; all its param groups get the swept rate. None: a fresh
            `optim.SGD(model.parameters(), lr=start_lr, momentum=0.9)`, discarded afterwards.
        start_lr, end_lr: the sweep's first and last rate (0 < start_lr < end_lr).
        num_iter: steps of the sweep (at least 2).
        smooth: the moving average's factor, in [0, 1); 0 is no smoothing.
        diverge: stop once the smoothed loss exceeds `diverge` × its minimum (greater than 1).

    Returns:
        An `LRFinderResult`; `.suggestion` is the steepest-descent rate, `.lr_min` the min-loss/10 rate.
    """
    _check_arguments(start_lr, end_lr, num_iter, smooth, diverge)
    stream = _cycle(batches)
    if optimizer is None:
        from .. import optim

        optimizer = optim.SGD(model.parameters(), lr=start_lr, momentum=0.9)
    saved = _save(model, optimizer)
    try:
        lrs, losses, smoothed, stopped_early = _sweep(
            model, loss_fn, stream, optimizer, start_lr, end_lr, num_iter, smooth, diverge
        )
    finally:
        _restore(model, optimizer, saved)
    lr_steep, lr_min = _suggest(lrs, smoothed)
    return LRFinderResult(lrs, losses, smoothed, lr_steep, lr_steep, lr_min, stopped_early)


def _check_arguments(start_lr: float, end_lr: float, num_iter: int, smooth: float, diverge: float) -> None:
    if not isinstance(num_iter, int) or num_iter < 2:
        raise ValueError(f"lr_find: num_iter must be an integer of at least 2, got {num_iter!r}")
    if not (start_lr > 0 and math.isfinite(start_lr)):
        raise ValueError(f"lr_find: start_lr must be positive and finite, got {start_lr}")
    if not (end_lr > start_lr and math.isfinite(end_lr)):
        raise ValueError(f"lr_find: end_lr must be finite and larger than start_lr, got start_lr={start_lr}, "
                         f"end_lr={end_lr}")
    if not 0 <= smooth < 1:
        raise ValueError(f"lr_find: smooth must be in [0, 1), got {smooth}")
    if not diverge > 1:
        raise ValueError(f"lr_find: diverge must be greater than 1, got {diverge}")


def _cycle(batches: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    """The batches, repeated from the first once exhausted (kept in a list, so a one-shot generator cycles too).
    An empty iterable is an error, raised here before anything is trained."""
    iterator = iter(batches)
    try:
        first = next(iterator)
    except StopIteration:
        raise ValueError("lr_find: batches is empty; give at least one (inputs, targets) batch") from None

    def generate() -> Iterator[tuple[Any, Any]]:
        seen = [first]
        yield first
        for batch in iterator:
            seen.append(batch)
            yield batch
        while True:
            yield from seen

    return generate()


def _sweep(model: Any, loss_fn: Callable, stream: Iterator, optimizer: Any, start_lr: float, end_lr: float,
           num_iter: int, smooth: float, diverge: float) -> tuple[list[float], list[float], list[float], bool]:
    model.train()
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    for i in range(num_iter):
        lr = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = next(stream)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        value = float(loss.item())
        lrs.append(lr)
        losses.append(value)
        if not math.isfinite(value):
            smoothed.append(value)
            return lrs, losses, smoothed, True
        average = smooth * average + (1 - smooth) * value
        smoothed.append(average / (1 - smooth ** (i + 1)))
        best = min(best, smoothed[-1])
        if i > 0 and smoothed[-1] > diverge * best:
            return lrs, losses, smoothed, i < num_iter - 1
        loss.backward()
        optimizer.step()
    return lrs, losses, smoothed, False


def _suggest(lrs: list[float], smoothed: list[float]) -> tuple[float | None, float | None]:
    """(steepest-descent rate, min-loss rate / 10) of the finite part of the curve; None where it is too short."""
    finite = [i for i, v in enumerate(smoothed) if math.isfinite(v)]
    if not finite:
        return None, None
    values = np.array([smoothed[i] for i in finite])
    log_lrs = np.log10([lrs[i] for i in finite])
    # The first tenth of the curve is skipped (fastai's skip_start): there the average has seen few losses, and
    # the noise of single batches, not the rate, sets its level and slope (one lucky batch would be "the minimum").
    # The slope at i is taken across i ± k points (k = 5% of the curve), so one noisy batch cannot make the
    # steepest point either.
    skip = len(values) // 10
    lowest = skip + int(np.argmin(values[skip:]))
    lr_min = float(10 ** log_lrs[lowest]) / 10
    if lowest - skip < 2:  # no descent to measure before the minimum
        return None, lr_min
    k = max(1, len(values) // 20)
    centres = np.arange(skip, lowest + 1)
    before, after = np.maximum(centres - k, 0), np.minimum(centres + k, lowest)
    slopes = (values[after] - values[before]) / (log_lrs[after] - log_lrs[before])
    return float(10 ** log_lrs[centres[int(np.argmin(slopes))]]), lr_min


def _save(model: Any, optimizer: Any) -> dict[str, Any]:
    """Copies (not views) of everything the sweep changes."""
    optimizer_state = optimizer.state_dict()
    return {
        "rng": copy.deepcopy(random_state.get_rng_state()),  # dropout draws during the sweep
        "model": {name: value.detach().clone() for name, value in model.state_dict().items()},
        "grads": [(p, None if p.grad is None else p.grad.detach().clone()) for p in model.parameters()],
        "modes": [(module, module.training) for module in model.modules()],
        "optimizer": {
            "state": {key: {name: _copy(v) for name, v in entry.items()}
                      for key, entry in optimizer_state["state"].items()},
            "param_groups": [{key: _copy(v) for key, v in group.items()} for group in optimizer_state["param_groups"]],
        },
    }


def _copy(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _restore(model: Any, optimizer: Any, saved: dict[str, Any]) -> None:
    random_state.set_rng_state(saved["rng"])
    model.load_state_dict(saved["model"])
    for param, grad in saved["grads"]:
        param.grad = grad
    for module, training in saved["modes"]:
        module.training = training
    optimizer.load_state_dict(saved["optimizer"])
