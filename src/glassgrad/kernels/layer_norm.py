"""Layer norm over the rows of an (N, M) array: forward and the input gradient, one pass per row each.

The math is in `functional.layer_norm`'s docstring:
    x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = x̂ ⊙ w + b
    dL/dx = r·(ĝ − mean ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)),  ĝ = g ⊙ w
The column sums dL/dw = Σ g ⊙ x̂ and dL/db = Σ g stay BLAS products (the kernel writes g ⊙ x̂ for them).
"""

from __future__ import annotations

import numpy as np

from ._numba import ENABLED, kernel, prange
from .fastmath import f32

if ENABLED:

    @kernel
    def _forward(x, weight, bias, has_bias, eps, y, normalized, rstd):  # pragma: no cover - compiled
        rows, size = x.shape
        for r in prange(rows):
            total = f32(0.0)
            for j in range(size):
                total += x[r, j]
            mean = total / size
            square = f32(0.0)
            for j in range(size):
                d = x[r, j] - mean
                square += d * d
            inverse = f32(1.0) / np.sqrt(square / size + eps)
            rstd[r] = inverse
            for j in range(size):
                n = (x[r, j] - mean) * inverse
                normalized[r, j] = n
                y[r, j] = n * weight[j] + (bias[j] if has_bias else f32(0.0))

    @kernel
    def _backward(grad, normalized, rstd, weight, grad_x, grad_times_normalized):  # pragma: no cover - compiled
        rows, size = grad.shape
        for r in prange(rows):
            mean_g = f32(0.0)
            mean_gx = f32(0.0)
            for j in range(size):
                g_hat = grad[r, j] * weight[j]
                mean_g += g_hat
                mean_gx += g_hat * normalized[r, j]
                grad_times_normalized[r, j] = grad[r, j] * normalized[r, j]
            mean_g /= size
            mean_gx /= size
            for j in range(size):
                grad_x[r, j] = rstd[r] * (grad[r, j] * weight[j] - mean_g - normalized[r, j] * mean_gx)


def layer_norm_forward(rows: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, eps: float):
    """(y, x̂, r) for float32 (N, M) `rows`, weight (M,), bias (M,) or None; r has shape (N, 1)."""
    y = np.empty_like(rows)
    normalized = np.empty_like(rows)
    rstd = np.empty((rows.shape[0], 1), dtype=rows.dtype)
    _forward(rows, weight.reshape(-1), weight.reshape(-1) if bias is None else bias.reshape(-1), bias is not None,
             np.float32(eps), y, normalized, rstd.reshape(-1))
    return y, normalized, rstd


def layer_norm_backward(grad: np.ndarray, normalized: np.ndarray, rstd: np.ndarray, weight: np.ndarray):
    """(dL/dx, g ⊙ x̂) for float32 (N, M) arrays; column sums of the second give dL/dw."""
    grad_x = np.empty_like(grad)
    grad_times_normalized = np.empty_like(grad)
    _backward(grad, normalized, rstd.reshape(-1), weight.reshape(-1), grad_x, grad_times_normalized)
    return grad_x, grad_times_normalized
