"""Dim arguments as PyTorch reads them: an int or a tuple of ints, negative counting from the end.

Shared by the ops that take a `dim` (reduce, softmax, shape, index) and by `Tensor.size(dim)`, so that each
refuses a bad dim with PyTorch's IndexError and the same message.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def normalize_dims(name: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """A tuple of non-negative axes; None means every axis. Out-of-range dims raise IndexError as PyTorch."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if _is_index(dim) else _as_tuple(name, dim)
    result = []
    for d in dims:
        d = _as_index(name, d)
        low, high = (-ndim, ndim - 1) if ndim else (-1, 0)  # a 0-d tensor accepts dim 0 (or -1), as PyTorch
        if not low <= d <= high:
            raise IndexError(
                f"{name}: dimension out of range (expected to be in range of [{low}, {high}], but got {d})"
            )
        result.append(d % max(ndim, 1))
    return tuple(result)


def normalize_dim(name: str, dim: Any, ndim: int) -> int:
    """The one axis of an op that takes a single int dim (max(dim), argmax, prod, softmax, split, gather)."""
    if not _is_index(dim):
        raise TypeError(f"{name}: dim must be a single int, got {type(dim).__name__} {dim!r}")
    return normalize_dims(name, dim, ndim)[0]


def _is_index(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _as_index(name: str, d: Any) -> int:
    if not _is_index(d):
        raise TypeError(f"{name}: dim must be an int or a tuple of ints, got {type(d).__name__} {d!r}")
    return int(d)


def _as_tuple(name: str, dim: Any) -> tuple:
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}: dim must be an int or a tuple of ints, got {type(dim).__name__} {dim!r}")
    return tuple(dim)
