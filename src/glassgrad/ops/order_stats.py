"""Statistics of order and counting, as in torch: median, kthvalue, mode, nansum, nanmean, std_mean, var_mean,
count_nonzero, nonzero/argwhere, bincount, unique, searchsorted, bucketize.

median, kthvalue and mode pick an entry (their values are a gather, differentiable through it); nansum and nanmean are
sums of `where`; the rest answer integers or positions, outside the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import CPU, device_of, move, namespace_of
from . import arithmetic, reduce, select
from . import index as index_ops
from .dims import normalize_dim
from .reduce import ValuesIndices, check_keepdim, reduction_axes
from .unary import tensor_input


def _host(array: Any) -> np.ndarray:
    """The array on the cpu: mode, unique and searchsorted are NumPy's (a copy back from a GPU)."""
    return move(array, CPU)


def _like(result: np.ndarray, array: Any) -> Any:
    """A constant tensor of a NumPy result, on the device of `array`."""
    return make_tensor(move(np.asarray(result), device_of(array)))


def _ranked(
    name: str, input: Any, rank_of_length: Any, dim: int, keepdim: bool, nan_wins: bool = False
) -> ValuesIndices:
    """The entry of rank `rank_of_length(n)` (0 = smallest) along dim and its index; a NaN in the slice is
    ranked last by NumPy's sort, as by PyTorch's. Equal values keep their order (a stable sort). `nan_wins`
    (median): a slice holding a NaN answers its first NaN."""
    tensor_input(name, input)
    check_keepdim(name, keepdim)
    x = input.array
    axis = normalize_dim(name, dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(input * 1, make_tensor(np.zeros((), dtype=np.int64)))
    length = x.shape[axis]
    rank = rank_of_length(length)
    if not 0 <= rank < length:
        raise IndexError(f"{name}: the rank asked for is out of range for dim {axis} of size {length} "
                         f"(input {tuple(x.shape)})")
    xp = namespace_of(x)
    order = xp.argsort(x, axis=axis, kind="stable")
    index = xp.take(order, [rank], axis=axis).astype(np.int64)
    if nan_wins and x.dtype.kind == "f":
        nan = xp.isnan(x)
        index = xp.where(nan.any(axis=axis, keepdims=True), nan.argmax(axis=axis, keepdims=True), index)
    values = index_ops.gather(input, axis, make_tensor(index))
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return ValuesIndices(values, make_tensor(index))


def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median ((n−1)//2-th smallest); NaN if the slice holds one. No dim: a 0-d tensor of all entries,
    whose gradient PyTorch spreads evenly over the entries equal to it; with dim: (values, indices)."""
    if dim is not None:
        return _ranked("median", input, lambda n: (n - 1) // 2 if n else -1, dim, keepdim, nan_wins=True)
    tensor_input("median", input)
    x = input.array
    xp = namespace_of(x)
    if x.size == 0:
        return make_tensor(xp.asarray(np.nan, dtype=x.dtype))
    flat = x.reshape(-1)
    value = xp.sort(flat)[(flat.size - 1) // 2]
    if x.dtype.kind != "f":
        return make_tensor(xp.asarray(value))
    nan = bool(xp.isnan(flat).any())  # a NaN anywhere is the answer
    chosen = make_tensor(xp.isnan(x) if nan else x == value)
    count = float(chosen.array.sum())
    picked = select.where(chosen, input, 0.0)
    if nan or not np.isfinite(value):  # k copies of ±inf (or NaN) sum and divide back exactly
        return picked.sum() / count
    # The value itself plus a term that is exactly 0 but has gradient chosen / count: PyTorch's even split
    # (the mean of the k equal entries could round away from the value).
    zero = arithmetic.sub(picked, make_tensor(picked.array)).sum() / count
    return arithmetic.add(zero, make_tensor(xp.asarray(value, dtype=x.dtype)))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The k-th smallest entry (k from 1) along dim and its index."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"kthvalue: k must be an int, got {type(k).__name__} {k!r}")
    return _ranked("kthvalue", input, lambda n: int(k) - 1, dim, keepdim)


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along dim (the smallest of those tied) and the last index where it occurs,
    as PyTorch on cpu. Its gradient goes to that index."""
    tensor_input("mode", input)
    check_keepdim("mode", keepdim)
    x = input.array
    axis = normalize_dim("mode", dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(input * 1, make_tensor(np.zeros((), dtype=np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"mode: dim {axis} of input {tuple(x.shape)} is empty; a mode needs one value")
    moved = np.moveaxis(_host(x), axis, -1)
    rows = moved.reshape(-1, x.shape[axis])
    last = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):  # one np.unique per slice: modes are asked of few, short slices
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]  # argmax takes the first, so the smallest, of the tied counts
        last[r] = row.size - 1 - int(np.argmax(row[::-1] == value))
    index = _like(np.moveaxis(last.reshape(moved.shape[:-1] + (1,)), -1, axis), x)
    values = index_ops.gather(input, axis, index)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return ValuesIndices(values, index)


def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Σ over dim with NaNs counted as 0 (their gradient is 0)."""
    tensor_input("nansum", input)
    if input.array.dtype.kind != "f":
        return reduce.reduce_sum(input, dim, keepdim, dtype)
    cleaned = select.where(make_tensor(namespace_of(input.array).isnan(input.array)), 0.0, input)
    return reduce.reduce_sum(cleaned, dim, keepdim, dtype)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """The mean of the non-NaN entries over dim (NaN where every entry is NaN)."""
    tensor_input("nanmean", input)
    if input.array.dtype.kind != "f":
        raise TypeError(f"nanmean: input dtype must be floating point, got {input.array.dtype}")
    present = make_tensor(~namespace_of(input.array).isnan(input.array))
    count = reduce.reduce_sum(present, dim, keepdim)
    return arithmetic.div(nansum(input, dim, keepdim, dtype=dtype), count.to(input.dtype))


def std_mean(input: Any, dim: Any = None, *, correction: float = 1, keepdim: bool = False,
             unbiased: bool | None = None) -> tuple:
    return reduce.std(input, dim, correction, keepdim, unbiased), reduce.mean(input, dim, keepdim)


def var_mean(input: Any, dim: Any = None, *, correction: float = 1, keepdim: bool = False,
             unbiased: bool | None = None) -> tuple:
    return reduce.var(input, dim, correction, keepdim, unbiased), reduce.mean(input, dim, keepdim)


def count_nonzero(input: Any, dim: Any = None) -> Any:
    """How many elements are nonzero (along `dim` if given); int64."""
    tensor_input("count_nonzero", input)
    axes = reduction_axes("count_nonzero", dim, input.array.ndim)
    counts = namespace_of(input.array).count_nonzero(input.array, axis=axes)
    return make_tensor(namespace_of(input.array).asarray(counts, dtype=np.int64))


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The positions of the non-zero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    tensor_input("nonzero", input)
    x = input.array
    xp = namespace_of(x)
    if x.ndim == 0:  # as PyTorch: a 0-d tensor is seen as one element (as_tuple) or gives no columns
        found = int(bool(x))
        if as_tuple:
            return (make_tensor(xp.zeros(found, dtype=np.int64)),)
        return make_tensor(xp.zeros((found, 0), dtype=np.int64))
    positions = tuple(p.astype(np.int64) for p in xp.nonzero(x))
    if as_tuple:
        return tuple(make_tensor(p) for p in positions)
    return make_tensor(xp.stack(positions, axis=1).reshape(-1, x.ndim))


def argwhere(input: Any) -> Any:
    """The indices of the nonzero elements, one row per element: shape (count, ndim), int64."""
    return nonzero(input)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Any:
    """How often each value 0..max occurs in a 1-D non-negative integer tensor (or the sum of their weights)."""
    tensor_input("bincount", input)
    x = input.array
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise RuntimeError(f"bincount: input must be a 1-D integer tensor, got {x.dtype} of shape {x.shape}")
    if x.size and int(x.min()) < 0:
        raise RuntimeError("bincount: input must hold non-negative integers")
    xp = namespace_of(x)
    if weights is None:
        return make_tensor(xp.bincount(x, minlength=minlength).astype(np.int64))
    w = weights.array if is_tensor(weights) else xp.asarray(weights)
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights {w.shape} must have input's shape {x.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return make_tensor(xp.bincount(x, weights=w, minlength=minlength).astype(dtype))


def unique(input: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct values, sorted (also with sorted=False, as PyTorch on cpu); with dim, the distinct slices."""
    tensor_input("unique", input)
    x = input.array
    axis = None if dim is None else normalize_dim("unique", dim, x.ndim)
    values, inverse, counts = np.unique(_host(x), return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (-1,)).astype(np.int64)
    result = [_like(values, x)]
    if return_inverse:
        result.append(_like(inverse, x))
    if return_counts:
        result.append(_like(counts.astype(np.int64), x))
    return result[0] if len(result) == 1 else tuple(result)


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Any = None) -> Any:
    """Where each value of input would be inserted into the sorted last dim of sorted_sequence to keep it sorted:
    before equal entries (side='left'), or after them (right=True or side='right')."""
    tensor_input("searchsorted", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' contradicts right=True")
        right = side == "right"
    sequence = _host(sorted_sequence.array)
    if sorter is not None:
        sequence = np.take_along_axis(sequence, _host(sorter.array), axis=-1)
    values = _host(input.array) if is_tensor(input) else np.asarray(input)
    which = "right" if right else "left"
    dtype = np.int32 if out_int32 else np.int64
    if sequence.ndim == 1:
        found = np.searchsorted(sequence, values, side=which)
    else:
        if values.shape[:-1] != sequence.shape[:-1]:
            raise RuntimeError(
                f"searchsorted: the leading dims of sorted_sequence {sequence.shape} and input {values.shape} "
                "must match (or sorted_sequence must be 1-D)"
            )
        rows = sequence.reshape(-1, sequence.shape[-1])
        queries = values.reshape(rows.shape[0], -1)
        found = np.stack([np.searchsorted(r, q, side=which) for r, q in zip(rows, queries)]).reshape(values.shape)
    return _like(np.asarray(found, dtype=dtype), sorted_sequence.array)


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Any:
    """The bucket of each value: i with boundaries[i−1] < x ≤ boundaries[i] (right=True: boundaries[i−1] ≤ x <
    boundaries[i])."""
    tensor_input("bucketize", boundaries)
    if boundaries.array.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {tuple(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
