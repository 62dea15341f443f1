"""Reductions: sum, mean, prod, var, std, max/min, amax/amin, argmax/argmin, all/any.

`dim` is None (all dimensions), an int or a tuple of ints, negative counting from the end; `keepdim` keeps the
reduced dimensions with size 1. Backward broadcasts the gradient of the reduced result back over the reduced
dimensions.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of, to_dtype
from .arithmetic import cast
from .dims import normalize_dim, normalize_dims
from .index import scatter_along_axis
from .select import maximum, minimum


def reduction_axes(name: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """The axes sum/mean/var/logsumexp/all/any reduce, each once. A 0-d tensor accepts dim 0 (or -1), as in
    PyTorch, and has no NumPy axis to reduce."""
    axes = normalize_dims(name, dim, ndim)
    if len(set(axes)) != len(axes):
        repeated = next(a for a in axes if axes.count(a) > 1)
        raise ValueError(f"{name}: dim {repeated} appears multiple times in the list of dims {tuple(dim)}")
    return axes if ndim else ()


def check_keepdim(name: str, keepdim: Any) -> None:
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"{name}: keepdim must be a bool, got {type(keepdim).__name__} {keepdim!r}")


def check_reducible(name: str, shape: tuple, axis: int | None, error: type[Exception] = IndexError) -> None:
    """max/min/argmax/argmin have no value on no elements: refuse an empty reduction, as PyTorch does (with an
    IndexError, but a RuntimeError for max() and min() of the whole tensor)."""
    if axis is None and math.prod(shape) == 0:
        raise error(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0 (input shape {shape}); "
            "specify dim to reduce along a non-empty dimension"
        )
    if axis is not None and shape and shape[axis] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {axis} to have non-zero size (input shape {shape}); reduce along "
            "a non-empty dimension or check the input is not empty"
        )


def expand_reduced(grad: Any, shape: tuple, axes: tuple, keepdim: bool) -> Any:
    """The gradient of a reduction, reshaped to keep its reduced axes and broadcast to the input shape."""
    if not keepdim:
        grad = grad.reshape([1 if i in axes else size for i, size in enumerate(shape)])
    return namespace_of(grad).broadcast_to(grad, shape)


class SumOp(Op):
    """y = Σ x over the axes.   dy/dx = 1 (the gradient is broadcast back over the summed axes)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim), None, None


class MeanOp(Op):
    """y = (1/N) Σ x over the axes (N elements each).   dy/dx = 1/N"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        if ctx.count == 0:  # the mean of no elements: nan, quietly as PyTorch (NumPy warns "MeanOp of empty slice")
            return x.sum(axis=axes, keepdims=keepdim) * np.nan
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        # With no elements (count 0) the gradient is empty whatever the divisor: 1 avoids NumPy's warning.
        return expand_reduced(grad / max(ctx.count, 1), ctx.shape, ctx.axes, ctx.keepdim), None, None


def _deviation(x: Any, axes: tuple, correction: float) -> tuple[Any, float]:
    """x − x̄ over the axes (kept), and the degrees of freedom N − correction (may be ≤ 0: forward then divides
    by 0, as PyTorch's max(0, N − correction), while its backward divides by N − correction itself)."""
    count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    if not x.size:  # nothing to centre (and no "MeanOp of empty slice")
        return x, count - correction
    # x̄ = x₀ + mean(x − x₀), x₀ each slice's first element (where finite): a slice of equal values then has
    # x − x̄ exactly 0, so var and std are exactly 0, as PyTorch's Welford forward gives. NumPy's mean of equal
    # values can be an ulp off, and std's backward would divide that noise by a std of 1e-17 (fuzz: std of
    # twelve copies of one value had an O(1) gradient, PyTorch's is 0).
    xp = namespace_of(x)
    first = x[tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))]
    shift = xp.where(xp.isfinite(first), first, 0)  # an inf or nan x₀ would turn the shifted values into nan
    mean = (x - shift).mean(axis=axes, keepdims=True)
    mean += shift
    return x - mean, count - correction


