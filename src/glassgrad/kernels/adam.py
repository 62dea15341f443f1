"""One fused Adam/AdamW update per parameter, in place: the fast path of `optim.adam.adam_update` (not amsgrad).

Per element, in one pass instead of some ten NumPy passes and their temporaries:
    θ ← θ·(1 − γλ_decoupled)                      (AdamW's decay; 1 for Adam)
    g ← ±∇ + λ_L2·θ                                (maximize flips the sign; Adam's L2 term)
    m ← m + (1 − β₁)(g − m)                        (PyTorch's lerp)
    v ← β₂v + (1 − β₂)g²
    θ ← θ − (γ/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_float32_output, require_same_shape
from ._numba import ENABLED, fits, kernel, prange
from .registry import fast_path

if ENABLED:

    @kernel
    def _update(param, grad, exp_avg, exp_avg_sq, shrink, sign, l2, one_minus_beta1, beta2, one_minus_beta2,
                step_size, inv_bias_correction2_sqrt, eps):  # pragma: no cover - compiled
        for i in prange(param.shape[0]):
            p = param[i] * shrink
            g = sign * grad[i] + l2 * p
            m = exp_avg[i] + one_minus_beta1 * (g - exp_avg[i])
            v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g
            exp_avg[i] = m
            exp_avg_sq[i] = v
            param[i] = p - step_size * m / (np.sqrt(v) * inv_bias_correction2_sqrt + eps)


def _fits(param, grad, exp_avg, exp_avg_sq, *hyperparameters, max_exp_avg_sq=None, **named) -> bool:
    """float32 C-order arrays of one shape, and no amsgrad buffer vᵐᵃˣ (by name, or as the 13th argument)."""
    return (
        max_exp_avg_sq is None
        and (len(hyperparameters) < 9 or hyperparameters[8] is None)
        and fits(param, grad, exp_avg, exp_avg_sq)
        and param.shape == grad.shape == exp_avg.shape == exp_avg_sq.shape
    )


def _example() -> tuple:
    """Step 3 of AdamW with moments already under way (a first step would hide a wrong bias correction)."""
    rng = np.random.default_rng(0)
    param, grad, exp_avg = (rng.standard_normal((5, 67)).astype(np.float32) for _ in range(3))
    exp_avg_sq = np.square(rng.standard_normal((5, 67))).astype(np.float32)
    return param, grad, exp_avg, exp_avg_sq, 3, 1e-2, 0.9, 0.99, 1e-8, 0.05, 1e-3, True


@fast_path("adam_update", when=_fits, example=_example)
def adam_update(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, step: float,
                lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, decoupled_decay: float,
                maximize: bool, max_exp_avg_sq: None = None) -> None:
    """Adam (weight_decay as L2) or AdamW (decoupled_decay = γλ), in place on float32 C-order arrays."""
    name = "kernels.adam.adam_update"
    if max_exp_avg_sq is not None:
        raise ValueError(f"{name}: amsgrad (max_exp_avg_sq) has no fused kernel; optim.adam.adam_update runs it")
    require_float32_output(name, "param, exp_avg, exp_avg_sq", param, exp_avg, exp_avg_sq)
    require_float32(name, "grad", grad)
    require_same_shape(name, "param, grad, exp_avg, exp_avg_sq", param, grad, exp_avg, exp_avg_sq)
    f32 = np.float32
    _update(param.reshape(-1), grad.reshape(-1), exp_avg.reshape(-1), exp_avg_sq.reshape(-1),
            f32(1 - decoupled_decay), f32(-1 if maximize else 1), f32(weight_decay), f32(1 - beta1), f32(beta2),
            f32(1 - beta2), f32(lr / (1 - beta1**step)), f32(1 / np.sqrt(1 - beta2**step)), f32(eps))
