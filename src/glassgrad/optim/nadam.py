"""NAdam, as PyTorch computes it (Dozat 2016, "Incorporating Nesterov Momentum into Adam")."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .adamax import check_betas
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum, whose momentum factor μₜ warms up over the first steps.

    For each parameter θ with gradient ∇f(θ), at step t = 1, 2, ... (with m₀ = v₀ = 0, Π₀ = 1):

        g ← -∇f(θ) if maximize else ∇f(θ)
        θ ← θ - γλθ                       if λ ≠ 0 and decoupled_weight_decay
        g ← g + λθ                        if λ ≠ 0 otherwise
        μₜ = β₁ (1 - ½ · 0.96^(t ψ));  μₜ₊₁ = β₁ (1 - ½ · 0.96^((t+1) ψ))
        Πₜ = Πₜ₋₁ μₜ                      (mu_product)
        m ← β₁ m + (1 - β₁) g
        v ← β₂ v + (1 - β₂) g²
        d = √(v / (1 - β₂ᵗ)) + ε
        θ ← θ - γ (1 - μₜ) / (1 - Πₜ) · g / d - γ μₜ₊₁ / (1 - Πₜ μₜ₊₁) · m / d

    with γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay, ψ = momentum_decay.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: γ (default: 2e-3). betas: (β₁, β₂), each in [0, 1) (default: (0.9, 0.999)).
        eps: ε (default: 1e-8). weight_decay: λ (default: 0). momentum_decay: ψ (default: 4e-3).
        decoupled_weight_decay: decay θ directly, as AdamW does, instead of through g (default: False).
        maximize: maximize the objective instead (default: False).
        foreach: accepted for PyTorch compatibility and ignored. capturable, differentiable: only False.

    State per parameter (PyTorch's names): `step`, `mu_product` (Πₜ, a 0-d float32 tensor as in PyTorch),
    `exp_avg` (m), `exp_avg_sq` (v).
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        name = type(self).__name__
        check_hyperparameter(name, "learning rate", lr)
        check_hyperparameter(name, "epsilon value", eps)
        check_betas(name, betas)
        check_hyperparameter(name, "weight_decay value", weight_decay)
        check_hyperparameter(name, "momentum_decay value", momentum_decay)
        check_unsupported_flags(name, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": step_counter(), "mu_product": Tensor(np.ones((), dtype=np.float32)),
                "exp_avg": zeros_like_param(param), "exp_avg_sq": zeros_like_param(param)}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        step, lr = float(state["step"].array), float(group["lr"])
        psi = float(group["momentum_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # Πₜ is kept in float32, as PyTorch keeps it, so long runs round as PyTorch's do.
        mu_product = state["mu_product"].array
        mu_product *= np.float32(mu)
        nadam_update(param.array, param.grad.array, state["exp_avg"].array, state["exp_avg_sq"].array, step, lr,
                     beta1, beta2, float(group["eps"]), float(group["weight_decay"]),
                     bool(group["decoupled_weight_decay"]), bool(group["maximize"]), mu, mu_next, float(mu_product))


def nadam_update(param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, step: float, lr: float,
                 beta1: float, beta2: float, eps: float, weight_decay: float, decoupled: bool, maximize: bool,
                 mu: float, mu_next: float, mu_product: float) -> None:
    """One NAdam step for one parameter, in place on raw arrays; `mu_product` is Πₜ, already updated."""
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
    denom = xp.sqrt(exp_avg_sq / (1 - beta2**step)) + eps  # d = √(v / (1 - β₂ᵗ)) + ε
    param -= lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
    param -= lr * mu_next / (1.0 - mu_product * mu_next) * exp_avg / denom
