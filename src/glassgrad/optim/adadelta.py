"""Adadelta, as PyTorch computes it (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method")."""

from __future__ import annotations

from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class Adadelta(Optimizer):
    r"""Adadelta: steps whose size is the running RMS of past steps over the running RMS of gradients.

    For each parameter θ with gradient ∇f(θ) (with v₀ = u₀ = 0):

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                          if λ ≠ 0
        v ← ρ v + (1 - ρ) g²                (running mean of squared gradients)
        Δ = √(u + ε) / √(v + ε) · g         (the step, in the units of θ)
        u ← ρ u + (1 - ρ) Δ²                (running mean of squared steps)
        θ ← θ - γ Δ

    with γ = lr, ρ = rho, ε = eps, λ = weight_decay.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: γ, a factor on Δ (default: 1.0, the paper's rule).
        rho: ρ, the decay of both running means, in [0, 1] (default: 0.9).
        eps: ε inside both square roots (default: 1e-6).
        weight_decay: L2 penalty λ (default: 0).
        maximize: maximize the objective instead (default: False).
        foreach: accepted for PyTorch compatibility and ignored. capturable, differentiable: only False.

    State per parameter (PyTorch's names): `step`, `square_avg` (v), `acc_delta` (u).
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        name = type(self).__name__
        check_hyperparameter(name, "learning rate", lr)
        check_hyperparameter(name, "rho value", rho)
        if rho > 1.0:  # ρ = 1 is allowed, as in PyTorch
            raise ValueError(f"{name}: Invalid rho value: {rho!r}; it must be in [0, 1]")
        check_hyperparameter(name, "epsilon value", eps)
        check_hyperparameter(name, "weight_decay value", weight_decay)
        check_unsupported_flags(name, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": step_counter(), "square_avg": zeros_like_param(param), "acc_delta": zeros_like_param(param)}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        adadelta_update(param.array, param.grad.array, state["square_avg"].array, state["acc_delta"].array,
                        float(group["lr"]), float(group["rho"]), float(group["eps"]), float(group["weight_decay"]),
                        bool(group["maximize"]))


def adadelta_update(param: Array, grad: Array, square_avg: Array, acc_delta: Array, lr: float, rho: float,
                    eps: float, weight_decay: float, maximize: bool) -> None:
    """One Adadelta step for one parameter, in place on raw arrays, in PyTorch's order of operations."""
    xp = namespace_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    square_avg *= rho  # v ← ρ v + (1 - ρ) g²
    square_avg += (1 - rho) * g * g
    delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * g  # Δ = √(u + ε) / √(v + ε) · g
    acc_delta *= rho  # u ← ρ u + (1 - ρ) Δ²
    acc_delta += (1 - rho) * delta * delta
    param -= lr * delta  # θ ← θ - γ Δ
