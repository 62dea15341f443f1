"""Training health in `glassgrad train`: a Monitor on the run's model for the whole run, its findings at the end.

RUN/health.jsonl    the Monitor's records (every 10 steps), appended as they are made; a resumed run first drops
                    the records after its checkpoint (those steps run again), then appends
RUN/findings.json   a JSON list of findings ({kind, where, steps, severity, message, headline}), written
                    atomically when training ends (also when it is interrupted or diverges)

`headline()` is what the progress bar shows: "health ok", or the top finding in a few words.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..diagnostics import Finding, Monitor, diagnose
from .callbacks import Callback
from .jsonl import keep_records_until

HEALTH_NAME = "health.jsonl"
FINDINGS_NAME = "findings.json"


class HealthCallback(Callback):
    """Owns a Monitor(every=`every`) on the experiment's model from on_train_start to on_train_end.

    `clip_norm`: the loop's gradient-clipping threshold (0 or None when it does not clip); the loop passes the
    pre-clip total norm to on_after_step, so the records carry the clip rate."""

    def __init__(self, run_dir: Path, every: int = 10, clip_norm: float | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.every = every
        self.clip_norm = clip_norm or None
        self.monitor: Monitor | None = None
        self.findings: list[Finding] = []

    def on_train_start(self, loop: Any) -> None:
        start = loop.step
        previous = keep_records_until(self.run_dir / HEALTH_NAME, start)
        experiment = loop.experiment
        self.monitor = Monitor(experiment.model, experiment.optimizer, every=self.every, run_dir=str(self.run_dir),
                               clip_norm=self.clip_norm, start_step=start)
        # a resumed run judges the whole run: the records before the checkpoint count as well
        self.monitor.history[:0] = previous

    def on_after_step(self, loop: Any, step: int, loss_value: float, grad_norm: float) -> None:
        if self.monitor is not None:
            self.monitor.step(loss_value, grad_norm=grad_norm)
            if self.monitor.history and self.monitor.history[-1]["step"] == step:
                self.findings = diagnose(self.monitor)  # only after a new record: the findings cannot change between

    def headline(self) -> str:
        return self.findings[0].headline if self.findings else "health ok"

    def on_train_end(self, loop: Any, step: int) -> None:
        if self.monitor is None:
            return
        self.findings = diagnose(self.monitor)
        self.monitor.remove()
        write_findings(self.run_dir / FINDINGS_NAME, self.findings)


def write_findings(path: Path, findings: list[Finding]) -> None:
    """findings.json, atomically: a temporary file in the same folder, then a rename."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump([f.to_dict() for f in findings], file, indent=2, allow_nan=True)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def read_findings(path: Path) -> list[dict] | None:
    """The findings of a run (a list of dicts), or None when the run has no readable findings.json."""
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return values if isinstance(values, list) else None
