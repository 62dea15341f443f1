"""erfinv as a differentiable tensor function, for Normal.icdf.

    x = erfinv(y)  (erf(x) = y)        dx/dy = 1 / erf'(x) = (√π/2)·e^(x²)

No primitive computes erfinv; the array math is functional/_special.py's (Giles' fit refined by Newton steps).
Backward reads the saved output x and is written with tensor ops, so under create_graph=True its graph is
recorded and differentiates further, like the exact GELU's NormalCdfOp.
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..functional._special import erfinv as erfinv_array
from ..tensor import Tensor

_HALF_SQRT_PI = math.sqrt(math.pi) / 2


class Erfinv(Function):
    """x = erfinv(y), elementwise.   dx/dy = (√π/2)·e^(x²)"""

    @staticmethod
    def forward(ctx, y):
        x = Tensor(erfinv_array(y.array))
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x).exp() * _HALF_SQRT_PI


def erfinv(y: Tensor) -> Tensor:
    """The inverse error function of a floating tensor in [−1, 1] (±inf at ±1, nan outside)."""
    if not y.dtype.is_floating_point:
        raise TypeError(f"erfinv: expected a floating tensor, got {y.dtype}; pass y.float()")
    return Erfinv.apply(y)
