"""Reusable big arrays for the fused recurrent ops, so a training loop stops paying for fresh memory.

Why: a fused LSTM layer of batch 32 × 64 steps × 256 units allocates about 40 MB of activations and gradient
buffers per training step. glibc gives large freed blocks back to the kernel, so the next step's blocks are
new pages again, and each 4 KB page costs a page fault and zeroing: measured, 6,700 faults and 16 ms of system
time per step, against about 1 ms for PyTorch's LSTM (a fifth of our step).

How: `empty(shape, dtype)` hands out an array from a per-thread pool when one of that shape and dtype is free,
else a new one that joins the pool. An array is free when nothing but the pool refers to it (its reference count
says so): the ops' saved activations become free once the graph is freed after backward, and are still held
(not free) under retain_graph=True, by a user, or through any view (a view keeps its base alive). NumPy only:
CuPy has its own memory pool.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

MAX_POOL_BYTES = 256 * 2**20  # to stay under it, free arrays are dropped (oldest first) or new ones not pooled


def _count(array: Any) -> int:
    return sys.getrefcount(array)


def _unused_count() -> int:
    """The reference count `_count` sees for a pooled array nobody else holds (calibrated, not assumed, since
    CPython versions count the references of a frame differently)."""
    probe = [np.empty(0)]
    for array in probe:
        return _count(array)
    raise AssertionError("unreachable: the probe list has one element")


UNUSED = _unused_count()


class ArrayPool:
    """Arrays by (shape, dtype), each either in use (referenced elsewhere) or free for the next `empty`."""

    def __init__(self) -> None:
        self.arrays: dict[tuple, list[np.ndarray]] = {}
        self.nbytes = 0

    def empty(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        key = (tuple(shape), np.dtype(dtype))
        arrays = self.arrays.setdefault(key, [])
        for array in arrays:
            if _count(array) <= UNUSED:
                return array
        array = np.empty(shape, dtype)
        self._make_room(array.nbytes)
        if self.nbytes + array.nbytes <= MAX_POOL_BYTES:  # else it stays a plain array, freed as usual
            arrays.append(array)
            self.nbytes += array.nbytes
        return array

    def _make_room(self, nbytes: int) -> None:
        """Drop free arrays until `nbytes` more fit under MAX_POOL_BYTES."""
        for key in list(self.arrays):
            if self.nbytes + nbytes <= MAX_POOL_BYTES:
                return
            kept = []
            for array in self.arrays[key]:
                if _count(array) <= UNUSED:
                    self.nbytes -= array.nbytes
                else:
                    kept.append(array)
            self.arrays[key] = kept


_local = threading.local()


def empty(xp: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """An uninitialised array like `xp.empty(shape, dtype)`, reused from this thread's pool on NumPy."""
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = ArrayPool()
    return pool.empty(shape, dtype)
