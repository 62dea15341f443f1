"""The settings of one training run: every knob and its default in one commented place (nanoGPT's train.py,
as a dataclass instead of globals). `config.json` in the run directory is this, so a run can be reproduced."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import Any

from ..backend.device import cuda_is_available
from .errors import SettingError


@dataclass
class TrainConfig:
    # None means "the recipe's default"; `Recipe.resolve` fills every None before training starts.
    recipe: str = "cnn-digits"  # which recipe (see `glassgrad recipes`)
    steps: int | None = None  # optimizer steps
    epochs: float | None = None  # alternative to steps: passes over the training set
    lr: float | None = None  # peak learning rate
    batch_size: int | None = None  # examples per step
    seed: int = 0  # seeds initialisation, shuffling, augmentation and dropout: same seed, same run
    device: str = "cpu"  # "cpu" or "cuda"
    out_dir: str = "runs"  # run directories go in here: runs/<recipe>-<time>/
    eval_every: int | None = None  # steps between evaluations
    log_every: int | None = None  # steps between log lines / metrics.jsonl records
    checkpoint_every: int | None = None  # steps between checkpoints (default: at each evaluation)
    warmup: int | None = None  # steps of linear learning-rate warmup before the cosine decay
    eval_limit: int | None = None  # evaluate on the first N held-out examples (text: windows); None = all
    patience: int = 0  # early stopping: evaluations without improvement of the validation loss; 0 = off

    def validate(self) -> None:
        """Reject impossible settings before any work starts (SettingError, a ValueError)."""
        if self.lr is not None and self.lr <= 0:
            raise SettingError(f"--lr must be positive, got {self.lr}")
        if self.steps is not None and self.epochs is not None:
            raise SettingError("give either --steps or --epochs, not both")
        for name in ("steps", "batch_size", "eval_every", "log_every", "checkpoint_every", "eval_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SettingError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        if self.epochs is not None and self.epochs <= 0:
            raise SettingError(f"--epochs must be positive, got {self.epochs}")
        if self.warmup is not None and self.warmup < 0:
            raise SettingError(f"--warmup must not be negative, got {self.warmup}")
        if self.patience < 0:
            raise SettingError(f"--patience must not be negative, got {self.patience}")
        if self.device not in ("cpu", "cuda"):
            raise SettingError(f"--device must be cpu or cuda, got {self.device!r}")
        if self.device == "cuda" and not cuda_is_available():
            raise SettingError(
                "--device cuda needs CuPy and an NVIDIA GPU, and this machine has none that CuPy can use; "
                "install glassgrad[cuda] on a GPU machine, or use --device cpu"
            )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def parse_dataclass(settings_class: type, argv: list[str] | None = None, description: str | None = None) -> Any:
    """Settings from the command line: every field of the dataclass becomes a --flag with its default.

    The flag's type is the default's: bools read 1/true/yes, tuples of ints are comma-separated (`--channels 32,64`).
    """
    parser = argparse.ArgumentParser(description=description)
    for field in dataclasses.fields(settings_class):
        default = field.default
        if isinstance(default, bool):
            kind: Any = _truthy
        elif isinstance(default, tuple):
            kind = _int_tuple
        else:
            kind = type(default)
        parser.add_argument("--" + field.name.replace("_", "-"), type=kind, default=default)
    return settings_class(**vars(parser.parse_args(argv)))


def _truthy(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


def _int_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(value) for value in text.split(","))
