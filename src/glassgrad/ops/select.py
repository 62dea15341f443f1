"""Ops that choose between values: maximum, minimum, where, masked_fill, tril/triu."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of
from . import _where
from .arithmetic import cast, check_broadcast, promote_operands
from .promote import result_dtype


class MaximumOp(Op):
    """z = max(x, y).   dz/dx = 1 where x > y, ½ where x = y, else 0 (ties split evenly, as PyTorch)

    WhereOp x or y is NaN (z is NaN) both get the whole gradient, as in PyTorch. See `_split`.
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return namespace_of(x).maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _split(grad, x < y, x == y, x > y)


class MinimumOp(Op):
    """z = min(x, y).   dz/dx = 1 where x < y, ½ where x = y, else 0 (both get all of it where one is NaN)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return namespace_of(x).minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _split(grad, x > y, x == y, x < y)


def _split(grad: Any, x_loses: Any, tie: Any, y_loses: Any) -> tuple[Any, Any]:
    """The gradients of max/min: g to the winner, g/2 to each side of a tie, 0 to the loser.

    Selected, not multiplied by a 0/1 share, so an infinite g gives the loser 0 rather than inf·0 = NaN.
    WhereOp x or y is NaN no comparison holds and both get g, as PyTorch's `where(x == y, g/2, g)` masked where
    the side loses.
    """
    half = _where.where(tie, grad / 2, grad)
    return _where.where(x_loses, 0, half), _where.where(y_loses, 0, half)


class WhereOp(Op):
    """z = x where condition else y.   dz/dx = condition, dz/dy = ¬condition"""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return namespace_of(condition).where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        grad_x = _where.where(condition, grad, 0) if ctx.needs_input_grad[1] else None
        grad_y = _where.where(condition, 0, grad) if ctx.needs_input_grad[2] else None
        return None, grad_x, grad_y


class TriangleOp(Op):
    """y = the lower (tril) or upper (triu) triangle of x, zeros elsewhere.   dy/dx = the same mask"""

    @staticmethod
    def forward(ctx, x, upper, diagonal):
        ctx.upper = upper
        ctx.diagonal = diagonal
        xp = namespace_of(x)
        return xp.triu(x, diagonal) if upper else xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        xp = namespace_of(grad)
        return (xp.triu(grad, ctx.diagonal) if ctx.upper else xp.tril(grad, ctx.diagonal)), None, None


def maximum(a: Any, b: Any) -> Any:
    a, b = promote_operands("maximum", a, b)
    return MaximumOp.apply(a, b)


def minimum(a: Any, b: Any) -> Any:
    a, b = promote_operands("minimum", a, b)
    return MinimumOp.apply(a, b)


def where(condition: Any, x: Any, y: Any) -> Any:
    """Elementwise choice; `condition` must be a bool tensor; x and y are tensors or numbers."""
    if not is_tensor(condition) or condition.array.dtype.kind != "b":
        dtype = condition.array.dtype if is_tensor(condition) else type(condition).__name__
        raise TypeError(f"where: condition must be a bool tensor, got {dtype}; compare first, e.g. x > 0")
    for operand in (x, y):
        if is_tensor(operand) and operand.array.shape != condition.array.shape:
            check_broadcast("where", condition.array.shape, operand.array.shape)
    if not is_tensor(x) and not is_tensor(y):
        dtype = result_dtype(x, y)
        xp = namespace_of(condition.array)
        return make_tensor(xp.where(condition.array, x, y).astype(dtype))
    x, y = promote_operands("where", x, y)
    return WhereOp.apply(condition, x, y)


def masked_fill(x: Any, mask: Any, value: Any) -> Any:
    """x with `value` wherever the bool `mask` (broadcast to x's shape) is True."""
    if not is_tensor(mask) or mask.array.dtype.kind != "b":
        dtype = mask.array.dtype if is_tensor(mask) else type(mask).__name__
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {dtype}")
    if mask.array.shape != x.array.shape:
        check_broadcast("masked_fill", x.array.shape, mask.array.shape)
    if is_tensor(value):
        if value.array.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-dim tensor, got shape {value.shape}")
        value = cast(value, x.array.dtype)
    elif x.array.dtype.kind in "iub" and isinstance(value, float):
        raise TypeError(f"masked_fill: cannot fill a {x.array.dtype} tensor with the float {value}")
    return WhereOp.apply(mask, value, x) if is_tensor(value) else WhereOp.apply(mask, _scalar(value, x), x)


def _scalar(value: Any, like: Any) -> Any:
    return namespace_of(like.array).asarray(value, dtype=like.array.dtype)


def triangle(x: Any, upper: bool, diagonal: int = 0) -> Any:
    name = "triu" if upper else "tril"
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{name}: diagonal must be an int, got {type(diagonal).__name__} {diagonal!r}")
    if x.array.ndim < 2:
        raise ValueError(f"{name}: input must have at least 2 dimensions, got shape {tuple(x.array.shape)}")
    return TriangleOp.apply(x, upper, diagonal)
