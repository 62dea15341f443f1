"""Reductions: sum, mean, prod, var, std, max/min, amax/amin, argmax/argmin, all/any.

`dim` is None (all dimensions), an int or a tuple of ints, negative counting from the end; `keepdim` keeps the
reduced dimensions with size 1. Backward broadcasts the gradient of the reduced result back over the reduced
dimensions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of, to_dtype


def normalize_dims(name: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """A tuple of non-negative axes; None means every axis. Out-of-range dims raise IndexError as PyTorch."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    result = []
    for d in dims:
        low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
        if not low <= d <= high:
            raise IndexError(
                f"{name}: dimension out of range (expected to be in range of [{low}, {high}], but got {d})"
            )
        result.append(int(d) % max(ndim, 1))
    return tuple(result)


def reduced_axes(name: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """`normalize_dims` for a reduction. A 0-d tensor takes dim 0 or −1, as in PyTorch, and reduces over
    nothing (NumPy's axis=()): its sum, mean, max or softmax along "dim 0" is computed on its one element."""
    axes = normalize_dims(name, dim, ndim)
    return axes if ndim else ()


def expand_reduced(grad: Any, shape: tuple, axes: tuple, keepdim: bool) -> Any:
    """The gradient of a reduction, reshaped to keep its reduced axes and broadcast to the input shape."""
    if not keepdim:
        grad = grad.reshape([1 if i in axes else size for i, size in enumerate(shape)])
    return namespace_of(grad).broadcast_to(grad, shape)


class Sum(Op):
    """y = Σ x over the axes.   dy/dx = 1 (the gradient is broadcast back over the summed axes)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        axes, keepdim = ctx.inputs[1], ctx.inputs[2]
        return expand_reduced(grad, ctx.shape, axes, keepdim), None, None


class Mean(Op):
    """y = (1/N) Σ x over the axes (N elements each).   dy/dx = 1/N"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        axes, keepdim = ctx.inputs[1], ctx.inputs[2]
        return expand_reduced(grad / ctx.count, ctx.shape, axes, keepdim), None, None


def _deviation(x: Any, axes: tuple, correction: float) -> tuple[Any, float]:
    """x − x̄ over the axes (kept), and the divisor N − correction of var and std (0 when it would be < 0)."""
    count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    return x - x.mean(axis=axes, keepdims=True), max(count - correction, 0)


class Var(Op):
    """v = Σ (x − x̄)² / (N − correction).   dv/dx = 2 (x − x̄) / (N − correction)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        deviation, ctx.divisor = _deviation(x, axes, correction)
        ctx.save_for_backward(deviation)
        # N − correction ≤ 0 gives inf/nan, as PyTorch does (e.g. the unbiased variance of one element).
        with np.errstate(divide="ignore", invalid="ignore"):
            return (deviation * deviation).sum(axis=axes, keepdims=keepdim) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):
        (deviation,) = ctx.saved_tensors
        axes, keepdim = ctx.inputs[1], ctx.inputs[2]
        grad = expand_reduced(grad, deviation.shape, axes, keepdim)
        return grad * (2 / ctx.divisor) * deviation if ctx.divisor else grad * np.nan, None, None, None


class Std(Op):
    """s = √v, v = Σ (x − x̄)² / (N − correction).   ds/dx = (x − x̄) / ((N − correction) · s), and 0 where s = 0

    Its own op rather than sqrt(var): d√v/dv = 1/(2√v) is inf at v = 0, and inf · 0 would make the gradient of
    a constant slice nan; PyTorch takes it as 0 there (the subgradient of a minimum), and so does this.
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        deviation, ctx.divisor = _deviation(x, axes, correction)
        with np.errstate(divide="ignore", invalid="ignore"):  # N − correction ≤ 0 gives inf/nan, as PyTorch
            s = namespace_of(x).sqrt((deviation * deviation).sum(axis=axes, keepdims=True) / ctx.divisor)
        ctx.save_for_backward(deviation, s)
        return s if keepdim else s.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, grad):
        deviation, s = ctx.saved_tensors
        xp = namespace_of(s)
        if not ctx.divisor:  # no degrees of freedom: s is inf or nan, and so is every gradient (as Var's)
            return xp.full_like(deviation, np.nan), None, None, None
        # Per slice first (s has the reduced axes kept): g / ((N − correction) · s), then one full-size product.
        # A select, not a product, at s = 0, so the gradient there is 0 even for an infinite g.
        with np.errstate(divide="ignore", invalid="ignore"):
            per_slice = xp.where(s == 0, 0, grad.reshape(s.shape) / (ctx.divisor * s))
        return per_slice * deviation, None, None, None


