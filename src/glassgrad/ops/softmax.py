"""SoftmaxOp, log-softmax and log-sum-exp along one axis, each shifted by the max so exp never overflows."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of, to_dtype
from .arithmetic import cast
from .dims import normalize_dim
from .reduce import check_keepdim, expand_reduced, reduction_axes
from .unary import float_input


def _row_max(x: Any, axes: Any) -> Any:
    """max of x over axes (kept): the shift of softmax and log-softmax. An infinite max is kept, so a row
    holding +inf (or only −inf) gives nan throughout, as PyTorch's kernels do. An empty x has no max: 0."""
    if x.size == 0:
        return namespace_of(x).zeros_like(x.sum(axis=axes, keepdims=True))
    return x.max(axis=axes, keepdims=True)


def _shifted_max(x: Any, axes: Any) -> Any:
    """The shift of log-sum-exp: the max over axes (kept), with ±inf replaced by 0 as PyTorch does, so an
    all −inf row gives −inf and a row holding +inf gives +inf, not nan."""
    xp = namespace_of(x)
    peak = _row_max(x, axes)
    return xp.where(xp.isfinite(peak), peak, 0)


def _as_tuple(axes: Any) -> tuple:
    return axes if isinstance(axes, tuple) else (axes,)


class LogSumExpOp(Op):
    """y = log Σ eˣ = m + log Σ e^(x − m), m = max x.   dy/dx = e^(x − y) = softmax(x)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = namespace_of(x)
        peak = _shifted_max(x, axes)
        with np.errstate(divide="ignore"):  # an all −inf row has log 0 = −inf, as PyTorch, without a warning
            y = xp.log(xp.exp(x - peak).sum(axis=axes, keepdims=True)) + peak
        y = y if keepdim else y.squeeze(axis=axes)
        ctx.save_for_backward(x, y)  # the output itself, so create_graph differentiates through it
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.inputs[1], ctx.inputs[2]
        softmax = namespace_of(x).exp(x - expand_reduced(y, x.shape, axes, keepdim))
        return expand_reduced(grad, x.shape, axes, keepdim) * softmax, None, None


class SoftmaxOp(Op):
    """y = eˣ / Σ eˣ along an axis.   dy/dx · g = y ⊙ (g − Σ g ⊙ y)"""

    @staticmethod
    def forward(ctx, x, axis):
        xp = namespace_of(x)
        e = xp.exp(x - _row_max(x, axis))
        y = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        axis = ctx.inputs[1]
        return y * (grad - (grad * y).sum(axis=axis, keepdims=True)), None


class LogSoftmaxOp(Op):
    """y = x − log Σ eˣ along an axis.   dy/dx · g = g − softmax(x) Σ g = g − e^y Σ g"""

    @staticmethod
    def forward(ctx, x, axis):
        xp = namespace_of(x)
        shifted = x - _row_max(x, axis)
        with np.errstate(divide="ignore"):
            y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        axis = ctx.inputs[1]
        return grad - namespace_of(y).exp(y) * grad.sum(axis=axis, keepdims=True), None


def _float(name: str, x: Any, dtype: Any) -> Any:
    return cast(x, to_dtype(dtype).np) if dtype is not None else float_input(name, x)


def logsumexp(x: Any, dim: Any, keepdim: bool = False) -> Any:
    x = _float("logsumexp", x, None)
    axes = reduction_axes("logsumexp", dim, x.array.ndim)
    check_keepdim("logsumexp", keepdim)
    return LogSumExpOp.apply(x, axes, keepdim)


def softmax(x: Any, dim: int, dtype: Any = None) -> Any:
    x = _float("softmax", x, dtype)
    # (axis,) or, for a 0-d tensor, () (reduction_axes): NumPy's max and sum take either
    return SoftmaxOp.apply(x, reduction_axes("softmax", normalize_dim("softmax", dim, x.array.ndim), x.array.ndim))


def log_softmax(x: Any, dim: int, dtype: Any = None) -> Any:
    x = _float("log_softmax", x, dtype)
    return LogSoftmaxOp.apply(
        x, reduction_axes("log_softmax", normalize_dim("log_softmax", dim, x.array.ndim), x.array.ndim)
    )
