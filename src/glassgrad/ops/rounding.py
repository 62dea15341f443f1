"""Rounding and sign, as in torch: round (with decimals), floor, ceil, trunc, frac, sign/sgn, and fmod.

round, floor, ceil, trunc and sign are piecewise constant: PyTorch records them, and their gradient is 0
everywhere (also at the jumps, where the derivative does not exist). frac = x − trunc x has gradient 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of
from . import arithmetic
from .arithmetic import promote_operands
from .unary import sign_of, tensor_input


class StepOp(Op):
    """y = f(x) for a piecewise-constant f: round (to `decimals`), floor, ceil, trunc, sign.   dy/dx = 0"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, kind, decimals):
        xp = namespace_of(x)
        if x.dtype.kind == "b":  # sign of a bool is the bool itself, as in PyTorch
            return x.copy()
        if kind == "sign":
            return sign_of(x)
        if x.dtype.kind in "iu":  # integers are already whole numbers: a copy, as in PyTorch
            return x.copy()
        if kind == "round":
            # Halves round to even, as in PyTorch; with decimals, x · 10^d is rounded then divided back
            # (NumPy's round and PyTorch's do the same).
            return xp.round(x, decimals)
        return getattr(xp, kind)(x)

    @staticmethod
    def backward(ctx, grad):
        return namespace_of(grad).zeros_like(grad), None, None


class FmodOp(Op):
    """z = fmod(a, b) = a − trunc(a / b) · b (C's fmod: the sign of a).   dz/da = 1,  dz/db = −trunc(a / b)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return namespace_of(a).fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = -grad * apply_or_forward(StepOp, a / b, "trunc", 0)
        return grad, grad_b


def _step(name: str, kind: str, x: Any, decimals: int = 0) -> Any:
    tensor_input(name, x)
    if kind != "sign" and x.array.dtype.kind == "b":
        raise TypeError(f"{name}: not defined for bool tensors; convert with .float() or .long() first")
    return StepOp.apply(x, kind, decimals)


def round(input: Any, decimals: int = 0) -> Any:  # noqa: A001 - torch.round
    """x rounded to `decimals` places, halves to even (as torch). Piecewise constant: its gradient is 0."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r}")
    return _step("round", "round", input, int(decimals))


def floor(input: Any) -> Any:
    """The largest integer ≤ x, elementwise. Piecewise constant: its gradient is 0 (as torch)."""
    return _step("floor", "floor", input)


def ceil(input: Any) -> Any:
    """The smallest integer ≥ x, elementwise. Piecewise constant: its gradient is 0 (as torch)."""
    return _step("ceil", "ceil", input)


def trunc(input: Any) -> Any:
    """x rounded toward zero, elementwise. Piecewise constant: its gradient is 0 (as torch)."""
    return _step("trunc", "trunc", input)


def sign(input: Any) -> Any:
    """−1, 0 or +1 (0 at NaN, as PyTorch); for a bool tensor, the tensor itself as 0/1 bools."""
    return _step("sign", "sign", input)


sgn = sign  # the same for real tensors (glassgrad has no complex dtype)


def frac(input: Any) -> Any:
    """x − trunc(x), with the sign of x.   d/dx = 1"""
    tensor_input("frac", input)
    if input.array.dtype.kind != "f":
        raise TypeError(f"frac: only defined for float tensors, got {input.array.dtype}")
    return arithmetic.sub(input, trunc(input))


def fmod(input: Any, other: Any) -> Any:
    """The remainder of input / other with the sign of input (C's fmod; `remainder` takes other's sign)."""
    tensor_input("fmod", input)
    a, b = promote_operands("fmod", input, other)
    array = b.array if is_tensor(b) else np.asarray(b)
    if array.dtype.kind in "iub" and not array.all():
        raise RuntimeError("fmod: integer division by zero; convert to float for NaN, or mask the zeros")
    if not is_tensor(b):
        b = make_tensor(namespace_of(a.array).asarray(b, dtype=a.array.dtype))
    return FmodOp.apply(a, b)
