"""ReLU forward and backward, one parallel pass each (see `ops.unary.Relu`).

    forward:   y = x where x > 0, else 0          (NaN stays NaN, as NumPy's maximum(x, 0))
    backward:  dL/dx = g where y > 0, else 0      (PyTorch's subgradient 0 at x = 0)

The NumPy path is already one pass forward; the kernel adds the second core. Backward replaces
`grad * (y > 0)` (a boolean temporary, then a multiply) with one select per element.
NaN is found on the bits: fastmath lets the compiler assume that a float compare never sees one.
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_same_shape
from ._numba import ENABLED, kernel, prange
from .fastmath import f32

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
            grad_x[i] = grad[i] if y[i] > f32(0.0) else f32(0.0)


def relu_forward(x: np.ndarray) -> np.ndarray:
    """max(x, 0) of a float32 C-order array."""
    require_float32("kernels.relu.relu_forward", "x", x)
    y = np.empty_like(x)
    _forward(x.reshape(-1), y.reshape(-1))
    return y


def relu_backward(y: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """g where y > 0, else 0, for float32 C-order arrays of one shape."""
    require_float32("kernels.relu.relu_backward", "y, grad", y, grad)
    require_same_shape("kernels.relu.relu_backward", "y, grad", y, grad)
    grad_x = np.empty_like(grad)
    _backward(y.reshape(-1), grad.reshape(-1), grad_x.reshape(-1))
    return grad_x
