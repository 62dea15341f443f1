"""Layer norm over the rows of an (N, M) array: forward and the input gradient, one pass per row each.

The math is in `functional.normalization`'s docstring, and its `layer_norm_forward` and `layer_norm_backward`
are the references these register against (kernels/registry.py); they take float32 rows with a weight:
    x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = x̂ ⊙ w + b
    dL/dx = r·(ĝ − mean ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)),  ĝ = g ⊙ w
    dL/dw = Σ_rows g ⊙ x̂,   dL/db = Σ_rows g
The backward reads each row once for all three. The column sums are split over blocks of rows, one block per
parallel task, each summing into its own row of `partial` (no two threads write one place); adding up those
few rows afterwards gives dL/dw and dL/db.
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_ndim, require_same_shape, require_shape
from ._numba import ENABLED, fits, kernel, prange, threads
from .fastmath import f32
from .registry import fast_path

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
    def _backward(grad, normalized, rstd, weight, grad_x, partial_w, partial_b):  # pragma: no cover - compiled
        rows, size = grad.shape
        blocks = partial_w.shape[0]
        per_block = (rows + blocks - 1) // blocks
        for block in prange(blocks):
            sum_w = partial_w[block]
            sum_b = partial_b[block]
            for j in range(size):
                sum_w[j] = f32(0.0)
                sum_b[j] = f32(0.0)
            for r in range(block * per_block, min(rows, (block + 1) * per_block)):
                mean_g = f32(0.0)
                mean_gx = f32(0.0)
                for j in range(size):
                    g = grad[r, j]
                    n = normalized[r, j]
                    g_hat = g * weight[j]
                    mean_g += g_hat
                    mean_gx += g_hat * n
                    sum_w[j] += g * n
                    sum_b[j] += g
                mean_g /= size
                mean_gx /= size
                for j in range(size):
                    grad_x[r, j] = rstd[r] * (grad[r, j] * weight[j] - mean_g - normalized[r, j] * mean_gx)


def _fits_rows(rows, weight, bias) -> bool:
    """float32 (N, M) rows, and a weight (and a bias, if any) of M values: what the forward kernel indexes."""
    size = rows.shape[-1]
    return (
        weight is not None and rows.ndim == 2 and weight.size == size and (bias is None or bias.size == size)
        and (fits(rows, weight) if bias is None else fits(rows, weight, bias))
    )  # fmt: skip


def _rows(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@fast_path(
    "layer_norm_forward",
    when=lambda rows, weight, bias, eps: _fits_rows(rows, weight, bias),
    example=lambda: (_rows(5, 67) * 3 + 1, _rows(67, seed=1), _rows(67, seed=2), 1e-5),
)
def layer_norm_forward(rows: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, eps: float):
    """(y, x̂, r) for float32 (N, M) `rows`, weight (M,), bias (M,) or None; r has shape (N, 1)."""
    name = "kernels.layer_norm.layer_norm_forward"
    require_float32(name, "rows, weight", rows, weight, *(() if bias is None else (bias,)))
    require_ndim(name, "rows", rows, 2, "(N, M)")
    size = (rows.shape[1],)
    require_shape(name, "weight (flattened)", weight.reshape(-1), size, "one per column of rows")
    if bias is not None:
        require_shape(name, "bias (flattened)", bias.reshape(-1), size, "one per column of rows")
    y = np.empty_like(rows)
    normalized = np.empty_like(rows)
    rstd = np.empty((rows.shape[0], 1), dtype=rows.dtype)
    _forward(rows, weight.reshape(-1), weight.reshape(-1) if bias is None else bias.reshape(-1), bias is not None,
             np.float32(eps), y, normalized, rstd.reshape(-1))
    return y, normalized, rstd


@fast_path(
    "layer_norm_backward",
    # dL/dx is the pass over the rows that pays for itself; dL/dw and dL/db alone are two BLAS column sums
    when=lambda grad, normalized, rstd, weight, needs=(True, True, True): (
        needs[0] and weight is not None and grad.ndim == 2 and normalized.shape == grad.shape
        and weight.size == grad.shape[1] and rstd.size == grad.shape[0] and fits(grad, normalized, rstd, weight)
    ),  # fmt: skip
    example=lambda: (_rows(9, 67), _rows(9, 67, seed=1), np.abs(_rows(9, 1, seed=2)) + 0.5, _rows(67, seed=3)),
)
def layer_norm_backward(grad: np.ndarray, normalized: np.ndarray, rstd: np.ndarray, weight: np.ndarray,
                        needs: tuple = (True, True, True)):
    """(dL/dx, dL/dw, dL/db) for float32 (N, M) `grad` and `normalized`, rstd (N, 1) and weight (M,); dL/dw or
    dL/db is None where `needs` (for x, w, b) does not ask for it."""
    name = "kernels.layer_norm.layer_norm_backward"
    require_float32(name, "grad, normalized, rstd, weight", grad, normalized, rstd, weight)
    require_ndim(name, "grad", grad, 2, "(N, M)")
    require_same_shape(name, "grad, normalized", grad, normalized)
    require_shape(name, "rstd (flattened)", rstd.reshape(-1), grad.shape[:1], "one per row of grad")
    require_shape(name, "weight (flattened)", weight.reshape(-1), grad.shape[1:], "one per column of grad")
    grad_x = np.empty_like(grad)
    blocks = max(1, min(grad.shape[0], 4 * threads()))  # a few blocks per thread, to even out the load
    partial_w = np.empty((blocks, grad.shape[1]), dtype=grad.dtype)
    partial_b = np.empty_like(partial_w)
    _backward(grad, normalized, rstd.reshape(-1), weight.reshape(-1), grad_x, partial_w, partial_b)
    _, needs_weight, needs_bias = needs
    return grad_x, partial_w.sum(axis=0) if needs_weight else None, partial_b.sum(axis=0) if needs_bias else None
