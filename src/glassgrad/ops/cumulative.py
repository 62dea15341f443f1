"""Running totals along one dim, as in torch: cumsum, cumprod, cummax, cummin, and diff.

cumsum and cumprod are Ops; cummax/cummin pick positions (their values are a gather, differentiable through
it) and diff is a difference of slices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of, to_dtype
from . import arithmetic
from . import index as index_ops
from . import shape as shape_ops
from .dims import normalize_dim
from .reduce import ValuesIndices
from .reorder import FlipOp
from .unary import tensor_input


class CumsumOp(Op):
    """y_i = Σ_{j≤i} x_j along `axis`.   dL/dx_j = Σ_{i≥j} g_i: g summed from the end (flip, cumsum, flip)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return namespace_of(x).cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return reverse_cumsum(grad, ctx.axis), None


def reverse_cumsum(values: Any, axis: int) -> Any:
    """r_j = Σ_{i≥j} v_i along axis, on arrays or (recorded) tensors."""
    flipped = apply_or_forward(FlipOp, values, (axis,))
    return apply_or_forward(FlipOp, apply_or_forward(CumsumOp, flipped, axis), (axis,))


class CumprodOp(Op):
    """y_i = Π_{j≤i} x_j along `axis`.   dL/dx_j = Σ_{i≥j} g_i · y_i / x_j

    Exact with zeros, without dividing by one: with z the first zero of a slice,
      j < z:  Σ_{i≥j} g_i · y_i / x_j        (x_j ≠ 0 there)
      j = z:  Σ_{i≥z} g_i · y'_i,  y' = cumprod of x with x_z replaced by 1 (the product of all others)
      j > z:  0                               (every y_i with i ≥ j holds the factor x_z = 0)
    """

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axis):
        y = namespace_of(x).cumprod(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis = ctx.axis
        raw = x.array if is_tensor(x) else x
        if raw.all():  # no zero: the plain formula
            return reverse_cumsum(grad * y, axis) / x, None
        xp = namespace_of(raw)
        zeros_so_far = xp.cumsum(raw == 0, axis=axis)
        before, first = zeros_so_far == 0, (zeros_so_far == 1) & (raw == 0)  # constants: masks of positions
        xq = namespace_of(x)
        left = reverse_cumsum(grad * y, axis) / xq.where(before, x, 1.0)
        others = apply_or_forward(CumprodOp, xq.where(first, 1.0, x), axis)
        at_zero = reverse_cumsum(grad * others, axis)
        return xq.where(before, left, xq.where(first, at_zero, 0.0)), None


def _cumulative_input(name: str, input: Any, dim: int, dtype: Any) -> tuple[Any, int]:
    """The input in the dtype of the result (integers and bools sum in int64, as in PyTorch) and the axis."""
    tensor_input(name, input)
    if dtype is not None:
        input = arithmetic.cast(input, to_dtype(dtype).np)
    elif input.array.dtype.kind in "biu":
        input = arithmetic.cast(input, np.dtype(np.int64))
    axis = normalize_dim(name, dim, input.array.ndim)
    if input.array.ndim == 0:
        input = shape_ops.reshape(input, (1,))
    return input, axis


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:
    x, axis = _cumulative_input("cumsum", input, dim, dtype)
    return shape_ops.reshape(CumsumOp.apply(x, axis), input.array.shape)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Any:
    x, axis = _cumulative_input("cumprod", input, dim, dtype)
    return shape_ops.reshape(CumprodOp.apply(x, axis), input.array.shape)


def _cumulative_extreme(name: str, input: Any, dim: int, largest: bool) -> ValuesIndices:
    """Running max (min) and the position where it was reached: the last such position on ties, and the latest
    NaN once one was met (which the values then keep), as PyTorch's kernel (x ≥ best, or x is NaN)."""
    tensor_input(name, input)
    x = input.array
    axis = normalize_dim(name, dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(shape_ops.CloneOp.apply(input), make_tensor(np.zeros((), dtype=np.int64)))
    xp = namespace_of(x)
    running = (xp.maximum if largest else xp.minimum).accumulate(x, axis=axis)  # NaN propagates
    reached = x == running
    if x.dtype.kind == "f":
        reached |= xp.isnan(x)
    positions = xp.arange(x.shape[axis]).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
    indices = xp.maximum.accumulate(xp.where(reached, positions, -1), axis=axis).astype(np.int64)
    values = index_ops.gather(input, axis, make_tensor(indices))
    return ValuesIndices(values, make_tensor(indices))


def cummax(input: Any, dim: int) -> ValuesIndices:
    """(values, indices): the running maximum along `dim`; the gradient of each value goes to the element it
    came from."""
    return _cumulative_extreme("cummax", input, dim, largest=True)


def cummin(input: Any, dim: int) -> ValuesIndices:
    """(values, indices): the running minimum along `dim`; the gradient of each value goes to the element it
    came from."""
    return _cumulative_extreme("cummin", input, dim, largest=False)


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The n-th forward difference along dim: out_i = x_{i+1} − x_i, n times (bools: x_{i+1} xor x_i)."""
    tensor_input("diff", input)
    if input.array.ndim == 0:
        raise RuntimeError("diff: expected at least a 1-dimensional tensor, got a 0-d one")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"diff: order n must be a non-negative int, got {n!r}")
    axis = normalize_dim("diff", dim, input.array.ndim)
    parts = [part for part in (prepend, input, append) if part is not None]
    x = shape_ops.cat(parts, axis) if len(parts) > 1 else input
    before = (slice(None),) * axis
    for _ in range(int(n)):
        if x.array.shape[axis] == 0:
            break
        later, earlier = x[before + (slice(1, None),)], x[before + (slice(None, -1),)]
        if x.array.dtype.kind == "b":
            x = make_tensor(namespace_of(x.array).logical_xor(later.array, earlier.array))
        else:
            x = arithmetic.sub(later, earlier)
    return x
