"""Monitor: per-layer activation and per-parameter gradient/update statistics, read through forward hooks.

The model is never changed: hooks only read outputs, a sample of each parameter is copied (on recording steps
only) to measure the update, and `remove()` takes every hook away. Hooks read training forwards only (module.training):
an evaluation pass between steps is not part of what the optimizer sees.

Cost (with every=10 it must stay under 5% of a step; benchmarks/monitor_overhead.py measures it):
- every training forward of a ReLU/GELU: one max over the batch rows in the output's own dtype (exact: a unit is
  alive when its largest output in the window is positive);
- on recording steps only: a strided sample of each layer's output (SAMPLE elements, see `_sample`), the same
  sample of each parameter before the step, exact norms of parameters and gradients (one dot product each), and
  the spreads of parameters, gradients and updates estimated from their samples.

Gradient clipping: the Monitor does not clip or read the clipped gradients' norm itself (that would mean
changing or re-reading the model). Pass `clip_norm=` (the threshold) and, each step,
`monitor.step(loss, grad_norm=total_norm)` with the pre-clip norm that clip_grad_norm_ returns; each record then
holds `clip_fraction`, the share of steps in the window whose norm exceeded the threshold.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np

_SATURATING = {"Tanh": "tanh", "Sigmoid": "sigmoid"}
_RECTIFIERS = {"ReLU", "GELU", "LeakyReLU", "ReLU6"}
# Layers whose output is their input with some entries zeroed or nothing changed: their statistics say nothing the
# layer before has not said, and reading them costs time on every recorded step.
_PASS_THROUGH = {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Identity", "Flatten"}


def _values(t) -> np.ndarray:
    """The tensor's values as a NumPy array in its own dtype, without a copy where the backend allows (read only)."""
    return np.asarray(t.detach().numpy())