def _keep_for_no_degrees_of_freedom(ctx: Any, x: Any, whole: bool) -> None:
    """What `_var_backward` reads besides x − x̄: `whole`, and where x = x̄ in the one case that needs it (no
    degrees of freedom over the whole tensor; compared with x itself, as PyTorch, since x − x̄ is nan at inf)."""
    ctx.whole = whole
    if whole and ctx.dof <= 0:
        ctx.at_mean = x == x.mean() if x.size else np.zeros(x.shape, bool)


def _var_backward(ctx: Any, grad: Any, deviation: Any) -> Any:
    """PyTorch's var_backward, given g broadcast to x's shape: (2 / (N − correction)) · g · (x − x̄).

    With no degrees of freedom it copies PyTorch's two cases: over the whole tensor (no dim, or a 0-d input)
    g · (nan where x = x̄, else inf); along dims, 2/0 = inf (and 2/(N − correction) < 0 when N < correction)
    in the same product, so a slice of two values with correction 2 gets ∓inf, not nan.
    """
    if ctx.dof > 0:
        return grad * (2 / ctx.dof) * deviation
    if ctx.whole:
        xp = namespace_of(grad)
        return grad * xp.where(ctx.at_mean, np.nan, np.inf)
    return grad * (2 / ctx.dof if ctx.dof else np.inf) * deviation


