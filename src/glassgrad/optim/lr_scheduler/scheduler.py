"""LRScheduler: the base class of the learning-rate schedulers, with PyTorch's stepping semantics.

A scheduler owns a step counter `last_epoch` and, at each `step()`, writes a new `group["lr"]` into every
parameter group of its optimizer. Most schedules are *chainable*: `get_lr` computes the next lr from the
current `group["lr"]` (a recursion), so two schedulers on one optimizer compose multiplicatively, as in
PyTorch. Where PyTorch also has a closed form in terms of `base_lrs` (used by `step(epoch)` and by
`SequentialLR` at its milestones), the subclass gives it as `_get_closed_form_lr`. Both are written as
PyTorch 2.13 computes them, so lr sequences agree with PyTorch's to the last bit.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..optimizer import Optimizer


class LRScheduler:
    """Base class of all learning-rate schedulers.

    Creating a scheduler sets `group["initial_lr"]` (once, from the current lr) in every parameter group,
    records them as `base_lrs`, and takes a first step, which sets the lr for epoch 0.

    Args:
        optimizer: the optimizer whose `param_groups` lrs are scheduled.
        last_epoch: index of the last step taken; -1 (default) starts the schedule. Give another value only
            to resume, with the optimizer's groups already holding `initial_lr`.

    Attributes:
        base_lrs: the lr of each group at the start of the schedule (its `initial_lr`).
        last_epoch: number of `step()` calls since the start (0 right after construction).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{index}] when resuming a "
                        f"scheduler with last_epoch={last_epoch}; load the optimizer's state first, or use "
                        "last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the step that sets the lr of epoch 0."""
        self._step_count = 0
        # Some chainable schedules (ExponentialLR, CosineAnnealingLR) leave the lr as it is on this first
        # step, so that resuming with last_epoch >= 0 does not apply one step too many.
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch `last_epoch` (called by `step`; read `get_last_lr()` instead)."""
        raise TypeError(
            f"{type(self).__name__} defines no schedule: a subclass of LRScheduler overrides get_lr()"
        )

    def get_last_lr(self) -> list[float]:
        """The lrs this scheduler last set, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one step and set the new lrs. Call it after `optimizer.step()`.

        `epoch` (deprecated in PyTorch, kept for ported code) jumps to that epoch, using the closed form
        where the schedule has one.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); "
                "call `scheduler.step()`",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (PyTorch's format); `gg.save` can write it."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by `state_dict()`."""
        self.__dict__.update(state_dict)


def current_lrs(optimizer: Optimizer) -> list[float]:
    """The lr of each of the optimizer's parameter groups, as they stand."""
    return [group["lr"] for group in optimizer.param_groups]
