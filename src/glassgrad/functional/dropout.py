"""F.dropout: inverted dropout with a mask drawn from glassgrad's seeded generator."""

from __future__ import annotations

import numpy as np

from ..autograd.node import Op
from ..backend import device_of, move
from ..backend.random import default_generator
from ..tensor import Tensor


class DropoutOp(Op):
    """y = x ⊙ m / (1 − p), with mᵢ ~ Bernoulli(1 − p).   dy/dx = m / (1 − p)

    Scaling by 1/(1 − p) at training time keeps E[y] = x, so evaluation needs no rescaling (inverted dropout).
    """

    @staticmethod
    def forward(ctx, x, p):
        # Draw on the host in float32 (cheaper than float64) so a seed gives the same mask on every device.
        keep = default_generator().random(x.shape, dtype=np.float32) >= p
        scaled_mask = move(keep.astype(x.dtype), device_of(x))
        scaled_mask *= 1.0 / (1.0 - p)  # a Python float keeps the mask in x's dtype
        ctx.save_for_backward(scaled_mask)
        return x * scaled_mask

    @staticmethod
    def backward(ctx, grad):
        (scaled_mask,) = ctx.saved_tensors
        return grad * scaled_mask, None

    @staticmethod
    def reference(ctx, x, p):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        # The mask forward drew (a second draw would differ), read where backward reads it: kept as a ctx
        # attribute it would outlive release() and hold every mask of a step until its graph is dropped.
        (scaled_mask,) = ctx.saved_tensors
        return x * Tensor(scaled_mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability `p` and scale the rest by 1/(1 − p); identity when not training.

    As PyTorch: `p = 1` zeroes everything, and `training=False` or `p = 0` returns `input` itself.
    `inplace=True` writes the result into `input` (not allowed on a leaf that requires grad).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if not input.is_floating_point():
        raise TypeError(f"dropout: expected a floating point tensor, got {input.dtype}")
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    if inplace:
        return input._write_in_place("dropout_", lambda current: DropoutOp.apply(current, float(p)))
    return DropoutOp.apply(input, float(p))
