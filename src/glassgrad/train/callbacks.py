"""Callbacks: what happens around the training loop without changing it — progress, logs, early stopping.

The loop calls, in order: `on_train_start(loop)`, then per step `on_after_step(loop, step, loss_value, grad_norm)`
right after every optimizer and scheduler step (`step` counts completed steps; `grad_norm` is the total gradient
norm before clipping; keep it cheap: it runs inside the timed step), `on_step(loop, step, logs)` (logs at the log
interval only), `on_evaluate(loop, step, metrics)` after each evaluation, and `on_train_end(loop, step)`.
Setting `loop.stop_reason` ends training after the current step.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

from tqdm import tqdm


class Callback:
    """The hooks the training loop calls (train/loop.py); subclass it and override the ones you need, the rest do
    nothing. on_train_start once; on_after_step after every optimizer step (with the loss and the gradient norm,
    NaN when it was not measured); on_step at each logged step; on_evaluate after each evaluation; on_train_end
    once, also when the training stops early."""

    def on_train_start(self, loop: Any) -> None: ...

    def on_after_step(self, loop: Any, step: int, loss_value: float, grad_norm: float) -> None: ...

    def on_step(self, loop: Any, step: int, logs: dict) -> None: ...

    def on_evaluate(self, loop: Any, step: int, metrics: dict) -> None: ...

    def on_train_end(self, loop: Any, step: int) -> None: ...


class MetricsFile(Callback):
    """Appends one JSON object per logged step and per evaluation to `metrics.jsonl`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
            file.flush()

    def on_step(self, loop: Any, step: int, logs: dict) -> None:
        self._write({"step": step, **logs})

    def on_evaluate(self, loop: Any, step: int, metrics: dict) -> None:
        self._write({"step": step, "eval": metrics})


class Progress(Callback):
    """Training progress: a live tqdm bar on a terminal (elapsed time, ETA, steps/s and the latest metrics), and a
    plain line per log interval anywhere else (CI logs, files), with the same elapsed time, ETA and rate.
    `health`: a function returning a few words on the training's health ("health ok" or the top finding's
    headline, see health.py), shown at the end of the bar's postfix and of each plain line."""

    def __init__(self, total_steps: int, stream: TextIO | None = None, health: Callable[[], str] | None = None) -> None:
        self.health = health
        self.total = total_steps
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.last_eval: dict = {}
        self.bar: tqdm | None = None
        self.started = time.perf_counter()
        self.first_step: int | None = None  # a resumed run starts past 0: its rate counts from there

    def _describe(self, logs: dict) -> str:
        parts = [f"loss {logs['loss']:.4f}"]
        if "accuracy" in logs:
            parts.append(f"acc {logs['accuracy']:.3f}")
        for name, value in self.last_eval.items():
            parts.append(f"{name} {value:.4f}")
        parts.append(f"lr {logs['lr']:.2e}")
        parts.append(f"{logs['samples_per_s']:.0f} samples/s")
        if self.health is not None:
            parts.append(self.health())
        return "  ".join(parts)

    def on_train_start(self, loop: Any) -> None:
        self.started = time.perf_counter()
        if self.interactive:
            self.bar = tqdm(total=self.total, file=self.stream, unit="step", dynamic_ncols=True, leave=True)

    def _timing(self, step: int) -> str:
        """elapsed, ETA and rate, in tqdm's own format, for the plain lines."""
        if self.first_step is None:
            self.first_step = step
            self.started = time.perf_counter()
            return "elapsed 00:00"
        elapsed = time.perf_counter() - self.started
        rate = (step - self.first_step) / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else 0.0
        return f"elapsed {tqdm.format_interval(elapsed)}  eta {tqdm.format_interval(eta)}  {rate:.1f} steps/s"

    def on_step(self, loop: Any, step: int, logs: dict) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(self._describe(logs), refresh=False)
            self.bar.update(step - self.bar.n)
            return
        self.stream.write(f"step {step}/{self.total}  {self._describe(logs)}  {self._timing(step)}\n")
        self.stream.flush()

    def on_evaluate(self, loop: Any, step: int, metrics: dict) -> None:
        self.last_eval = metrics
        if self.bar is None:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
            self.stream.write(f"eval at step {step}: {shown}\n")
            self.stream.flush()

    def on_train_end(self, loop: Any, step: int) -> None:
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            self.bar.close()
            self.bar = None
        self.stream.flush()


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved (by more than `min_delta`) for `patience` evaluations."""

    def __init__(self, patience: int, monitor: str = "val_loss", mode: str = "min", min_delta: float = 0.0) -> None:
        self.patience = patience
        self.monitor = monitor
        self.sign = 1.0 if mode == "min" else -1.0
        self.min_delta = min_delta
        self.best = math.inf
        self.waited = 0

    def on_evaluate(self, loop: Any, step: int, metrics: dict) -> None:
        if self.monitor not in metrics:
            return
        value = self.sign * metrics[self.monitor]
        if value < self.best - self.min_delta:
            self.best = value
            self.waited = 0
            return
        self.waited += 1
        if self.waited >= self.patience:
            loop.stop_reason = f"early stopping: {self.monitor} did not improve for {self.patience} evaluations"
