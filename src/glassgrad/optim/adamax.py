"""Adamax, as PyTorch computes it (Kingma & Ba 2015, section 7: Adam with the infinity norm)."""

from __future__ import annotations

from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class Adamax(Optimizer):
    r"""Adamax: Adam whose second moment is replaced by a decaying maximum of |g|.

    For each parameter θ with gradient ∇f(θ), at step t = 1, 2, ... (with m₀ = u₀ = 0):

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                       if λ ≠ 0
        m ← β₁ m + (1 - β₁) g            (first moment)
        u ← max(β₂ u, |g| + ε)           (infinity norm; ε keeps it above zero)
        θ ← θ - γ / (1 - β₁ᵗ) · m / u

    with γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: γ (default: 2e-3). betas: (β₁, β₂), each in [0, 1) (default: (0.9, 0.999)).
        eps: ε (default: 1e-8). weight_decay: L2 penalty λ (default: 0).
        maximize: maximize the objective instead (default: False).
        foreach: accepted for PyTorch compatibility and ignored. capturable, differentiable: only False.

    State per parameter (PyTorch's names): `step`, `exp_avg` (m), `exp_inf` (u).
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        name = type(self).__name__
        check_betas(name, betas)
        check_hyperparameter(name, "learning rate", lr)
        check_hyperparameter(name, "epsilon value", eps)
        check_hyperparameter(name, "weight_decay value", weight_decay)
        check_unsupported_flags(name, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": step_counter(), "exp_avg": zeros_like_param(param), "exp_inf": zeros_like_param(param)}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        adamax_update(param.array, param.grad.array, state["exp_avg"].array, state["exp_inf"].array,
                      float(state["step"].array), float(group["lr"]), float(beta1), float(beta2),
                      float(group["eps"]), float(group["weight_decay"]), bool(group["maximize"]))


def adamax_update(param: Array, grad: Array, exp_avg: Array, exp_inf: Array, step: float, lr: float,
                  beta1: float, beta2: float, eps: float, weight_decay: float, maximize: bool) -> None:
    """One Adamax step for one parameter, in place on raw arrays, in PyTorch's order of operations."""
    xp = namespace_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    exp_avg += (1 - beta1) * (g - exp_avg)  # m ← β₁ m + (1 - β₁) g, as PyTorch's lerp computes it
    exp_inf *= beta2
    xp.maximum(exp_inf, xp.abs(g) + eps, out=exp_inf)  # u ← max(β₂ u, |g| + ε)
    param -= lr / (1 - beta1**step) * exp_avg / exp_inf  # θ ← θ - γ / (1 - β₁ᵗ) · m / u


def check_betas(owner: str, betas: Any) -> None:
    """Raise unless `betas` is a pair of numbers, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), but got {betas!r}")
    check_hyperparameter(owner, "beta parameter at index 0", betas[0], high=1.0)
    check_hyperparameter(owner, "beta parameter at index 1", betas[1], high=1.0)
