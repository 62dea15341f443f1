"""Row softmax and its backward, in place, one pass over each row (see `functional.attention`).

Forward, per row of scores a (optionally causal: row i of each L×S block sees keys 0..i only):
    p = e^(a − max a) / Σ e^(a − max a)       (masked keys get p = 0)
Backward, given dL/dp and p, in place in dL/dp, times a factor s (attention folds its scale in here):
    s · dL/da = s · p ⊙ (dL/dp − Σ dL/dp ⊙ p)

Two things keep these loops in SIMD code (both measured on 64-key rows, one thread):
- every loop runs over the whole row and masks with a select, never with a shorter loop: LLVM vectorises a
  loop in chunks of up to 64 floats and runs the leftover iterations as scalar code, so a causal row of i keys
  would be mostly scalar;
- the row max is taken over integers (`_ordered`), because LLVM leaves a float max-reduction scalar: 22 µs
  instead of 57 µs for 3072 rows.
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_float32_output, require_same_shape
from ._numba import ENABLED, inline, kernel, prange
from .fastmath import f32

_LOWEST = np.int32(-(2**31))

if ENABLED:
    from .fastmath import exp32

    @inline
    def _ordered(bits):  # pragma: no cover - compiled
        """Map a float32's bit pattern (as int32) to an int32 with the same order as the floats, and back.

        Non-negative floats already compare like their bits. A negative float's bits grow as the float falls,
        so its 31 low bits are flipped: that reverses their order and keeps them below every non-negative one.
        Flipping twice restores the bits, so the same function maps back.
        """
        return bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))

    @kernel
    def _softmax(scores, bits, queries, causal):  # pragma: no cover - compiled
        rows, size = scores.shape
        for r in prange(rows):
            row = scores[r]
            visible = (r % queries) + 1 if causal else size  # keys 0..i for query i of its block
            top = _LOWEST
            for j in range(size):
                top = max(top, _ordered(bits[r, j]) if j < visible else _LOWEST)
            peak = np.int32(_ordered(top)).view(np.float32)
            total = f32(0.0)
            for j in range(size):
                e = exp32(row[j] - peak)
                e = e if j < visible else f32(0.0)
                row[j] = e
                total += e
            inverse = f32(1.0) / total
            for j in range(size):
                row[j] *= inverse

    @kernel
    def _softmax_backward(grad, weights, factor):  # pragma: no cover - compiled
        rows, size = grad.shape
        for r in prange(rows):
            dot = f32(0.0)
            for j in range(size):
                dot += grad[r, j] * weights[r, j]
            for j in range(size):
                grad[r, j] = weights[r, j] * (grad[r, j] - dot) * factor


def softmax_rows_(scores: np.ndarray, causal: bool = False) -> np.ndarray:
    """Softmax over the last axis of float32 C-order `scores` (..., L, S), in place; returns `scores`.

    causal: query i (the row index within each L×S block) sees keys 0..i; the others get weight 0.
    The scores must be finite (no −inf for masked keys: masks other than the causal one take the NumPy path).
    Every row sees at least one key, so no row is empty. (Under fastmath, comparisons with inf are compiled
    away, and reading the scores through `bits` while writing them would keep the exp loop scalar.)
    """
    name = "kernels.softmax.softmax_rows_"
    require_float32_output(name, "scores", scores)
    if scores.ndim == 0:
        raise ValueError(f"{name}: scores must have at least one axis (the keys), but is 0-d")
    if scores.size == 0:  # no rows, or rows of no keys: nothing to normalise (and reshape(-1, 0) is undefined)
        return scores
    rows = scores.reshape(-1, scores.shape[-1])
    _softmax(rows, rows.view(np.int32), scores.shape[-2] if scores.ndim > 1 else 1, causal)
    return scores


def softmax_backward_(grad: np.ndarray, weights: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """factor · p ⊙ (dL/dp − Σ dL/dp ⊙ p) over the last axis, in place in `grad`; returns `grad`."""
    name = "kernels.softmax.softmax_backward_"
    require_float32_output(name, "grad", grad)
    require_float32(name, "weights", weights)
    require_same_shape(name, "grad, weights", grad, weights)
    if grad.ndim == 0:
        raise ValueError(f"{name}: grad must have at least one axis (the keys), but is 0-d")
    if grad.size == 0:
        return grad
    _softmax_backward(grad.reshape(-1, grad.shape[-1]), weights.reshape(-1, weights.shape[-1]), np.float32(factor))
    return grad
