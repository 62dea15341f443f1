"""Row softmax and its backward, in place, one pass over each row (see `functional.attention`).

Forward, per row of scores a (optionally causal: row i of each L×S block sees keys 0..i only):
    p = e^(a − max a) / Σ e^(a − max a)       (masked keys get p = 0)
Backward, given dL/dp and p, in place in dL/dp:
    dL/da = p ⊙ (dL/dp − Σ dL/dp ⊙ p)
"""

from __future__ import annotations

import numpy as np

from ._numba import ENABLED, kernel, prange
from .fastmath import f32

if ENABLED:
    from .fastmath import exp32

    @kernel
    def _softmax(scores, queries, causal):  # pragma: no cover - compiled
        rows, size = scores.shape
        for r in prange(rows):
            row = scores[r]
            visible = (r % queries) + 1 if causal else size  # keys 0..i for query i of its block
            visible = min(visible, size)
            peak = row[0]
            for j in range(1, visible):
                peak = max(peak, row[j])
            if peak == -np.inf:  # every key masked: the row attends to nothing
                peak = f32(0.0)
            total = f32(0.0)
            for j in range(visible):
                e = exp32(row[j] - peak) if row[j] != -np.inf else f32(0.0)
                row[j] = e
                total += e
            inverse = f32(1.0) / max(total, f32(1e-30))
            for j in range(visible):
                row[j] *= inverse
            for j in range(visible, size):
                row[j] = f32(0.0)

    @kernel
    def _softmax_backward(grad, weights):  # pragma: no cover - compiled
        rows, size = grad.shape
        for r in prange(rows):
            dot = f32(0.0)
            for j in range(size):
                dot += grad[r, j] * weights[r, j]
            for j in range(size):
                grad[r, j] = weights[r, j] * (grad[r, j] - dot)


def softmax_rows_(scores: np.ndarray, causal: bool = False) -> np.ndarray:
    """Softmax over the last axis of float32 C-order `scores` (..., L, S), in place; returns `scores`.

    causal: query i (the row index within each L×S block) sees keys 0..i; the others get weight 0.
    """
    _softmax(scores.reshape(-1, scores.shape[-1]), scores.shape[-2] if scores.ndim > 1 else 1, causal)
    return scores


def softmax_backward_(grad: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """dL/da = p ⊙ (dL/dp − Σ dL/dp ⊙ p) over the last axis, in place in `grad`; returns `grad`."""
    _softmax_backward(grad.reshape(-1, grad.shape[-1]), weights.reshape(-1, weights.shape[-1]))
    return grad
