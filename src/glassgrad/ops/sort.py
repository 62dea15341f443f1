"""Sorting: sort, argsort and topk, built on gather (no Op of their own).

The order is found on the raw array (indices are integers: nothing to differentiate), and the values are
`gather(x, dim, indices)`:

    values = x[..., order[i], ...]       d values/dx: the gradient scattered back to the chosen positions

which is gather's backward (and its double backward), so the gradient needs no code here.

The order is NumPy's stable sort, so ties keep their original order and results are deterministic (PyTorch's
`stable=True`; with `stable=False` PyTorch may order ties either way, so this is one of its valid answers).
NaN counts as larger than every number, as in PyTorch: last in ascending order, first in descending order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor_factory import make_tensor
from ..backend import namespace_of
from .dims import normalize_dim
from .index import gather
from .reduce import ValuesIndices


def stable_order(array: Any, axis: int, descending: bool) -> Any:
    """The int64 indices that sort `array` along `axis`, ties in their original order.

    Descending: sort the reversed array ascending (ties then come out last-first) and reverse the result
    (first-first again), mapping each index i of the reversed array back to n − 1 − i. Unlike sorting −x, this
    works for bool and unsigned dtypes and puts NaN (last when ascending) first.
    """
    xp = namespace_of(array)
    if array.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    if not descending:
        return xp.argsort(array, axis=axis, kind="stable").astype(np.int64, copy=False)
    reversed_order = xp.argsort(xp.flip(array, axis), axis=axis, kind="stable")
    return (array.shape[axis] - 1 - xp.flip(reversed_order, axis)).astype(np.int64, copy=False)


def _check_flag(name: str, label: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: {label} must be a bool, got {type(value).__name__} {value!r}")


def argsort(x: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The indices that sort x along dim (an int64 tensor, not differentiable)."""
    axis = normalize_dim("argsort", dim, x.array.ndim)
    _check_flag("argsort", "descending", descending)
    _check_flag("argsort", "stable", stable)
    return make_tensor(stable_order(x.array, axis, bool(descending)))


def sort(x: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """(values, indices) of x sorted along dim; values are differentiable (gather of x at indices)."""
    axis = normalize_dim("sort", dim, x.array.ndim)
    _check_flag("sort", "descending", descending)
    _check_flag("sort", "stable", stable)
    indices = make_tensor(stable_order(x.array, axis, bool(descending)))
    return ValuesIndices(gather(x, axis, indices), indices)


def topk(x: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """(values, indices) of the k largest (or, with largest=False, smallest) elements of x along dim.

    The values are always sorted (largest first, or smallest first): PyTorch leaves the order unspecified with
    sorted=False, so sorted order is one of its valid answers.
    """
    axis = normalize_dim("topk", dim, x.array.ndim)
    _check_flag("topk", "largest", largest)
    _check_flag("topk", "sorted", sorted)
    size = x.array.shape[axis] if x.array.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__} {k!r}")
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk: selected index k out of range: k = {k}, but dim {axis} of the input of shape "
            f"{tuple(x.array.shape)} has {size} elements; choose 0 <= k <= {size}"
        )
    order = stable_order(x.array, axis, bool(largest))
    if x.array.ndim:
        order = order[(slice(None),) * axis + (slice(0, int(k)),)]  # the first k along axis
    indices = make_tensor(order)
    return ValuesIndices(gather(x, axis, indices), indices)
