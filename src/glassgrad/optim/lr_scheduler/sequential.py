"""SequentialLR: run schedulers one after another, switching at milestone epochs (e.g. warmup, then decay)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from ..optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler


class SequentialLR(LRScheduler):
    """Hand the lr to `schedulers[i]` from epoch `milestones[i-1]` on.

    At a milestone the next scheduler starts from its own epoch 0 (its closed form at 0, e.g. its base lr),
    so each scheduler's epochs count from the moment it takes over. The sub-schedulers must be built on the
    same optimizer, before the SequentialLR; it undoes the first step they took when created.

    Args:
        optimizer: wrapped optimizer.
        schedulers: the schedulers, in the order they run (not ReduceLROnPlateau).
        milestones: the epochs at which to switch; one fewer than schedulers, increasing.
        last_epoch: index of the last epoch (default: -1, the start).

    Example: linear warmup for 5 steps, then cosine decay to 0 over 15 steps (20 steps in all).

        >>> import glassgrad as gg
        >>> from glassgrad.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
        >>> opt = gg.optim.AdamW([gg.tensor([1.0], requires_grad=True)], lr=1e-3)
        >>> warmup = LinearLR(opt, start_factor=0.2, end_factor=1.0, total_iters=5)
        >>> decay = CosineAnnealingLR(opt, T_max=15, eta_min=0.0)
        >>> scheduler = SequentialLR(opt, schedulers=[warmup, decay], milestones=[5])
        >>> lrs = []
        >>> for step in range(20):
        ...     lrs.append(scheduler.get_last_lr()[0])  # the lr this step trains with
        ...     opt.step()
        ...     scheduler.step()
        >>> [round(lr * 1e3, 3) for lr in lrs[:7]]  # 0.2, 0.36, ... up to 1.0 at the milestone, then down
        [0.2, 0.36, 0.52, 0.68, 0.84, 1.0, 0.989]
        >>> round(lrs[-1] * 1e3, 3)
        0.011
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler")
        for index, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(
                    f"SequentialLR: scheduler at index {index} should have `optimizer` as its attribute"
                )
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    "SequentialLR does not support ReduceLROnPlateau, whose step() needs a metric, "
                    f"but got one at index {index}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    "SequentialLR expects all schedulers to belong to the same optimizer, but scheduler "
                    f"{type(scheduler).__name__} at index {index} has a different one"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "SequentialLR expects one milestone fewer than schedulers, but got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        # 1. Reset the lrs: each sub-scheduler already took its first step when it was created.
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        # 2. Undo those first steps in the step counts too.
        self.recursive_undo()
        # 3. Take the first step again, with only the scheduler that runs at epoch 0.
        index = bisect_right(self._milestones, 0)
        self._schedulers[index]._initial_step()
        self._last_lr = schedulers[index].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take one off the step count of every scheduler inside this one (recursively)."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for scheduler in scheds._schedulers:
                self.recursive_undo(scheduler)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance by one epoch: step the scheduler in charge, or start the next one at a milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)  # the next scheduler starts at its epoch 0 (closed form where it has one)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The own attributes, and each sub-scheduler's state dict under `_schedulers`."""
        state = {
            key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)  # the caller's dict is left untouched
        schedulers = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, saved in zip(self._schedulers, schedulers):
            scheduler.load_state_dict(saved)
