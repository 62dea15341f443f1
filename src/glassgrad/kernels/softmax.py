"""Row softmax and its backward, one pass over each row: the fast paths of `ops.softmax.softmax_forward` and
`ops.softmax.softmax_backward` (registered at the seam, kernels/registry.py).

Forward, per row of x (optionally causal: row i of each L×S block sees keys 0..i only):
    y = e^(x − max x) / Σ e^(x − max x)       (keys it does not see, and −inf keys, get y = 0)
A row holding +inf or nan, or nothing but −inf, is nan throughout, as the reference (and PyTorch) gives.
Backward, given y and g = dL/dy, times a factor s (attention folds its scale in here):
    s · dL/dx = s · y ⊙ (g − Σ g ⊙ y)

Three things keep these loops in SIMD code (all measured on 64-key rows, one thread):
- every loop runs over the whole row and masks with a select, never with a shorter loop: LLVM vectorises a
  loop in chunks of up to 64 floats and runs the leftover iterations as scalar code, so a causal row of i keys
  would be mostly scalar;
- the row max is taken over integers (`_ordered`), because LLVM leaves a float max-reduction scalar: 22 µs
  instead of 57 µs for 3072 rows. The same integer pass finds the rows with +inf, nan or only −inf (an integer
  min and max beside the max: 5% on the forward), since fastmath lets the compiler assume that no float is
  infinite or nan, so a float test for them may be compiled away;
- the result goes to a fresh array: written in place, where the loops also read the input's bits, the
  forward ran scalar (about 5x slower, 3072 rows of 64 keys, 2 threads).
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_float32_output, require_same_shape
from ._numba import ENABLED, fits, inline, kernel, prange
from .fastmath import f32
from .registry import fast_path

_LOWEST, _HIGHEST = np.int32(-(2**31)), np.int32(2**31 - 1)
_MINUS_INF = np.array(-np.inf, dtype=np.float32).view(np.int32)[()]  # the bits of −inf
_PLUS_INF = np.int32(0x7F800000)  # the bits of +inf, and (as below) its place in `_ordered`'s order
_UNDERFLOW = np.float32(-87.3)  # e^x for x below this is under float32's smallest normal number: taken as 0

if ENABLED:
    from .fastmath import exp32

    @inline
    def _ordered(bits):  # pragma: no cover - compiled
        """Map a float32's bit pattern (as int32) to an int32 with the same order as the floats, and back.

        Non-negative floats already compare like their bits. A negative float's bits grow as the float falls,
        so its 31 low bits are flipped: that reverses their order and keeps them below every non-negative one.
        Flipping twice restores the bits, so the same function maps back. In this order +inf is `_PLUS_INF`, a
        positive nan is above it and a negative nan below `_ordered(_MINUS_INF)`.
        """
        return bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))

    @kernel
    def _softmax(x, bits, y, queries, causal):  # pragma: no cover - compiled
        rows, size = x.shape
        lowest_key = _ordered(_MINUS_INF)
        for r in prange(rows):
            visible = (r % queries) + 1 if causal else size  # keys 0..i for query i of its block
            top, bottom = _LOWEST, _HIGHEST
            for j in range(size):
                key = _ordered(bits[r, j])
                top = max(top, key if j < visible else _LOWEST)
                bottom = min(bottom, key if j < visible else _HIGHEST)
            if top >= _PLUS_INF or bottom < lowest_key or top == lowest_key:  # +inf, nan, or only −inf
                for j in range(size):
                    y[r, j] = np.nan
                continue
            peak = np.int32(_ordered(top)).view(np.float32)
            total = f32(0.0)
            for j in range(size):
                shifted = x[r, j] - peak
                e = exp32(shifted)
                e = e if (j < visible) & (bits[r, j] != _MINUS_INF) & (shifted > _UNDERFLOW) else f32(0.0)
                y[r, j] = e
                total += e
            inverse = f32(1.0) / total  # total ≥ 1: the max contributes e⁰
            for j in range(size):
                y[r, j] *= inverse

    @kernel
    def _softmax_backward(y, grad, factor, grad_x):  # pragma: no cover - compiled
        rows, size = grad.shape
        for r in prange(rows):
            dot = f32(0.0)
            for j in range(size):
                dot += grad[r, j] * y[r, j]
            for j in range(size):
                grad_x[r, j] = y[r, j] * (grad[r, j] - dot) * factor


def _rows(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1])


def _launch_softmax(x: np.ndarray, causal: bool, y: np.ndarray) -> np.ndarray:
    if x.size:  # no rows, or rows of no keys: nothing to normalise (and reshape(-1, 0) is undefined)
        _softmax(_rows(x), _rows(x).view(np.int32), _rows(y), x.shape[-2] if x.ndim > 1 else 1, causal)
    return y


def _launch_backward(y: np.ndarray, grad: np.ndarray, factor: float, grad_x: np.ndarray) -> np.ndarray:
    if grad.size:
        _softmax_backward(_rows(y), _rows(grad), np.float32(factor), _rows(grad_x))
    return grad_x


def _along_last_axis(x: np.ndarray, axis) -> bool:
    return x.ndim > 0 and (axis == -1 or axis == x.ndim - 1)


def _scores() -> np.ndarray:
    """(2, 5, 7) scores with a masked key (−inf), a masked row (only −inf), a +inf and a nan in them."""
    x = np.random.default_rng(0).standard_normal((2, 5, 7)).astype(np.float32) * 4
    x[0, 1, 3], x[0, 2], x[1, 3, 6], x[1, 4, 0] = -np.inf, -np.inf, np.inf, np.nan
    return x


# ---- the fast paths (`when` holds, so their checks are done) ----------------------------------------------
@fast_path(
    "softmax",
    when=lambda x, axis=-1, causal=False: fits(x) and _along_last_axis(x, axis),
    example=lambda: (_scores(), -1, True),
)
def softmax(x: np.ndarray, axis: int = -1, causal: bool = False) -> np.ndarray:
    """Softmax along the last axis of a float32 C-order array, into a new array."""
    return _launch_softmax(x, causal, np.empty_like(x))


@fast_path(
    "softmax_backward",
    when=lambda y, grad, axis=-1, factor=1.0: fits(y, grad) and y.shape == grad.shape and _along_last_axis(y, axis),
    example=lambda: (np.nan_to_num(_scores().clip(0, 1)), np.nan_to_num(_scores()[::-1].clip(-9, 9)), -1, 0.125),
)
def softmax_backward(y: np.ndarray, grad: np.ndarray, axis: int = -1, factor: float = 1.0) -> np.ndarray:
    """factor · y ⊙ (g − Σ g ⊙ y) along the last axis of float32 C-order arrays, into a new array."""
    return _launch_backward(y, grad, factor, np.empty_like(grad))


# ---- the kernels on their own, in place (with their checks) ------------------------------------------------
def softmax_rows_(scores: np.ndarray, causal: bool = False) -> np.ndarray:
    """Softmax over the last axis of float32 C-order `scores` (..., L, S), in place; returns `scores`.

    causal: query i (the row index within each L×S block) sees keys 0..i; the others get weight 0. The result
    is computed into a new array and copied back (see the module docstring: in place it runs scalar).
    """
    name = "kernels.softmax.softmax_rows_"
    require_float32_output(name, "scores", scores)
    if scores.ndim == 0:
        raise ValueError(f"{name}: scores must have at least one axis (the keys), but is 0-d")
    scores[...] = _launch_softmax(scores, causal, np.empty_like(scores))
    return scores


def softmax_backward_(grad: np.ndarray, weights: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """factor · p ⊙ (dL/dp − Σ dL/dp ⊙ p) over the last axis, in place in `grad`; returns `grad`."""
    name = "kernels.softmax.softmax_backward_"
    require_float32_output(name, "grad", grad)
    require_float32(name, "weights", weights)
    require_same_shape(name, "grad, weights", grad, weights)
    if grad.ndim == 0:
        raise ValueError(f"{name}: grad must have at least one axis (the keys), but is 0-d")
    return _launch_backward(weights, grad, factor, grad)
