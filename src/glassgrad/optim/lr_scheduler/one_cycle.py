"""OneCycleLR: the 1cycle policy (Smith & Topin 2017, "Super-Convergence"), in fastai's two-phase default."""

from __future__ import annotations

import math
from typing import Any, Literal

from ..optimizer import Optimizer
from .scheduler import LRScheduler


class OneCycleLR(LRScheduler):
    """Anneal the lr from max_lr/div_factor up to max_lr, then down to a far smaller minimum; step per batch.

    With η_init = max_lr / div_factor and η_min = η_init / final_div_factor, over N = total_steps steps:

        two phases (default):   η_init → max_lr  over steps [0, p N - 1],
                                max_lr → η_min   over steps [p N - 1, N - 1]
        three_phase=True:       η_init → max_lr → η_init (symmetric about p N), then η_init → η_min

    where p = pct_start. Each phase interpolates with pct ∈ [0, 1] of the way through it:
    'cos': end + (start - end) (1 + cos(π pct)) / 2, 'linear': start + (end - start) pct. With
    cycle_momentum, momentum (or Adam's β₁) moves inversely, between max_momentum and base_momentum.
    The lr is computed from these formulas (not chainable), and stepping past total_steps is an error.

    Args:
        optimizer: wrapped optimizer.
        max_lr: peak lr, one for all groups or a list with one per group.
        total_steps: N; or give epochs and steps_per_epoch (N = epochs · steps_per_epoch).
        epochs, steps_per_epoch: see total_steps.
        pct_start: p, the fraction of the cycle spent raising the lr (default: 0.3).
        anneal_strategy: 'cos' (default) or 'linear'.
        cycle_momentum: cycle the momentum inversely to the lr (default: True); the optimizer needs a
            `momentum` or `betas` hyperparameter.
        base_momentum: momentum at the lr's peak (default: 0.85); one value or one per group.
        max_momentum: momentum at the lr's ends (default: 0.95); one value or one per group.
        div_factor: η_init = max_lr / div_factor (default: 25).
        final_div_factor: η_min = η_init / final_div_factor (default: 1e4).
        three_phase: use the paper's three phases instead of fastai's two (default: False).
        last_epoch: index of the last batch (default: -1, the start).

    Example:
        >>> import glassgrad as gg
        >>> opt = gg.optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
        >>> scheduler = gg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> lrs = [scheduler.get_last_lr()[0]]
        >>> for _ in range(9):
        ...     opt.step()
        ...     scheduler.step()
        ...     lrs.append(scheduler.get_last_lr()[0])
        >>> [round(lr, 4) for lr in (lrs[0], max(lrs), lrs[-1])]
        [0.04, 1.0, 0.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(
                f"OneCycleLR: expected a float between 0 and 1 for pct_start, but got {pct_start!r}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', but got {anneal_strategy!r}"
            )
        self._anneal_func_type = anneal_strategy
        self._schedule_phases = _phases(self.total_steps, pct_start, three_phase)

        # The phases read their endpoints from these per-group keys, as PyTorch stores them.
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"OneCycleLR: optimizer {type(optimizer).__name__} has no momentum or betas to cycle; "
                    "pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, group_max, group_base in zip(
                    optimizer.param_groups, max_momentums, base_momentums
                ):
                    if self.use_beta1:
                        group["betas"] = (group_max, *group["betas"][1:])
                    else:
                        group["momentum"] = group_max
                    group["max_momentum"] = group_max
                    group["base_momentum"] = group_base
        super().__init__(optimizer, last_epoch)

    def _anneal_func(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)  # cosine from start to end
        return (end - start) * pct + start  # linear from start to end

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step_num} times, but the specified number of total steps is "
                f"{self.total_steps}; create the scheduler with a larger total_steps (or epochs)"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or index == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal_func(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        if self.use_beta1:
                            group["betas"] = (momentum, *group["betas"][1:])
                        else:
                            group["momentum"] = momentum
                    break
                start_step = phase["end_step"]
        return lrs


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"OneCycleLR: expected a positive integer total_steps, but got {total_steps!r}")
        return total_steps
    if epochs is not None and steps_per_epoch is not None:
        if not isinstance(epochs, int) or epochs <= 0:
            raise ValueError(f"OneCycleLR: expected a positive integer epochs, but got {epochs!r}")
        if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
            raise ValueError(
                f"OneCycleLR: expected a positive integer steps_per_epoch, but got {steps_per_epoch!r}"
            )
        return epochs * steps_per_epoch
    raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)")


def _phases(total_steps: int, pct_start: float, three_phase: bool) -> list[dict[str, Any]]:
    """The schedule's phases: the step each ends at, and the group keys holding its endpoints."""
    warmup = {
        "end_step": float(pct_start * total_steps) - 1,
        "start_lr": "initial_lr",
        "end_lr": "max_lr",
        "start_momentum": "max_momentum",
        "end_momentum": "base_momentum",
    }
    if not three_phase:
        decay = {
            "end_step": total_steps - 1,
            "start_lr": "max_lr",
            "end_lr": "min_lr",
            "start_momentum": "base_momentum",
            "end_momentum": "max_momentum",
        }
        return [warmup, decay]
    cooldown = {
        "end_step": float(2 * pct_start * total_steps) - 2,
        "start_lr": "max_lr",
        "end_lr": "initial_lr",
        "start_momentum": "base_momentum",
        "end_momentum": "max_momentum",
    }
    annihilate = {
        "end_step": total_steps - 1,
        "start_lr": "initial_lr",
        "end_lr": "min_lr",
        "start_momentum": "max_momentum",
        "end_momentum": "max_momentum",
    }
    return [warmup, cooldown, annihilate]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list/tuple must have one per group, a single value is repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"OneCycleLR: {name} must have the same length as optimizer.param_groups; {name} has "
                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)
