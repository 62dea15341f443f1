"""Exact GELU, y = x·Φ(x), forward and backward as one pass each: the fast paths of `gelu_forward` and
`gelu_backward` (references in functional/activation.py, beside the `Gelu` op).

Φ(x) = 1 − ½·erfc(x/√2) for x ≥ 0 and ½·erfc(|x|/√2) for x < 0, with erfc the same float32 Chebyshev fit the
NumPy path uses (`functional._special._erfc_float32`, Numerical Recipes' `erfcc`; its coefficients live in
fastmath.py):
    erfc(y) = t·exp(−y² + P(t)),  t = 1/(1 + y/2).
Backward: dy/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_same_shape
from ._numba import ENABLED, fits, kernel, prange
from .fastmath import ERFC_FLOAT32_COEFFICIENTS as _R
from .fastmath import f32
from .registry import fast_path

if ENABLED:
    from .fastmath import exp32

    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9 = (np.float32(c) for c in _R)

    @kernel
    def _forward(x, y, cdf):  # pragma: no cover - compiled
        for i in prange(x.shape[0]):
            v = x[i]
            a = abs(v) * f32(0.7071067811865476)  # |x|/√2
            t = f32(1.0) / (f32(1.0) + f32(0.5) * a)
            p = R9 * t + R8
            p = p * t + R7
            p = p * t + R6
            p = p * t + R5
            p = p * t + R4
            p = p * t + R3
            p = p * t + R2
            p = p * t + R1
            p = p * t + R0
            half_tail = f32(0.5) * t * exp32(p - a * a)  # ½ erfc(|x|/√2) = Φ(−|x|)
            c = half_tail if v < 0 else f32(1.0) - half_tail
            cdf[i] = c
            y[i] = v * c

    @kernel
    def _backward(x, cdf, grad, out):  # pragma: no cover - compiled
        for i in prange(x.shape[0]):
            v = x[i]
            pdf = exp32(f32(-0.5) * v * v) * f32(0.3989422804014327)  # φ(x) = e^(−x²/2)/√(2π)
            out[i] = grad[i] * (cdf[i] + v * pdf)


def _noise() -> np.ndarray:
    return (np.random.default_rng(0).standard_normal((5, 67)) * 3).astype(np.float32)  # both tails, and x = 0


@fast_path("gelu_forward", when=fits, example=lambda: (_noise(),))
def gelu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y, Φ(x)) for a float32 C-order array."""
    require_float32("kernels.gelu.gelu_forward", "x", x)
    y = np.empty_like(x)
    cdf = np.empty_like(x)
    _forward(x.reshape(-1), y.reshape(-1), cdf.reshape(-1))
    return y, cdf


@fast_path(
    "gelu_backward",
    when=lambda x, cdf, grad: fits(x, cdf, grad) and x.shape == cdf.shape == grad.shape,
    example=lambda: (_noise(), gelu_forward(_noise())[1], _noise()[::-1].copy()),
)
def gelu_backward(x: np.ndarray, cdf: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """grad·(Φ(x) + x·φ(x)) for float32 C-order arrays of one shape."""
    name = "kernels.gelu.gelu_backward"
    require_float32(name, "x, cdf, grad", x, cdf, grad)
    require_same_shape(name, "x, cdf, grad", x, cdf, grad)
    out = np.empty_like(x)
    _backward(x.reshape(-1), cdf.reshape(-1), grad.reshape(-1), out.reshape(-1))
    return out
