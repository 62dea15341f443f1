"""Adagrad (Duchi, Hazan & Singer 2011), as PyTorch computes it."""

from __future__ import annotations

from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter


class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate steps scaled by the root of all squared gradients seen so far.

    For each parameter θ with gradient ∇f(θ), at step t = 1, 2, ... (with S₀ = initial_accumulator_value):

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                         if λ ≠ 0      (L2 weight decay)
        γₜ = γ / (1 + (t - 1) η)                         (learning-rate decay)
        S ← S + g²
        θ ← θ - γₜ g / (√S + ε)

    with γ = lr, η = lr_decay, λ = weight_decay, ε = eps.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: learning rate γ (default: 1e-2).
        lr_decay: learning-rate decay η (default: 0).
        weight_decay: L2 penalty λ (default: 0).
        initial_accumulator_value: the starting value S₀ of the sum of squares (default: 0).
        eps: ε added to the denominator for numerical stability (default: 1e-10).
        foreach, fused: accepted for PyTorch compatibility and ignored. differentiable: only False.
        maximize: maximize the objective instead of minimizing it (default: False).

    State per parameter: `step` (a 0-d float32 tensor) and `sum` (S), created at construction as PyTorch does,
    so `state_dict()` holds them before the first step. A group's own `initial_accumulator_value` is used for
    its parameters (PyTorch always uses the constructor's value).

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.Adagrad([w], lr=0.1)
        >>> w.grad = gg.tensor([3.0, -0.5])
        >>> opt.step()  # S = g², so the first step is lr · sign(g)
        >>> print(w.detach().numpy())
        [ 0.9 -1.9]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_hyperparameter("Adagrad", "learning rate", lr)
        check_hyperparameter("Adagrad", "lr_decay value", lr_decay)
        check_hyperparameter("Adagrad", "weight_decay value", weight_decay)
        check_hyperparameter("Adagrad", "initial_accumulator_value value", initial_accumulator_value)
        check_hyperparameter("Adagrad", "epsilon value", eps)
        check_unsupported_flags("Adagrad", differentiable=differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch makes Adagrad's state at construction, not at the first step
            for param in group["params"]:
                self.state[param] = self.init_state(param, group)

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        xp = namespace_of(param.array)
        return {
            "step": step_counter(),
            "sum": Tensor(xp.full_like(param.array, float(group["initial_accumulator_value"]))),  # S₀
        }

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        adagrad_update(
            param.array, param.grad.array, state["sum"].array, step=float(state["step"].array),
            lr=float(group["lr"]), lr_decay=float(group["lr_decay"]), weight_decay=float(group["weight_decay"]),
            eps=float(group["eps"]), maximize=bool(group["maximize"]),
        )  # fmt: skip


def adagrad_update(
    param: Array,
    grad: Array,
    state_sum: Array,
    *,
    step: float,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """One Adagrad step for one parameter, in place on raw arrays (see `Adagrad` for the math).

    `step` is t after this step's increment.
    """
    xp = namespace_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    clr = lr / (1 + (step - 1) * lr_decay)  # γₜ
    state_sum += g * g  # S ← S + g²
    std = xp.sqrt(state_sum) + eps  # √S + ε
    param -= clr * g / std  # θ ← θ - γₜ g / (√S + ε)
