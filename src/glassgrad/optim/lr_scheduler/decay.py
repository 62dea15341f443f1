"""The per-step schedules: LambdaLR, StepLR, MultiStepLR, ExponentialLR, LinearLR, CosineAnnealingLR.

Each `get_lr` is PyTorch 2.13's chainable recursion on the current `group["lr"]`, and `_get_closed_form_lr`
its closed form on `base_lrs` (see `scheduler.py`). In the formulas, η₀ is a group's base lr and t the epoch
(`last_epoch`).
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler, current_lrs


class LambdaLR(LRScheduler):
    """ηₜ = η₀ · λ(t), with a function λ per group (or one for all).

    Args:
        optimizer: wrapped optimizer.
        lr_lambda: a function of the epoch t giving a factor, or a list of them, one per parameter group.
        last_epoch: index of the last epoch (default: -1, the start).

    `state_dict` saves a callable object's `__dict__` but not a plain function or lambda (None in its place).

    Example:
        >>> import glassgrad as gg
        >>> opt = gg.optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1)
        >>> scheduler = gg.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (t + 1))
        >>> for _ in range(3):
        ...     opt.step()
        ...     scheduler.step()
        >>> scheduler.get_last_lr()
        [0.025]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.optimizer = optimizer
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        else:
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(
                    f"LambdaLR: expected {len(optimizer.param_groups)} lr_lambdas (one per param group), "
                    f"but got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)  # the caller's dict is left untouched
        lr_lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lr_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)

    def get_lr(self) -> list[float]:
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """ηₜ = η₀ · γ^⌊t / step_size⌋: multiply the lr by γ every `step_size` epochs.

    Args:
        optimizer: wrapped optimizer.
        step_size: period of the decay, in epochs (a positive int).
        gamma: multiplicative factor γ (default: 0.1).
        last_epoch: index of the last epoch (default: -1, the start).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive int, but got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """ηₜ = η₀ · γ^(number of milestones ≤ t): multiply the lr by γ at each milestone epoch.

    Args:
        optimizer: wrapped optimizer.
        milestones: epochs at which to decay (a milestone given n times decays by γⁿ).
        gamma: multiplicative factor γ (default: 0.1).
        last_epoch: index of the last epoch (default: -1, the start).
    """

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)  # a saved Counter comes back from gg.load as a plain dict

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return current_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """ηₜ = η₀ · γᵗ: multiply the lr by γ every epoch.

    Args:
        optimizer: wrapped optimizer.
        gamma: multiplicative factor γ.
        last_epoch: index of the last epoch (default: -1, the start).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """ηₜ = η₀ · (s + (e - s) · min(t, T) / T): move the lr's factor linearly from s to e over T epochs.

    The recursion multiplies the current lr by 1 + (e - s) / (T s + (t - 1)(e - s)), the ratio of successive
    factors, so it composes with other schedulers. A common use is warmup (s < 1, e = 1).

    Args:
        optimizer: wrapped optimizer.
        start_factor: s, the factor at epoch 0, in (0, 1] (default: 1/3).
        end_factor: e, the factor from epoch T on, in [0, 1] (default: 1.0).
        total_iters: T, the number of epochs the change takes (default: 5).
        last_epoch: index of the last epoch (default: -1, the start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal "
                f"to 1, but got start_factor={start_factor}"
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(
                f"LinearLR: Ending multiplicative factor expected to be between 0 and 1, "
                f"but got end_factor={end_factor}"
            )
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return current_lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr
            * (
                self.start_factor
                + (self.end_factor - self.start_factor)
                * min(self.total_iters, self.last_epoch)
                / self.total_iters
            )
            for base_lr in self.base_lrs
        ]


class CosineAnnealingLR(LRScheduler):
    """ηₜ = η_min + (η₀ - η_min) · (1 + cos(π t / T_max)) / 2: half a cosine from η₀ down to η_min.

    As in PyTorch, the lr is computed by the recursion
    ηₜ = η_min + (ηₜ₋₁ - η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t-1) / T_max)), which equals the closed
    form above when nothing else changes the lr, and keeps following the cosine past T_max (back up again),
    without restarts (SGDR, Loshchilov & Hutter 2017, without its warm restarts).

    Args:
        optimizer: wrapped optimizer.
        T_max: half period of the cosine, in epochs.
        eta_min: η_min, the lowest lr (default: 0).
        last_epoch: index of the last epoch (default: -1, the start).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if not T_max > 0:
            raise ValueError(
                f"CosineAnnealingLR: T_max must be a positive number of epochs, but got {T_max!r}"
            )
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return current_lrs(self.optimizer)
        if self._step_count == 1 and self.last_epoch > 0:  # resuming: jump straight to the closed form
            return [
                self.eta_min
                + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                for base_lr in self.base_lrs
            ]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            # At the bottom of the cosine the ratio below would be 0/0; step up from η_min instead.
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        return [
            (1 + math.cos(math.pi * self.last_epoch / self.T_max))
            / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
            * (group["lr"] - self.eta_min)
            + self.eta_min
            for group in self.optimizer.param_groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]