class VarOp(Op):
    """v = Σ (x − x̄)² / (N − correction).   dv/dx = 2 (x − x̄) / (N − correction)

    `whole` is True for var() without dim (or of a 0-d tensor): PyTorch's backward differs there when
    N − correction ≤ 0 (see `_var_backward`).
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, whole):
        ctx.axes, ctx.keepdim = axes, keepdim
        deviation, ctx.dof = _deviation(x, axes, correction)
        _keep_for_no_degrees_of_freedom(ctx, x, whole)
        # x itself too, unused by backward: PyTorch saves x, so an in-place write into x refuses the backward
        ctx.save_for_backward(deviation, x)
        # N − correction ≤ 0 gives inf/nan, as PyTorch does (e.g. the unbiased variance of one element).
        with np.errstate(divide="ignore", invalid="ignore"):
            return (deviation * deviation).sum(axis=axes, keepdims=keepdim) / max(ctx.dof, 0)

    @staticmethod
    def backward(ctx, grad):
        deviation, _ = ctx.saved_tensors
        grad = expand_reduced(grad, deviation.shape, ctx.axes, ctx.keepdim)
        return _var_backward(ctx, grad, deviation), None, None, None, None

    @staticmethod
    def reference(ctx, x, axes, keepdim, correction, whole):
        """VarOp from primitives, which create_graph=True differentiates instead of backward: the saved
        deviation x − x̄ depends on x, and as a saved array it would be a constant to the second derivative."""
        deviation = x - x.mean(axes, keepdim=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (deviation * deviation).sum(axes, keepdim) / float(max(ctx.dof, 0))


class StdOp(Op):
    """s = √v, v = Σ (x − x̄)² / (N − correction).   ds/dx = (x − x̄) / ((N − correction) · s), and 0 where s = 0

    Its own op rather than sqrt(var): d√v/dv = 1/(2√v) is inf at v = 0, and inf · 0 would make the gradient of
    a constant slice nan; PyTorch takes it as 0 there (the subgradient of a minimum), and so does this.
    Backward is PyTorch's std_backward: var's backward of g / (2s), with 0 where s = 0.
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, whole):
        ctx.axes, ctx.keepdim = axes, keepdim
        deviation, ctx.dof = _deviation(x, axes, correction)
        _keep_for_no_degrees_of_freedom(ctx, x, whole)
        with np.errstate(divide="ignore", invalid="ignore"):  # N − correction ≤ 0 gives inf/nan, as PyTorch
            s = namespace_of(x).sqrt((deviation * deviation).sum(axis=axes, keepdims=True) / max(ctx.dof, 0))
        s = s if keepdim else s.squeeze(axis=axes)
        # x and the output s themselves (x unused by backward), as PyTorch saves both: an in-place write into
        # either refuses the backward
        ctx.save_for_backward(deviation, s, x)
        return s

    @staticmethod
    def backward(ctx, grad):
        deviation, s, _ = ctx.saved_tensors
        xp = namespace_of(s)
        if not ctx.keepdim:  # back to x's rank, with size-1 reduced axes
            s = s.reshape(tuple(1 if a in ctx.axes else n for a, n in enumerate(deviation.shape)))
        if ctx.dof <= 0:  # no degrees of freedom (s is inf or nan): PyTorch's formula, as it is (rare)
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_var = xp.where(s == 0, 0, grad.reshape(s.shape) / (s * 2))
            return _var_backward(ctx, xp.broadcast_to(grad_var, deviation.shape), deviation), None, None, None, None
        # Per slice first (s has the reduced axes kept): g / ((N − correction) · s), then one full-size product.
        # A select, not a product, at s = 0, so the gradient there is 0 even for an infinite g.
        with np.errstate(divide="ignore", invalid="ignore"):
            per_slice = xp.where(s == 0, 0, grad.reshape(s.shape) / (ctx.dof * s))
        return per_slice * deviation, None, None, None, None

    @staticmethod
    def reference(ctx, x, axes, keepdim, correction, whole):
        """StdOp from primitives, which create_graph=True differentiates instead of backward (as VarOp's: the saved
        deviation and s depend on x)."""
        deviation = x - x.mean(axes, keepdim=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((deviation * deviation).sum(axes, keepdim) / float(max(ctx.dof, 0))).sqrt()


class ProdOp(Op):
    """y = Π x over one axis.   dy/dx_i = Π_{j≠i} x_j

    The product of all others is (product of those left of i) × (product of those right of i): exact with zeros.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.axis, ctx.keepdim = axis, keepdim
        ctx.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axis = ctx.axis
        xp = namespace_of(x)
        flat = axis is None
        moved = x.reshape(-1) if flat else xp.moveaxis(x, axis, -1)
        ones = xp.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
        left = xp.cumprod(xp.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(moved, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = left * right
        others = others.reshape(x.shape) if flat else xp.moveaxis(others, -1, axis)
        axes = tuple(range(x.ndim)) if flat else (axis,)
        return expand_reduced(grad, x.shape, axes, ctx.keepdim) * others, None, None

    @staticmethod
    def reference(ctx, x, axis, keepdim):
        """The product as a chain of multiplications along the axis, which create_graph=True differentiates
        instead of backward (whose cumulative products have no Tensor op); exact where x has zeros too."""
        factors = x.reshape(-1).unbind(0) if axis is None else x.unbind(axis)
        if not factors:  # the empty product
            return x.sum(axis, keepdim) * 0.0 + 1.0
        product = factors[0]
        for factor in factors[1:]:
            product = product * factor
        return product.unsqueeze(axis) if keepdim else product


class MaxMinAlongOp(Op):
    """(values, indices) of the max (or min) along one axis.   d values/dx = 1 at the chosen index, else 0"""

    @staticmethod
    def forward(ctx, x, axis, keepdim, largest):
        xp = namespace_of(x)
        indices = xp.expand_dims(x.argmax(axis=axis) if largest else x.argmin(axis=axis), axis)
        values = xp.take_along_axis(x, indices, axis=axis)
        ctx.indices, ctx.shape, ctx.axis, ctx.keepdim = indices, x.shape, axis, keepdim
        if not keepdim:
            values = values.squeeze(axis)
            indices = indices.squeeze(axis)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        if not ctx.keepdim:
            grad_values = namespace_of(grad_values).expand_dims(grad_values, ctx.axis)
        # One index per slice, so no position repeats: the scatter assigns instead of adding.
        return scatter_along_axis(grad_values, ctx.indices, ctx.axis, ctx.shape, accumulate=False), None, None, None


class MaxMinAllOp(Op):
    """y = the max (or min) of all elements.   dy/dx = 1/k at each of the k elements equal to y (ties share)

    When y is NaN the k elements are the NaNs, as in PyTorch. The share is selected, not multiplied by the mask,
    so an infinite gradient leaves the other elements at 0 (inf·0 = NaN).
    """

    @staticmethod
    def forward(ctx, x, largest):
        # a 0-d array, not NumPy's scalar: the saved y must be the output itself, so a later in-place write
        # into the output is caught by the version check (PyTorch saves the result too)
        y = namespace_of(x).asarray(x.max() if largest else x.min())
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        chosen = (x != x) if y != y else (x == y)  # y != y: y is NaN (NaN == NaN is false)
        return namespace_of(grad).where(chosen, grad / chosen.sum(), 0), None


class AMaxMinOp(Op):
    """y = the max (or min) over the axes.   dy/dx = 1/k at each of the k elements equal to y in their slice

    Ties share the gradient evenly, as PyTorch's amax/amin (x.max(dim) instead gives it all to one index).
    """

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        y = x.max(axis=axes, keepdims=True) if largest else x.min(axis=axes, keepdims=True)
        y = y if keepdim else y.squeeze(axis=axes)
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(x, y)  # the output itself (PyTorch saves the result), so writes into it are caught
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        if not keepdim:  # back to x's rank, with size-1 reduced axes
            y = y.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape)))
        mask = x == y
        grad = expand_reduced(grad, x.shape, axes, keepdim)
        return grad * mask / mask.sum(axis=axes, keepdims=True), None, None, None


class ValuesIndices(NamedTuple):
    """What `x.max(dim)`, `x.min(dim)`, `x.sort()` and `x.topk(k)` return, as PyTorch's `torch.return_types`:
    unpack it or use the names."""

    values: Any
    indices: Any


def reduce_sum(
    x: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None, keepdims: Any = None
) -> Any:
    """Σ x over `dim`. `axis` and `keepdims` are NumPy's names, which PyTorch accepts too: so a backward's
    `grad.sum(axis=..., keepdims=...)` runs on arrays and, with create_graph, on tensors."""
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    if dtype is not None:
        x = cast(x, to_dtype(dtype).np)  # dtype= is a gg dtype (or anything to_dtype reads)
    elif x.array.dtype.kind in "biu":
        x = cast(x, np.dtype(np.int64))  # PyTorch sums integers and bools as int64
    axes = reduction_axes("sum", _every_dim_if_empty(dim), x.array.ndim)
    check_keepdim("sum", keepdim)
    return SumOp.apply(x, axes, keepdim)


def mean(x: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
    if dtype is not None:
        x = cast(x, to_dtype(dtype).np)  # dtype= is a gg dtype (or anything to_dtype reads)
    if x.array.dtype.kind != "f":
        raise TypeError(
            f"mean: input dtype must be floating point, got {x.array.dtype}; use x.float().mean() "
            "or pass dtype=gg.float32"
        )
    axes = reduction_axes("mean", _every_dim_if_empty(dim), x.array.ndim)
    check_keepdim("mean", keepdim)
    return MeanOp.apply(x, axes, keepdim)


def var(x: Any, dim: Any = None, correction: float = 1, keepdim: bool = False, unbiased: bool | None = None) -> Any:
    """The variance over `dim` with Bessel's `correction`: Σ(x − mean)² / (n − correction).

    d var/dx = 2(x − mean) / (n − correction)."""
    return _spread(VarOp, "var", x, dim, correction, keepdim, unbiased)


def std(x: Any, dim: Any = None, correction: float = 1, keepdim: bool = False, unbiased: bool | None = None) -> Any:
    """The standard deviation over `dim` with Bessel's `correction` (1 by default): sqrt(var).

    d std/dx = (x − mean) / ((n − correction)·std)."""
    return _spread(StdOp, "std", x, dim, correction, keepdim, unbiased)


def _spread(op: type, name: str, x: Any, dim: Any, correction: Any, keepdim: bool, unbiased: bool | None) -> Any:
    """var and std: the arguments checked once, for both."""
    if unbiased is not None:  # the older PyTorch spelling
        correction = 1 if unbiased else 0
    if x.array.dtype.kind != "f":
        raise TypeError(f"{name}: input dtype must be floating point, got {x.array.dtype}")
    axes = reduction_axes(name, _every_dim_if_empty(dim), x.array.ndim)
    check_keepdim(name, keepdim)
    if not isinstance(correction, (int, float, np.number)):  # a bool is the older unbiased= spelling
        raise TypeError(f"{name}: correction must be a number, got {type(correction).__name__} {correction!r}")
    # The last argument, `whole`: a reduction over every element, whose backward PyTorch writes differently.
    return op.apply(x, axes, keepdim, correction, dim is None or x.array.ndim == 0)


def amax_amin(name: str, x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    """`x.amax(dim)` / `x.amin(dim)`: dim an int or a tuple; None or () (PyTorch's default) means every dim."""
    axes = reduction_axes(name, None if dim == () else dim, x.array.ndim)
    check_keepdim(name, keepdim)
    if any(x.array.shape[a] == 0 for a in axes):
        raise IndexError(
            f"{name}(): expected reduction dims {axes} of the tensor of shape {tuple(x.array.shape)} to have "
            "non-zero size; an empty slice has no max or min"
        )
    return AMaxMinOp.apply(x, axes, keepdim, largest)


def _every_dim_if_empty(dim: Any) -> Any:
    """sum/mean/var read an empty dim list as every dim, as PyTorch does (all/any reduce nothing then)."""
    return None if isinstance(dim, (tuple, list)) and not dim else dim


def prod(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    axis = None if dim is None else normalize_dim("prod", dim, x.array.ndim)
    check_keepdim("prod", keepdim)
    if x.array.ndim == 0:  # a 0-d tensor along its dim 0 (or -1): the product of its one element
        axis = None
    return ProdOp.apply(x, axis, keepdim and axis is not None)


def max_min(name: str, x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    """`x.max()` (a tensor) or `x.max(dim)` (values, indices), as PyTorch; also the binary x.max(other)."""
    if is_tensor(dim):
        return maximum(x, dim) if largest else minimum(x, dim)
    if dim is None:
        check_reducible(name, x.array.shape, None, RuntimeError)
        return MaxMinAllOp.apply(x, largest)
    axis = normalize_dim(name, dim, x.array.ndim)
    check_keepdim(name, keepdim)
    check_reducible(name, x.array.shape, axis)
    if x.array.ndim == 0:  # a 0-d tensor reduced along its dim 0 is itself, index 0 (keepdim has no dim to keep)
        x, keepdim = x.reshape(1), False
    return ValuesIndices(*MaxMinAlongOp.apply(x, axis, keepdim, largest))


def arg_max_min(name: str, x: Any, dim: int | None, keepdim: bool, largest: bool) -> Any:
    """Index of the max (or min): of the flattened tensor when dim is None. Not differentiable."""
    array = x.array
    check_keepdim(name, keepdim)
    check_reducible(name, array.shape, None if dim is None else normalize_dim(name, dim, array.ndim))
    if dim is None:
        result = array.argmax() if largest else array.argmin()
        if keepdim:
            result = namespace_of(array).asarray(result).reshape((1,) * array.ndim)
    else:
        axis = normalize_dim(name, dim, array.ndim)
        result = array.argmax(axis=axis, keepdims=keepdim) if largest else array.argmin(axis=axis, keepdims=keepdim)
    return make_tensor(namespace_of(array).asarray(result).astype(np.int64))


def all_any(name: str, x: Any, dim: Any, keepdim: bool) -> Any:
    axes = reduction_axes(name, dim, x.array.ndim)
    check_keepdim(name, keepdim)
    function = x.array.all if name == "all" else x.array.any
    return make_tensor(namespace_of(x.array).asarray(function(axis=axes, keepdims=keepdim)))
