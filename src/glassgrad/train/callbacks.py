"""Callbacks: what happens around the training loop without changing it — progress, logs, early stopping.

The loop calls, in order: `on_train_start(loop)`, then per step `on_step(loop, step, logs)` (logs at the log
interval only), `on_evaluate(loop, step, metrics)` after each evaluation, and `on_train_end(loop, step)`.
Setting `loop.stop_reason` ends training after the current step.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, TextIO


class Callback:
    def on_train_start(self, loop: Any) -> None: ...

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
    """A live progress bar on a terminal; plain periodic lines anywhere else (CI logs, files)."""

    def __init__(self, total_steps: int, stream: TextIO | None = None, width: int = 24) -> None:
        self.total = total_steps
        self.stream = stream or sys.stdout
        self.width = width
        self.interactive = self.stream.isatty()
        self.last_eval: dict = {}

    def _describe(self, logs: dict) -> str:
        parts = [f"loss {logs['loss']:.4f}"]
        if "accuracy" in logs:
            parts.append(f"acc {logs['accuracy']:.3f}")
        for name, value in self.last_eval.items():
            parts.append(f"{name} {value:.4f}")
        parts.append(f"lr {logs['lr']:.2e}")
        parts.append(f"{logs['samples_per_s']:.0f} samples/s")
        return "  ".join(parts)

    def on_step(self, loop: Any, step: int, logs: dict) -> None:
        if self.interactive:
            done = int(self.width * step / max(self.total, 1))
            bar = "█" * done + "·" * (self.width - done)
            self.stream.write(f"\r{bar} {step}/{self.total}  {self._describe(logs)}\033[K")
        else:
            self.stream.write(f"step {step}/{self.total}  {self._describe(logs)}\n")
        self.stream.flush()

    def on_evaluate(self, loop: Any, step: int, metrics: dict) -> None:
        self.last_eval = metrics
        if not self.interactive:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
            self.stream.write(f"eval at step {step}: {shown}\n")
            self.stream.flush()

    def on_train_end(self, loop: Any, step: int) -> None:
        if self.interactive:
            self.stream.write("\n")
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
