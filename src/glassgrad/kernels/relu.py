"""ReLU forward and backward, one parallel pass each (see `ops.unary.ReluOp`).

    forward:   y = x where x > 0, else 0          (NaN stays NaN, as NumPy's maximum(x, 0))
    backward:  dL/dx = 0 where y ≤ 0, else g      (PyTorch's subgradient 0 at x = 0; g passes where y is NaN)

The NumPy path is already one pass forward; the kernel adds the second core. Backward is the NumPy path's
`where(y <= 0, 0, grad)` as one select per element. NaN is found on the bits: fastmath lets the compiler assume
that a float compare never sees one. y is never negative (max(x, 0) of −0.0 is +0.0 here), so "y ≤ 0 is false"
is "y's bits other than the sign are not all 0", which holds for y > 0 and for a NaN of either sign.
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_same_shape
from ._numba import ENABLED, fits, kernel, prange
from .fastmath import f32
from .registry import fast_path

if ENABLED:

    @kernel
    def _forward(x, y):  # pragma: no cover - compiled
        for i in prange(x.shape[0]):
            bits = np.float32(x[i]).view(np.int32)
            keep = (bits > 0) | ((bits & np.int32(0x7FFFFFFF)) > np.int32(0x7F800000))  # x > 0, or NaN
            y[i] = x[i] if keep else f32(0.0)

    @kernel
    def _backward(y, grad, grad_x):  # pragma: no cover - compiled
        for i in prange(y.shape[0]):
            magnitude = np.float32(y[i]).view(np.int32) & np.int32(0x7FFFFFFF)
            grad_x[i] = grad[i] if magnitude != np.int32(0) else f32(0.0)  # y > 0 or NaN


def _noise() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((3, 67)).astype(np.float32)


@fast_path("relu_forward", when=fits, example=lambda: (_noise(),))
def relu_forward(x: np.ndarray) -> np.ndarray:
    """max(x, 0) of a float32 C-order array."""
    require_float32("kernels.relu.relu_forward", "x", x)
    y = np.empty_like(x)
    _forward(x.reshape(-1), y.reshape(-1))
    return y


@fast_path(
    "relu_backward",
    when=lambda y, grad: fits(y, grad) and y.shape == grad.shape,
    example=lambda: (np.maximum(_noise(), 0), _noise()[::-1].copy()),
)
def relu_backward(y: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """0 where y ≤ 0, else g (g also where y is NaN), for float32 C-order arrays of one shape."""
    require_float32("kernels.relu.relu_backward", "y, grad", y, grad)
    require_same_shape("kernels.relu.relu_backward", "y, grad", y, grad)
    grad_x = np.empty_like(grad)
    _backward(y.reshape(-1), grad.reshape(-1), grad_x.reshape(-1))
    return grad_x
