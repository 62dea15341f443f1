"""Softmax, log-softmax and log-sum-exp along one axis, each shifted by the max so exp never overflows.

`softmax_forward` and `softmax_backward` are the row softmax's math, written once: SoftmaxOp and
F.scaled_dot_product_attention (functional/attention.py) both call them, and kernels/softmax.py registers
their fast paths (one pass per row) at the seam (kernels/registry.py).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import device_of, move, namespace_of, to_dtype
from ..backend.sums import row_sum
from ..kernels.registry import reference
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


def _row_sum(x: Any, axis: Any) -> Any:
    """Σ over axis (kept); along the last axis as a BLAS product with ones (backend/sums.py), several times
    faster than NumPy's add-reduction over short rows. (row_sum cannot reshape an empty array into rows.)"""
    return row_sum(x) if axis == -1 and x.size else x.sum(axis=axis, keepdims=True)


@functools.lru_cache(maxsize=32)
def future_keys(L: int, S: int) -> np.ndarray:
    """Bool (L, S), True above the diagonal: the keys a causal query may not see (not tril(ones(L, S))).

    Cached because a model asks for the same (T, T) mask in every layer and every step.
    """
    return np.triu(np.ones((L, S), dtype=bool), k=1)


@reference("softmax")  # fast path: kernels/softmax.py (the last axis of a float32 C-order array)
def softmax_forward(x: Any, axis: Any = -1, causal: bool = False) -> Any:
    """y = e^(x − m) / Σ e^(x − m) along `axis`, m = max x (so no exp overflows), as a new array.

    causal: for scores (..., L, S) along the last axis, query i (row i of each L×S block) sees keys 0..i only:
    the later ones count as −inf, so they get 0. A row holding +inf or nan, or only −inf (every key masked),
    gives nan throughout, as PyTorch's softmax does (attention turns its fully masked rows into zeros itself).
    """
    xp = namespace_of(x)
    if causal:
        future = future_keys(*x.shape[-2:])
        x = xp.where(future if xp is np else move(future, device_of(x)), -math.inf, x)
    with np.errstate(invalid="ignore"):  # inf − inf where the max is infinite: the nan that PyTorch gives too
        e = xp.exp(x - _row_max(x, axis))
    return e / _row_sum(e, axis)


@reference("softmax_backward")  # fast path: kernels/softmax.py
def softmax_backward(y: Any, grad: Any, axis: Any = -1, factor: float = 1.0) -> Any:
    """dL/dx = factor · y ⊙ (g − Σ g ⊙ y) along `axis`, for y = softmax(x) and g = dL/dy: the softmax Jacobian
    applied to g, times a factor (attention folds its scale in here). Runs on Tensors too (create_graph)."""
    grad_x = y * (grad - _row_sum(grad * y, axis))
    return grad_x if factor == 1.0 else grad_x * factor


def _along(name: str, dim: Any, ndim: int) -> Any:
    """The axis of softmax and log-softmax: −1 for the last one (the rows that the fast paths take), () for a
    0-d tensor (NumPy's max and sum take either)."""
    axis = normalize_dim(name, dim, ndim)
    return () if ndim == 0 else -1 if axis == ndim - 1 else axis


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
        ctx.axes, ctx.keepdim = axes, keepdim
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        softmax = namespace_of(x).exp(x - expand_reduced(y, x.shape, axes, keepdim))
        return expand_reduced(grad, x.shape, axes, keepdim) * softmax, None, None


class SoftmaxOp(Op):
    """y = eˣ / Σ eˣ along an axis.   dy/dx · g = y ⊙ (g − Σ g ⊙ y)"""

    @staticmethod
    def forward(ctx, x, axis):
        y = softmax_forward(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return softmax_backward(y, grad, ctx.axis), None


class LogSoftmaxOp(Op):
    """y = x − log Σ eˣ along an axis.   dy/dx · g = g − softmax(x) Σ g = g − e^y Σ g"""

    @staticmethod
    def forward(ctx, x, axis):
        xp = namespace_of(x)
        shifted = x - _row_max(x, axis)
        with np.errstate(divide="ignore"):
            y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - namespace_of(y).exp(y) * grad.sum(axis=ctx.axis, keepdims=True), None


def _float(name: str, x: Any, dtype: Any) -> Any:
    return cast(x, to_dtype(dtype).np) if dtype is not None else float_input(name, x)


def logsumexp(x: Any, dim: Any, keepdim: bool = False) -> Any:
    x = _float("logsumexp", x, None)
    axes = reduction_axes("logsumexp", dim, x.array.ndim)
    check_keepdim("logsumexp", keepdim)
    return LogSumExpOp.apply(x, axes, keepdim)


def softmax(x: Any, dim: int, dtype: Any = None) -> Any:
    x = _float("softmax", x, dtype)
    return SoftmaxOp.apply(x, _along("softmax", dim, x.array.ndim))


def log_softmax(x: Any, dim: int, dtype: Any = None) -> Any:
    x = _float("log_softmax", x, dtype)
    return LogSoftmaxOp.apply(x, _along("log_softmax", dim, x.array.ndim))
