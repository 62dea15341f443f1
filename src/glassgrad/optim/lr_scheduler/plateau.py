"""ReduceLROnPlateau: cut the lr when a monitored metric stops improving."""

from __future__ import annotations

import math
from typing import Any, Literal

from ..optimizer import Optimizer
from .scheduler import LRScheduler, current_lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` after more than `patience` epochs without improvement of a metric.

    `step(metric)` is called once per epoch with, e.g., the validation loss. An epoch improves on the best
    value seen when (mode 'min', threshold_mode 'rel') metric < best · (1 - threshold); the other modes are
    metric < best - threshold ('min', 'abs'), metric > best · (1 + threshold) ('max', 'rel') and
    metric > best + threshold ('max', 'abs'). After more than `patience` bad epochs in a row:
    lr ← max(lr · factor, min_lr) (skipped when it would change by eps or less), then `cooldown` epochs in
    which bad epochs are not counted.

    Args:
        optimizer: wrapped optimizer.
        mode: 'min' (the metric should fall, default) or 'max' (it should rise).
        factor: the multiplier, < 1 (default: 0.1).
        patience: bad epochs tolerated before a cut (default: 10).
        threshold: how much better counts as an improvement (default: 1e-4).
        threshold_mode: 'rel' (default) or 'abs', see above.
        cooldown: epochs to wait after a cut before counting bad epochs again (default: 0).
        min_lr: lower bound on the lr, one for all groups or a list with one per group (default: 0).
        eps: smallest change of lr that is applied (default: 1e-8).

    Example:
        >>> import glassgrad as gg
        >>> opt = gg.optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> scheduler = gg.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for loss in [3.0, 2.0, 2.0, 2.0, 1.0]:
        ...     scheduler.step(loss)
        >>> scheduler.get_last_lr()  # two epochs without improvement (> patience) halve the lr once
        [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, but got {factor}")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"ReduceLROnPlateau: expected {len(optimizer.param_groups)} min_lrs (one per param "
                    f"group), got {len(min_lr)}"
                )
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = current_lrs(self.optimizer)
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        """Forget the best value, the bad-epoch count and the cooldown."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: float, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one epoch's metric (a number or 0-d tensor) and cut the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = current_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer now has {len(self.optimizer.param_groups)} param "
                    f"groups but min_lr was given for {len(self.min_lrs)} (a group was added?); "
                    "set `min_lrs` to match"
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for index, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[index])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold  # mode 'max', threshold_mode 'abs'

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown; use 'min' or 'max'")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError(
                f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown; use 'rel' or 'abs'"
            )
        self.mode_worse = math.inf if mode == "min" else -math.inf  # the worst possible value of the metric
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)
