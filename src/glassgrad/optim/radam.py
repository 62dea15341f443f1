"""RAdam, as PyTorch computes it (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond")."""

from __future__ import annotations

import math
from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .adamax import check_betas
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class RAdam(Optimizer):
    r"""RAdam: Adam whose adaptive step is switched on, and scaled, only once v̂ has a bounded variance.

    For each parameter θ with gradient ∇f(θ), at step t = 1, 2, ... (with m₀ = v₀ = 0):

        g ← -∇f(θ) if maximize else ∇f(θ)
        θ ← θ - γλθ                       if λ ≠ 0 and decoupled_weight_decay
        g ← g + λθ                        if λ ≠ 0 otherwise
        m ← β₁ m + (1 - β₁) g;   m̂ = m / (1 - β₁ᵗ)
        v ← β₂ v + (1 - β₂) g²
        ρ∞ = 2 / (1 - β₂) - 1;   ρₜ = ρ∞ - 2 t β₂ᵗ / (1 - β₂ᵗ)     (length of the approximated moving average)
        if ρₜ > 5:  r = √((ρₜ - 4)(ρₜ - 2) ρ∞ / ((ρ∞ - 4)(ρ∞ - 2) ρₜ))     (variance rectification)
                    θ ← θ - γ m̂ r √(1 - β₂ᵗ) / (√v + ε)
        else:       θ ← θ - γ m̂                                       (plain momentum: v is not trusted yet)

    with γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: γ (default: 1e-3). betas: (β₁, β₂), each in [0, 1) (default: (0.9, 0.999)).
        eps: ε (default: 1e-8). weight_decay: λ (default: 0).
        decoupled_weight_decay: decay θ directly, as AdamW does, instead of through g (default: False).
        maximize: maximize the objective instead (default: False).
        foreach: accepted for PyTorch compatibility and ignored. capturable, differentiable: only False.

    State per parameter (PyTorch's names): `step`, `exp_avg` (m), `exp_avg_sq` (v).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        name = type(self).__name__
        check_hyperparameter(name, "learning rate", lr)
        check_hyperparameter(name, "epsilon value", eps)
        check_betas(name, betas)
        check_hyperparameter(name, "weight_decay value", weight_decay)
        check_unsupported_flags(name, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps,
                                      weight_decay=weight_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": step_counter(), "exp_avg": zeros_like_param(param), "exp_avg_sq": zeros_like_param(param)}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        radam_update(param.array, param.grad.array, state["exp_avg"].array, state["exp_avg_sq"].array,
                     float(state["step"].array), float(group["lr"]), float(beta1), float(beta2), float(group["eps"]),
                     float(group["weight_decay"]), bool(group["decoupled_weight_decay"]), bool(group["maximize"]))


def radam_update(param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, step: float, lr: float,
                 beta1: float, beta2: float, eps: float, weight_decay: float, decoupled: bool,
                 maximize: bool) -> None:
    """One RAdam step for one parameter, in place on raw arrays, in PyTorch's order of operations."""
    xp = namespace_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay  # θ ← θ - γλθ
        else:
            g = g + weight_decay * param  # g ← g + λθ
    exp_avg += (1 - beta1) * (g - exp_avg)  # m ← β₁ m + (1 - β₁) g
    exp_avg_sq *= beta2  # v ← β₂ v + (1 - β₂) g²
    exp_avg_sq += (1 - beta2) * g * g
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    corrected = exp_avg / bias_correction1  # m̂
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = math.sqrt(bias_correction2) / (xp.sqrt(exp_avg_sq) + eps)
        param -= corrected * lr * adaptive * rect
    else:
        param -= corrected * lr
