"""One fused Adam/AdamW update per parameter, in place (see `optim.adam.adam_update` for the NumPy twin).

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
from ._numba import ENABLED, kernel, prange

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


def adam_update(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, *,
                step: float, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
                decoupled_decay: float, maximize: bool) -> None:
    """Adam (weight_decay as L2) or AdamW (decoupled_decay = γλ), in place on float32 C-order arrays."""
    name = "kernels.adam.adam_update"
    require_float32_output(name, "param, exp_avg, exp_avg_sq", param, exp_avg, exp_avg_sq)
    require_float32(name, "grad", grad)
    require_same_shape(name, "param, grad, exp_avg, exp_avg_sq", param, grad, exp_avg, exp_avg_sq)
    f32 = np.float32
    _update(param.reshape(-1), grad.reshape(-1), exp_avg.reshape(-1), exp_avg_sq.reshape(-1),
            f32(1 - decoupled_decay), f32(-1 if maximize else 1), f32(weight_decay), f32(1 - beta1), f32(beta2),
            f32(1 - beta2), f32(lr / (1 - beta1**step)), f32(1 / np.sqrt(1 - beta2**step)), f32(eps))
