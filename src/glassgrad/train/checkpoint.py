"""Checkpoints: everything needed to continue a run exactly — model, optimizer, scheduler, random state, step.

Written with `gg.save` (one safetensors file, written to a temporary file and renamed into place), so a kill
during a write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..backend import random as random_state
from ..serialization import load, save
from .errors import BadFileError, MissingFileError

CHECKPOINT_NAME = "checkpoint.safetensors"


def save_checkpoint(run_dir: Path, step: int, experiment: Any, metrics: dict | None = None) -> Path:
    """Write the state after `step` completed steps; returns the path."""
    state = {
        "step": step,
        "model": experiment.model.state_dict(),
        "optimizer": experiment.optimizer.state_dict(),
        "scheduler": experiment.scheduler.state_dict() if experiment.scheduler is not None else {},
        # NumPy's bit-generator state holds integers wider than 64 bits: keep it as JSON text.
        "rng": json.dumps(random_state.get_rng_state()),
        "metrics": metrics or {},
    }
    path = Path(run_dir) / CHECKPOINT_NAME
    save(state, path)
    return path


def load_checkpoint(run_dir: Path, experiment: Any) -> dict:
    """Restore model, optimizer, scheduler and random state in place; returns the checkpoint's dict."""
    path = Path(run_dir) / CHECKPOINT_NAME
    if not path.is_file():
        raise MissingFileError(f"no checkpoint in {run_dir}: expected {path}")
    try:
        state = load(path)
    except ValueError as error:  # gg.load's own check of the file: truncated, corrupted, a wrong checksum
        raise BadFileError(str(error)) from error
    experiment.model.load_state_dict(state["model"])
    experiment.optimizer.load_state_dict(state["optimizer"])
    if experiment.scheduler is not None and state["scheduler"]:
        experiment.scheduler.load_state_dict(state["scheduler"])
    random_state.set_rng_state(json.loads(state["rng"]))
    return state
