"""where(mask, a, b) in one parallel pass: the fast path of the masking backwards' selection (`ops._where.where`,
used by relu, clamp, hardtanh, leaky_relu, threshold, maximum, max pool, ...).

NumPy's `where` branches per element: on the random sign pattern of activations it runs 5-9x slower than the
multiply by a 0/1 mask it replaces (about 4.3 against 0.5 ms on 2²⁰ float32 elements, one core). Here the select
compiles to a SIMD blend, as fast as the multiply. It moves bits and computes nothing, so a NaN or inf in the
chosen branch arrives unchanged (fastmath cannot touch it).

It takes float32 C-order NumPy arrays of the mask's shape (either branch may be a number instead) and a C-order
bool NumPy mask, of at least _MIN_SIZE elements; anything else (float64, broadcasting, CuPy, Tensors under
create_graph, Numba absent, small arrays) runs the reference, the array namespace's `where`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import ENABLED, fits, kernel, prange
from .registry import fast_path

# Below this, NumPy's where (2-5 us up to 2048 elements) is done before the kernel has started (about 7 us a launch,
# measured on 2 cores); at 8192 elements the kernel is ahead (7.7 against 9.1 us), at 32768 by 4x.
_MIN_SIZE = 4096

if ENABLED:

    @kernel
    def _where(mask, a, b, out):  # pragma: no cover - compiled
        for i in prange(mask.shape[0]):
            out[i] = a[i] if mask[i] else b[i]

    @kernel
    def _where_else_number(mask, a, b, out):  # pragma: no cover - compiled
        for i in prange(mask.shape[0]):
            out[i] = a[i] if mask[i] else b

    @kernel
    def _where_number_else(mask, a, b, out):  # pragma: no cover - compiled
        for i in prange(mask.shape[0]):
            out[i] = a if mask[i] else b[i]


def _arrays(a: Any, b: Any) -> list:
    # An array is anything with a shape: a NumPy scalar (np.float64 is also a float) counts as a 0-d array.
    return [value for value in (a, b) if hasattr(value, "shape")]


def _fits(mask: Any, a: Any, b: Any) -> bool:
    """A C-order bool NumPy mask of at least _MIN_SIZE elements, and float32 C-order arrays of its shape."""
    # The mask first: most calls that miss (small, CuPy, Tensors) leave at the first test, at little cost.
    if type(mask) is not np.ndarray or mask.size < _MIN_SIZE or mask.dtype != np.bool_ or not mask.flags.c_contiguous:
        return False
    arrays = _arrays(a, b)
    return len(arrays) > 0 and fits(*arrays) and all(array.shape == mask.shape for array in arrays)


def _example() -> tuple:
    rng = np.random.default_rng(0)
    mask = rng.random((67, 67)) > 0.5
    return mask, rng.standard_normal(mask.shape).astype(np.float32), 0


@fast_path("where", when=_fits, example=_example)
def where_float32(mask: np.ndarray, a: Any, b: Any) -> np.ndarray:
    """a where mask, else b: float32 arrays of the mask's shape, or one of them a number."""
    arrays = _arrays(a, b)
    out = np.empty_like(arrays[0])
    flat = [value.reshape(-1) if isinstance(value, np.ndarray) else np.float32(value) for value in (mask, a, b)]
    if len(arrays) == 2:
        _where(*flat, out.reshape(-1))
    elif not hasattr(b, "shape"):
        _where_else_number(*flat, out.reshape(-1))
    else:
        _where_number_else(*flat, out.reshape(-1))
    return out