class Prod(Op):
    """y = Π x over one axis.   dy/dx_i = Π_{j≠i} x_j

    The product of all others is (product of those left of i) × (product of those right of i): exact with zeros.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axis, keepdim = ctx.inputs[1], ctx.inputs[2]
        xp = namespace_of(x)
        flat = axis is None
        moved = x.reshape(-1) if flat else xp.moveaxis(x, axis, -1)
        ones = xp.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
        left = xp.cumprod(xp.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(moved, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = left * right
        others = others.reshape(x.shape) if flat else xp.moveaxis(others, -1, axis)
        axes = tuple(range(x.ndim)) if flat else (axis,)
        return expand_reduced(grad, x.shape, axes, keepdim) * others, None, None


class MaxMinAlong(Op):
    """(values, indices) of the max (or min) along one axis.   d values/dx = 1 at the chosen index, else 0"""

    @staticmethod
    def forward(ctx, x, axis, keepdim, largest):
        xp = namespace_of(x)
        indices = xp.expand_dims(x.argmax(axis=axis) if largest else x.argmin(axis=axis), axis)
        values = xp.take_along_axis(x, indices, axis=axis)
        ctx.indices = indices
        ctx.shape = x.shape
        if not keepdim:
            values = values.squeeze(axis)
            indices = indices.squeeze(axis)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        axis, keepdim = ctx.inputs[1], ctx.inputs[2]
        xp = namespace_of(grad_values)
        if not keepdim:
            grad_values = xp.expand_dims(grad_values, axis)
        grad = xp.zeros(ctx.shape, dtype=grad_values.dtype)
        xp.put_along_axis(grad, ctx.indices, grad_values, axis=axis)
        return grad, None, None, None


class MaxMinAll(Op):
    """y = the max (or min) of all elements.   dy/dx = 1/k at each of the k elements equal to y (ties share)"""

    @staticmethod
    def forward(ctx, x, largest):
        y = x.max() if largest else x.min()
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        mask = x == y
        return grad * mask / mask.sum(), None


class AMaxMin(Op):
    """y = the max (or min) over the axes.   dy/dx = 1/k at each of the k elements equal to y in their slice

    Ties share the gradient evenly, as PyTorch's amax/amin (x.max(dim) instead gives it all to one index).
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        y = x.max(axis=axes, keepdims=True) if largest else x.min(axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        return y if keepdim else y.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.inputs[1], ctx.inputs[2]
        mask = x == y
        grad = expand_reduced(grad, x.shape, axes, keepdim)
        return grad * mask / mask.sum(axis=axes, keepdims=True), None, None, None


class MaxMinResult(NamedTuple):
    """What `x.max(dim)` / `x.min(dim)` return, as `torch.return_types.max`: unpack it or use the names."""

    values: Any
    indices: Any


def reduce_sum(x: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
    from .arithmetic import cast

    if dtype is not None:
        x = cast(x, to_dtype(dtype).np)  # dtype= is a gg dtype (or anything to_dtype reads)
    elif x.array.dtype.kind in "biu":
        x = cast(x, np.dtype(np.int64))  # PyTorch sums integers and bools as int64
    axes = reduced_axes("sum", dim, x.array.ndim)
    return Sum.apply(x, axes, keepdim)


def mean(x: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
    from .arithmetic import cast

    if dtype is not None:
        x = cast(x, to_dtype(dtype).np)  # dtype= is a gg dtype (or anything to_dtype reads)
    if x.array.dtype.kind != "f":
        raise TypeError(
            f"mean: input dtype must be floating point, got {x.array.dtype}; use x.float().mean() "
            "or pass dtype=gg.float32"
        )
    axes = reduced_axes("mean", dim, x.array.ndim)
    return Mean.apply(x, axes, keepdim)


def var(x: Any, dim: Any = None, correction: float = 1, keepdim: bool = False, unbiased: bool | None = None) -> Any:
    if unbiased is not None:  # the older PyTorch spelling
        correction = 1 if unbiased else 0
    if x.array.dtype.kind != "f":
        raise TypeError(f"var: input dtype must be floating point, got {x.array.dtype}")
    axes = reduced_axes("var", dim, x.array.ndim)
    return Var.apply(x, axes, keepdim, correction)


def std(x: Any, dim: Any = None, correction: float = 1, keepdim: bool = False, unbiased: bool | None = None) -> Any:
    if unbiased is not None:  # the older PyTorch spelling
        correction = 1 if unbiased else 0
    if x.array.dtype.kind != "f":
        raise TypeError(f"std: input dtype must be floating point, got {x.array.dtype}")
    axes = reduced_axes("std", dim, x.array.ndim)
    return Std.apply(x, axes, keepdim, correction)


def amax_amin(name: str, x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    """`x.amax(dim)` / `x.amin(dim)`: dim an int or a tuple; None or () (PyTorch's default) means every dim."""
    axes = reduced_axes(name, None if dim == () else dim, x.array.ndim)
    if any(x.array.shape[a] == 0 for a in axes):
        raise IndexError(
            f"{name}(): expected reduction dims {axes} of the tensor of shape {tuple(x.array.shape)} to have "
            "non-zero size; an empty slice has no max or min"
        )
    return AMaxMin.apply(x, axes, keepdim, largest)


def prod(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    axes = None if dim is None else reduced_axes("prod", dim, x.array.ndim)
    axis = axes[0] if axes else None  # a 0-d tensor: the product of its one element
    return Prod.apply(x, axis, keepdim and axis is not None)


def max_min(name: str, x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    """`x.max()` (a tensor) or `x.max(dim)` (values, indices), as PyTorch; also the binary x.max(other)."""
    from .select import maximum, minimum

    if hasattr(dim, "grad_fn"):
        return maximum(x, dim) if largest else minimum(x, dim)
    if dim is None:
        if x.array.size == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor; specify dim to reduce an empty one")
        return MaxMinAll.apply(x, largest)
    (axis,) = normalize_dims(name, dim, x.array.ndim)
    if x.array.ndim == 0:  # PyTorch: a 0-d tensor is its own max along dim 0, at index 0 (keepdim stays 0-d)
        from .shape import reshape

        return MaxMinResult(*MaxMinAlong.apply(reshape(x, (1,)), 0, False, largest))
    return MaxMinResult(*MaxMinAlong.apply(x, axis, keepdim, largest))


def arg_max_min(name: str, x: Any, dim: int | None, keepdim: bool, largest: bool) -> Any:
    """Index of the max (or min): of the flattened tensor when dim is None. Not differentiable."""
    from ..autograd import node

    array = x.array
    if dim is None:
        result = array.argmax() if largest else array.argmin()
        if keepdim:
            result = namespace_of(array).asarray(result).reshape((1,) * array.ndim)
    else:
        (axis,) = normalize_dims(name, dim, array.ndim)
        result = array.argmax(axis=axis, keepdims=keepdim) if largest else array.argmin(axis=axis, keepdims=keepdim)
    return node._Tensor(namespace_of(array).asarray(result).astype(np.int64))


def all_any(name: str, x: Any, dim: Any, keepdim: bool) -> Any:
    from ..autograd import node

    axes = reduced_axes(name, dim, x.array.ndim)
    function = x.array.all if name == "all" else x.array.any
    return node._Tensor(namespace_of(x.array).asarray(function(axis=axes, keepdims=keepdim)))
