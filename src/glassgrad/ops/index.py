"""Indexing: x[key] (ints, slices, None, ..., integer arrays and bool masks), x[key] = v, and gather.

Basic indexing (ints, slices, None, ...) selects each element at most once, so its backward writes the gradient
into a zero array. Advanced indexing may select an element several times (x[[0, 0]]), so its backward adds with
`add.at`, which accumulates repeated indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor
from ..backend import namespace_of
from .arithmetic import cast
from .dims import normalize_dim


class GetItemOp(Op):
    """y = x[key].   dy/dx: the gradient scattered back to the selected positions (summed where repeated)"""

    is_view = True  # basic indexing shares x's memory; advanced indexing copies, and a copy is no view

    @staticmethod
    def forward(ctx, x, key, basic):
        ctx.shape, ctx.key, ctx.basic = x.shape, key, basic
        result = x[key]
        if basic and not isinstance(result, type(x)):
            # NumPy answers a single element with a scalar copy; PyTorch's x[0] is a 0-d view that writes reach.
            # An Ellipsis at the end keeps the same element as a 0-d view (`x[0, ...]`).
            result = x[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        elif not basic and not result.flags.c_contiguous:
            # NumPy may lay an advanced index's copy out in another order (x[:, idx] of shape (4, 3, 4) with
            # strides (1, 16, 4)); PyTorch's is row-major, and view() of it must work where PyTorch's does
            result = namespace_of(result).ascontiguousarray(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        return apply_or_forward(IndexAddOp, grad, ctx.key, ctx.shape, not ctx.basic), None, None


class SetItemOp(Op):
    """y = x with y[key] = v.   dy/dx = 1 outside key, 0 inside;  dy/dv = the gradient at key (summed to v's shape)"""

    @staticmethod
    def forward(ctx, x, key, value):
        ctx.key = key
        # an array, not x.copy(): backward runs this on the gradient, and a summed 0-d gradient can be a NumPy
        # scalar, which allows no item assignment
        result = namespace_of(x).array(x, copy=True)
        result[key] = value
        return result

    @staticmethod
    def backward(ctx, grad):
        # The gradient with zeros at key is this very op applied to the gradient (recorded on tensors).
        grad_x = apply_or_forward(SetItemOp, grad, ctx.key, 0.0) if ctx.needs_input_grad[0] else None
        grad_value = grad[ctx.key] if ctx.needs_input_grad[2] else None
        return grad_x, None, grad_value


class GatherOp(Op):
    """y[i][j] = x[index[i][j]][j] (for dim 0; likewise along any dim).   dy/dx: scatter-add the gradient back"""

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.shape, ctx.axis, ctx.index = x.shape, axis, index
        return namespace_of(x).take_along_axis(x[_leading_block(x, index, axis)], index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return scatter_along_axis(grad, ctx.index, ctx.axis, ctx.shape, accumulate=True), None, None


class IndexAddOp(Op):
    """y = zeros(shape) with y[key] += v (positions that key repeats add up).   dy/dv = the gradient at key

    The adjoint of indexing: GetItemOp's and GatherOp's backward is this op, and its backward is indexing, so a
    gradient scattered by it can be differentiated again (create_graph=True).
    """

    @staticmethod
    def forward(ctx, values, key, shape, accumulate):
        ctx.key = key
        xp = namespace_of(values)
        result = xp.zeros(shape, dtype=values.dtype)
        if accumulate:
            _add_at(xp, result, key, values)
        else:  # key selects each position at most once: a plain assignment is faster than add.at
            result[key] = values
        return result

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.key], None, None, None


def scatter_along_axis(values: Any, index: Any, axis: int, shape: tuple, accumulate: bool) -> Any:
    """zeros(shape) with values added at `index` along `axis` (the adjoint of take_along_axis), for
    raw arrays or tensors."""
    xp = namespace_of(index)
    # Index every dim: `index` along `axis`, the position itself (an arange broadcast over the rest) elsewhere.
    full_index = tuple(
        index if d == axis else xp.arange(size).reshape([-1 if k == d else 1 for k in range(index.ndim)])
        for d, size in enumerate(index.shape)
    )
    return apply_or_forward(IndexAddOp, values, full_index, shape, accumulate)


def _leading_block(x: Any, index: Any, axis: int) -> tuple:
    """PyTorch lets index be smaller than x in the other dims: gather reads only that leading block of x."""
    return tuple(slice(None) if d == axis else slice(0, size) for d, size in enumerate(index.shape))


def _add_at(xp: Any, target: Any, key: Any, values: Any) -> None:
    if xp is np:
        np.add.at(target, key, values)
    else:
        xp.add.at(target, key, values)


def normalize_key(name: str, key: Any, shape: tuple) -> tuple[Any, bool]:
    """An indexing key in NumPy's terms, and whether it is basic (no integer arrays or masks)."""
    if not isinstance(key, tuple):
        key = (key,)
    parts = []
    basic = True
    for part in key:
        if is_tensor(part):  # a tensor used as an index
            part = part.array
        elif isinstance(part, list):
            part = np.asarray(part)
        if part is None or part is Ellipsis or isinstance(part, slice):
            if isinstance(part, slice):
                part = slice(_as_int(name, part.start), _as_int(name, part.stop), _as_int(name, part.step))
                if part.step is not None and part.step <= 0:
                    raise ValueError(f"{name}: step must be greater than zero, got {part.step}")
            parts.append(part)
        elif isinstance(part, (bool, np.bool_)):
            parts.append(bool(part))
            basic = False
        elif isinstance(part, (int, np.integer)):
            parts.append(int(part))
        elif hasattr(part, "dtype"):
            kind = part.dtype.kind
            if kind not in "iub":
                raise TypeError(
                    f"{name}: tensors used as indices must be long, int, byte or bool tensors, got {part.dtype}"
                )
            parts.append(part)
            basic = False
        else:
            raise TypeError(f"{name}: cannot index with an object of type {type(part).__name__}")
    return tuple(parts), basic


def _as_int(name: str, value: Any) -> Any:
    if value is None or isinstance(value, int):
        return value
    if is_tensor(value) and value.array.ndim == 0 and value.array.dtype.kind in "iu":
        return int(value.array)
    if isinstance(value, np.integer):
        return int(value)
    raise TypeError(f"{name}: slice indices must be integers or None, got {type(value).__name__}")


def getitem(x: Any, key: Any) -> Any:
    key, basic = normalize_key("index", key, x.array.shape)
    try:
        return GetItemOp.apply(x, key, basic)
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor of shape {tuple(x.array.shape)})") from None