class Monitor:
    """Watch a model train: `monitor.step(loss)` after `optimizer.step()`; every `every` steps it records
    activation mean/std/histogram, saturated and dead fractions per layer, and per parameter the gradient
    norm and log10 gradient-to-data and update-to-data ratios. `monitor.history` holds the records."""

    def __init__(self, model, optimizer=None, every: int = 10, run_dir: str | None = None, bins: int = 20,
                 clip_norm: float | None = None, start_step: int = 0):
        params = list(model.named_parameters())
        if not params:
            raise ValueError(f"Monitor: the model {type(model).__name__} has no parameters to watch; "
                             "pass the model whose parameters the optimizer trains")
        if every < 1:
            raise ValueError(f"Monitor: every must be >= 1, got {every}")
        self.model = model
        self.optimizer = optimizer
        self.every = every
        self.bins = bins
        self.run_dir = run_dir
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"Monitor: clip_norm is the clipping threshold and must be > 0, got {clip_norm}")
        self.clip_norm = clip_norm
        # since the last record: [steps whose grad_norm exceeded clip_norm, steps that passed a grad_norm]
        self._clip_window = [0, 0]
        self._last_grad_norm: float | None = None
        self.history: list[dict] = []
        self.losses: list[float] = []
        self.seconds = 0.0  # time spent in this Monitor's hooks and step(): its own cost, free of noisy neighbours
        self.steps_taken = start_step  # a resumed training passes its checkpoint's step: records keep run steps
        self._params = params
        self._before: dict[str, np.ndarray] | None = None
        self._window: dict[str, dict] = {}
        self._handles = []
        for name, module in model.named_modules():
            if next(iter(module.children()), None) is None:  # leaf modules only
                self._handles.append(module.register_forward_hook(self._make_hook(name or type(module).__name__)))
        self._snapshot_if_next_records()

    # ---- hooks ---------------------------------------------------------------------------------------
    def _make_hook(self, name: str):
        def hook(module, args, output):  # timed, so `monitor.seconds` says what watching costs
            started = time.perf_counter()
            watch(module, output)
            self.seconds += time.perf_counter() - started

        def watch(module, output):
            if not hasattr(output, "numpy") or not getattr(module, "training", True):
                return None
            kind = type(module).__name__
            if kind in _PASS_THROUGH:
                return None
            if kind in _RECTIFIERS and output.ndim >= 1:
                # dead = never positive over the whole window, so every forward counts, not only recorded ones.
                # The running max per unit in the output's dtype is exact and one pass (a bool mask + any() was two
                # passes and a temporary the size of the output, every step).
                raw = _values(output)
                units = raw.reshape(-1, raw.shape[-1]) if raw.ndim > 1 else raw[None]
                peak = units.max(axis=0)
                entry = self._window.setdefault(name, {})
                if "peak" in entry:
                    np.maximum(entry["peak"], peak, out=entry["peak"])
                else:
                    entry["peak"] = peak
            if not self._recording_next():
                return None
            y = _sample(_values(output)).astype(np.float64)  # sample first, then widen only the sample
            if y.size and np.isfinite(y).all():
                _, std = _norm_std(y)
                stats = {"kind": kind, "mean": float(y.sum()) / y.size, "std": std}
            else:
                stats = {"kind": kind, "mean": float(y.mean()), "std": float(y.std())}
            counts, edges = _histogram(y, self.bins)
            stats["hist"] = {"counts": counts.tolist(), "edges": [float(e) for e in edges]}
            if _SATURATING.get(kind) == "tanh":
                stats["saturated"] = float((np.abs(y) > 0.97).mean())
            elif _SATURATING.get(kind) == "sigmoid":
                stats["saturated"] = float(((y < 0.03) | (y > 0.97)).mean())
            elif kind == "Softmax":
                p = np.clip(y, 1e-12, 1.0)
                stats["entropy"] = float(-(p * np.log(p)).sum(axis=-1).mean())
            self._window.setdefault(name, {})["stats"] = stats
            return None

        return hook

    def _recording_next(self) -> bool:
        return (self.steps_taken + 1) % self.every == 0 or self.steps_taken == 0

    def _snapshot_if_next_records(self) -> None:
        # the parameters before the recorded step, to measure its update: a copy in each parameter's own dtype
        # (only the sampled positions: the update's spread is estimated from the same positions after the step)
        self._before = {n: _sample(_values(p)).copy() for n, p in self._params} if self._recording_next() else None

    # ---- the step ------------------------------------------------------------------------------------
    def step(self, loss, grad_norm: float | None = None) -> dict | None:
        """Call after optimizer.step(); returns the record when this step was recorded.

        `grad_norm`: the total gradient norm before clipping (what clip_grad_norm_ returns); with `clip_norm` set,
        the records count how often it exceeded the threshold."""
        started = time.perf_counter()
        try:
            return self._step(loss, grad_norm)
        finally:
            self.seconds += time.perf_counter() - started

    def _step(self, loss, grad_norm: float | None) -> dict | None:
        value = float(loss.item() if hasattr(loss, "item") else loss)
        self.losses.append(value)
        if grad_norm is not None:
            norm = float(grad_norm.item() if hasattr(grad_norm, "item") else grad_norm)
            self._last_grad_norm = norm
            self._clip_window[1] += 1
            if self.clip_norm is not None and norm > self.clip_norm:
                self._clip_window[0] += 1
        recording = self._recording_next()
        self.steps_taken += 1
        record = None
        if recording or not math.isfinite(value):
            record = self._record(value)
        self._snapshot_if_next_records()
        return record

    def _record(self, loss: float) -> dict:
        record: dict = {"step": self.steps_taken, "loss": loss, "loss_finite": math.isfinite(loss),
                        "layers": {}, "params": {}}
        if self._last_grad_norm is not None:
            record["total_grad_norm"] = self._last_grad_norm
        if self.clip_norm is not None and self._clip_window[1]:
            record["clip_norm"] = self.clip_norm
            record["clip_fraction"] = self._clip_window[0] / self._clip_window[1]
            record["clip_window_steps"] = self._clip_window[1]
        self._clip_window = [0, 0]
        for name, entry in self._window.items():
            stats = dict(entry.get("stats", {}))
            if "peak" in entry:
                stats["dead_fraction"] = float((entry["peak"] <= 0).mean())
                stats["units"] = int(entry["peak"].size)
            record["layers"][name] = stats
        self._window = {}
        for name, p in self._params:
            # Norms are exact (one float32 dot product each); the spreads in the log10 ratios are estimated from
            # a strided sample of SAMPLE positions, the same positions before and after the step (within ~2%,
            # i.e. 0.01 in log10: reading every element of every parameter cost 7% of the mlp step).
            data = _values(p)
            data_sample = _sample(data).astype(np.float64)
            _, data_std = _norm_std(data_sample)
            stats = {"data_norm": _norm(data) + 1e-12}
            if p.grad is not None:
                grad = _values(p.grad)
                stats["grad_norm"] = _norm(grad)
                _, grad_std = _norm_std(_sample(grad).astype(np.float64))
                stats["log10_grad_to_data"] = _log10(grad_std / (data_std + 1e-12))
            if self._before is not None and name in self._before:
                _, update_std = _norm_std(data_sample - self._before[name])
                stats["log10_update_to_data"] = _log10(update_std / (data_std + 1e-12))
            record["params"][name] = stats
        self.history.append(record)
        if self.run_dir is not None:
            self.save(os.path.join(self.run_dir, "health.jsonl"), [record], append=True)
        return record

    # ---- output --------------------------------------------------------------------------------------
    def save(self, path: str, records: list[dict] | None = None, append: bool = False) -> None:
        """Write the records as JSON lines (one write per call, so a reader never sees half a record)."""
        text = "".join(json.dumps(r, allow_nan=True) + "\n" for r in (self.history if records is None else records))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a" if append else "w") as f:
            f.write(text)

    def diagnose(self):
        from .findings import diagnose

        return diagnose(self)

    def remove(self) -> None:
        """Take away every hook this Monitor added."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _log10(ratio: float) -> float:
    return math.log10(ratio) if ratio > 0 and math.isfinite(ratio) else (-math.inf if ratio == 0 else math.inf)


SAMPLE = 4096  # the most elements a layer's statistics read on a recording step (mean and std within ~2% of std)


def _sample(y: np.ndarray) -> np.ndarray:
    """Up to SAMPLE evenly strided elements of y (in y's dtype): its mean, std, histogram and saturated fraction are
    estimated from them (reading every element of a GPT's activations every 10 steps cost 25% of its step time).

    The stride is made coprime with the last axis (the units): a stride dividing the row length would read the
    same few units in every row (1024 units, stride 16: 64 units only, and a biased mean); a coprime stride visits
    every unit about equally. tests/diagnostics/test_monitor.py checks the estimates against the full values."""
    stride = max(1, y.size // SAMPLE)
    units = y.shape[-1] if y.ndim else 1
    while stride > 1 and math.gcd(stride, units) != 1:
        stride += 1
    if y.flags.c_contiguous:
        return y.reshape(-1)[::stride]
    return y.flat[np.arange(0, y.size, stride)]  # a non-contiguous output: read the sample, never copy it whole


def _histogram(y: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram(y[finite], bins) with equal-width bins over [min, max] (the last bin closed), by one bincount:
    np.histogram's general path took 4x as long, over forty layers of a GPT on every recording step. A value on a
    bin edge may land one bin over from np.histogram's choice (float rounding); counts are otherwise the same."""
    finite = y if np.isfinite(y).all() else y[np.isfinite(y)]
    if finite.size == 0:
        return np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1)
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:  # as np.histogram does: a unit-wide range around the single value
        lo, hi = lo - 0.5, hi + 0.5
    index = ((finite - lo) * (bins / (hi - lo))).astype(np.intp)
    np.minimum(index, bins - 1, out=index)  # the maximum belongs to the last bin
    return np.bincount(index, minlength=bins), np.linspace(lo, hi, bins + 1)


def _norm(a: np.ndarray) -> float:
    """The L2 norm of `a` from one dot product in its own dtype (a float32 sum of squares that overflows falls
    back to NumPy's scaled norm)."""
    flat = a.reshape(-1)
    square = float(np.dot(flat, flat))
    return math.sqrt(square) if math.isfinite(square) else float(np.linalg.norm(flat.astype(np.float64)))


def _norm_std(a: np.ndarray) -> tuple[float, float]:
    """(L2 norm, standard deviation) of `a`, read in its own dtype (no float64 copy of a large parameter).

    One dot product and one sum: var = |a|^2/n - mean^2, in float64 scalars. That subtraction loses digits
    only when the mean dominates (mean^2 close to |a|^2/n, e.g. a LayerNorm weight near 1 with a small spread);
    there it falls back to the exact two-pass |a - mean|. np.std took 3x as long (a temporary of a's size). The
    float32 dot's rounding (about 1e-5 relative on a million elements) is far below what a log10 ratio shows;
    tests/diagnostics/test_monitor.py checks both paths against float64 np.std."""
    flat = a.reshape(-1)
    n = flat.size
    if n == 0:
        return 0.0, 0.0
    square = float(np.dot(flat, flat))
    mean = float(flat.sum()) / n  # NumPy sums pairwise: float32 stays accurate to ~1e-7 relative
    norm = math.sqrt(square) if math.isfinite(square) else math.inf
    if not math.isfinite(square) or not math.isfinite(mean):
        return norm, float(np.std(flat))
    if mean * mean <= 0.5 * square / n:
        return norm, math.sqrt(max(square / n - mean * mean, 0.0))
    return norm, float(np.linalg.norm(flat - flat.dtype.type(mean))) / math.sqrt(n)
