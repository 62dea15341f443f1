"""Many small matrix products at once, one per parallel task: C[b, h] = A[b, h] @ B[b, h] (attention's heads).

Why: NumPy's matmul on stacked matrices calls BLAS once per matrix, one after the other. A head's product is
small (64 × 32 by 32 × 64 in the GPT example), too small for OpenBLAS to split across threads, so the whole
stack runs on one core while the other waits: 119 µs for 48 heads, measured. Here a parallel loop hands each
matrix to a core, and each core calls the same OpenBLAS `sgemm` that NumPy uses, on that one matrix: 62 µs.

The BLAS is NumPy's own (the OpenBLAS bundled in NumPy's wheels, found next to `numpy` and called through its
C interface); where it cannot be found (another NumPy build), `available()` is False and callers keep NumPy's
matmul. Each product here is one BLAS call with a transpose flag and a leading dimension, so operands are read
in place through their strides: a transposed view (Kᵀ) or a head sliced out of a wider array costs no copy.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from . import _numba
from ._numba import ENABLED, kernel, prange

# OpenBLAS runs a product on one thread below this many multiply-adds (m·n·k; its GEMM_MULTITHREAD_THRESHOLD of
# 4 times 65536). Larger products go to NumPy, whose one call then uses OpenBLAS's threads.
SMALL_PRODUCT = 4 * 65536

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _find_sgemm() -> ctypes._CFuncPtr | None:
    """cblas_sgemm of the OpenBLAS inside NumPy's wheel (64-bit integers), or None."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for library in sorted(folder.glob("libscipy_openblas64_*.so*")):
        try:
            handle = ctypes.CDLL(str(library))
            address = ctypes.cast(handle.scipy_cblas_sgemm64_, ctypes.c_void_p).value
        except (OSError, AttributeError):
            continue
        integer, pointer, real, enum = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_int
        prototype = ctypes.CFUNCTYPE(None, enum, enum, enum, integer, integer, integer, real, pointer, integer,
                                     pointer, integer, real, pointer, integer)  # fmt: skip
        return prototype(address)
    return None


_sgemm = _find_sgemm() if ENABLED else None

if _sgemm is not None:

    @kernel
    def _batched(sgemm, a, b, c, trans_a, lda, trans_b, ldb, rows, columns, inner):  # pragma: no cover - compiled
        """c[i, j] = op(a[i, j]) @ op(b[i, j]) for 4-D arrays; op transposes where the flag says. `sgemm` comes
        in as an argument, not a global, so the compiled kernel can be cached on disk."""
        outer, heads = c.shape[0], c.shape[1]
        ldc = c.strides[2] // 4
        for task in prange(outer * heads):
            i, j = task // heads, task % heads
            sgemm(_ROW_MAJOR, trans_a, trans_b, rows, columns, inner, np.float32(1.0),
                  a[i, j].ctypes.data, lda, b[i, j].ctypes.data, ldb, np.float32(0.0), c[i, j].ctypes.data, ldc)


def available() -> bool:
    """True when this module can run (Numba present and NumPy's OpenBLAS found)."""
    return _sgemm is not None


def _blas_layout(x: np.ndarray) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) under which BLAS reads each matrix x[i, j] in place, or None."""
    row_step, column_step = x.strides[2] // 4, x.strides[3] // 4
    if x.strides[3] == 4 and x.strides[2] % 4 == 0 and row_step >= max(1, x.shape[3]):
        return _NO_TRANS, row_step  # rows are contiguous: read as stored
    if x.strides[2] == 4 and x.strides[3] % 4 == 0 and column_step >= max(1, x.shape[2]):
        return _TRANS, column_step  # columns are contiguous: the stored matrix is xᵀ, read it transposed
    return None


def fits(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """True when `matmul(a, b, out)` can run here: float32 NumPy 4-D arrays with the same two leading dims,
    small products, each matrix readable by BLAS in place, and `out`'s rows contiguous."""
    return (
        _sgemm is not None
        and _numba.ENABLED  # read at call time: tests switch the kernels off through it
        and all(type(x) is np.ndarray and x.dtype == np.float32 and x.ndim == 4 for x in (a, b, out))
        and a.shape[:2] == b.shape[:2] == out.shape[:2]
        and a.shape[3] == b.shape[2]
        and out.shape[2:] == (a.shape[2], b.shape[3])
        and 0 < a.shape[2] * b.shape[3] * a.shape[3] < SMALL_PRODUCT
        and out.strides[3] == 4
        and out.strides[2] % 4 == 0
        and out.strides[2] >= 4 * out.shape[3]
        and _blas_layout(a) is not None
        and _blas_layout(b) is not None
    )


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[i, j] = a[i, j] @ b[i, j] for every i, j, in parallel; `fits(a, b, out)` must hold. Returns out."""
    (trans_a, lda), (trans_b, ldb) = _blas_layout(a), _blas_layout(b)
    _batched(_sgemm, a, b, out, trans_a, lda, trans_b, ldb, a.shape[2], b.shape[3], a.shape[3])
    return out