def setitem_result(x: Any, key: Any, value: Any) -> Any:
    """The tensor x would become after x[key] = value (the in-place write is done by Tensor.__setitem__)."""
    key, _ = normalize_key("index assignment", key, x.array.shape)
    if is_tensor(value):
        value = cast(value, x.array.dtype)
        if value.array.ndim and value.array.shape[0] == 1:
            # PyTorch drops the value's leading size-1 dims first (x[()] = v of shape (1,) is allowed), NumPy not
            value = value.reshape(_without_leading_ones(value.array.shape))
    return SetItemOp.apply(x, key, value)


def _without_leading_ones(shape: tuple) -> tuple:
    first = next((k for k, size in enumerate(shape) if size != 1), len(shape))
    return shape[first:]


def gather(x: Any, dim: int, index: Any) -> Any:
    if not is_tensor(index) or index.array.dtype.kind not in "iu":
        dtype = index.array.dtype if is_tensor(index) else type(index).__name__
        raise TypeError(f"gather: index must be an integer (int64) tensor, got {dtype}")
    if index.array.ndim != x.array.ndim:
        raise ValueError(
            f"gather: index {tuple(index.array.shape)} and input {tuple(x.array.shape)} must have the same "
            "number of dimensions"
        )
    axis = normalize_dim("gather", dim, x.array.ndim)
    if x.array.ndim == 0:  # a 0-d input has one element, at index 0 of its dim 0
        return gather(x.reshape(1), 0, index.reshape(1)).reshape(())
    for d, (size_i, size_x) in enumerate(zip(index.array.shape, x.array.shape)):
        if d != axis and size_i > size_x:
            raise ValueError(
                f"gather: index size {size_i} exceeds input size {size_x} in dim {d} "
                f"(index {tuple(index.array.shape)}, input {tuple(x.array.shape)})"
            )
    _check_gather_range(index.array, x.array.shape[axis], axis)
    return GatherOp.apply(x, axis, index)


def _check_gather_range(index: Any, size: int, axis: int) -> None:
    """Every index in [0, size): NumPy would wrap a negative one around, where PyTorch refuses it."""
    if index.size == 0:
        return
    low, high = int(index.min()), int(index.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise IndexError(
            f"gather: index {bad} is out of bounds for dimension {axis} with size {size}; indices must be in "
            f"[0, {size})"
        )
