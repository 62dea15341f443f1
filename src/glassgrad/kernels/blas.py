"""Many small matrix products at once on the kernels' threads: one single-threaded BLAS call per parallel task.

NumPy's matmul over stacked matrices calls BLAS for one matrix after the other. A GPT head's product is small
(64 × 32 by 32 × 64), too small for OpenBLAS to split across its threads, so the whole stack runs on one core
while the other waits: 119 µs for 48 heads. One task per head on the kernels' (TBB) threads: 62 µs (measured,
2 cores).

Tried and left out: a Linear layer's products as tasks (the forward product in row blocks; the backward's
dL/dx = G W and dL/dW = Gᵀ X side by side, each on its own core). Alone they ran 8% faster than OpenBLAS's own
split (3.1 against 3.4 ms for a GPT block's four Linears), but inside a training step the Linears took 1.0 to
1.4 ms more per step (measured in alternating blocks): when a worker wakes late, the calling thread takes its
task too, where OpenBLAS's fixed split waits for it.

The BLAS is NumPy's own: the OpenBLAS bundled in NumPy's wheels (found by `_process_setup.numpy_openblas`) and
called through its C interface (`cblas_sgemm`, 64-bit integers). Inside a task the calling thread is set to one
OpenBLAS thread (`openblas_set_num_threads_local`, an internal function, so only on a checked OpenBLAS version),
so no product starts a pool of its own. Where that cannot be done (another NumPy build or OpenBLAS version, or
Numba missing) `available()` is False, `UNAVAILABLE_BECAUSE` says why (`glassgrad doctor` prints it), and callers
keep NumPy's matmul.

Each task is one row of an int64 table: the two transpose flags, m, n, k, and the address and leading
dimension of A, B and C, for C = op(A) op(B) in row-major order. Operands are read in place through their
strides: a transposed view or a head sliced out of a wider array costs no copy.
"""

from __future__ import annotations

import contextlib
import ctypes
from typing import Iterator

import numpy as np

from .._process_setup import numpy_openblas
from . import _numba
from ._numba import ENABLED, kernel, prange
from .registry import fast_path

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# OpenBLAS runs a product on one thread below this many multiply-adds (m·n·k; its GEMM_MULTITHREAD_THRESHOLD of
# 4 times 65536). A batch of products of at most this size runs one task per product.
SMALL_PRODUCT = 4 * 65536


def _find_openblas() -> tuple[tuple | None, str | None]:
    """((cblas_sgemm, openblas_set_num_threads_local) of NumPy's OpenBLAS, None), or (None, why not)."""
    if not ENABLED:
        return None, "Numba is off"
    blas = numpy_openblas()
    refusal = "NumPy's OpenBLAS was not found" if blas is None else blas.refusal("openblas_set_num_threads_local")
    if refusal is not None:
        return None, refusal
    sgemm = getattr(blas.library, f"{blas.prefix}cblas_sgemm64_", None)  # the 64-bit-integer build NumPy ships
    if sgemm is None:
        return None, f"{blas.path} has no cblas_sgemm with 64-bit integers ({blas.prefix}cblas_sgemm64_)"
    # Addresses travel as 64-bit integers (the same register as a pointer), so the task table can hold them.
    integer = ctypes.c_int64
    sgemm_type = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                                  ctypes.c_float, integer, integer, integer, integer, ctypes.c_float, integer,
                                  integer)  # fmt: skip
    set_local = ctypes.cast(blas.library.openblas_set_num_threads_local, ctypes.c_void_p).value
    sgemm = ctypes.cast(sgemm, ctypes.c_void_p).value
    return (sgemm_type(sgemm), ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(set_local)), None


_openblas, UNAVAILABLE_BECAUSE = _find_openblas()

if _openblas is not None:

    @kernel
    def _run(sgemm, set_local_threads, tasks):  # pragma: no cover - compiled
        """Every row of `tasks` as one single-threaded sgemm. The BLAS functions come in as arguments, not
        globals, so the compiled kernel can be cached on disk."""
        for task in prange(tasks.shape[0]):
            set_local_threads(1)
            t = tasks[task]
            sgemm(_ROW_MAJOR, t[0], t[1], t[2], t[3], t[4], np.float32(1.0), t[5], t[6], t[7], t[8],
                  np.float32(0.0), t[9], t[10])  # fmt: skip


    @kernel
    def _summed(sgemm, set_local_threads, a, b, out, blocks):  # pragma: no cover - compiled
        """out = Σ_t a[t] @ b[t]ᵀ with a (T, M, K), b (T, N, K), out (M, N), all C order: the rows of out split
        into `blocks` tasks, each summing its rows over the steps (beta 1 after the first), so no two tasks
        write the same row."""
        steps, rows, inner = a.shape
        columns = b.shape[1]
        for block in prange(blocks):
            set_local_threads(1)
            r0, r1 = rows * block // blocks, rows * (block + 1) // blocks
            for t in range(steps):
                sgemm(_ROW_MAJOR, _NO_TRANS, _TRANS, r1 - r0, columns, inner, np.float32(1.0),
                      a[t].ctypes.data + r0 * inner * 4, inner, b[t].ctypes.data, inner,
                      np.float32(0.0 if t == 0 else 1.0), out.ctypes.data + r0 * columns * 4, columns)  # fmt: skip


def available() -> bool:
    """True when the products here can run (Numba present, NumPy's OpenBLAS found, kernels not switched off)."""
    return _openblas is not None and _numba.ENABLED  # ENABLED read at call time: tests switch kernels off


def run(tasks: np.ndarray) -> None:
    """Run the products in an (n, 11) int64 task table in parallel; the caller's OpenBLAS setting is kept.

    The table holds raw addresses, which nothing here can check: build it only with `batched_matmul` or
    `stacked_matmul`, which check their operands (and so every address and size they write) first.
    """
    if type(tasks) is not np.ndarray or tasks.dtype != np.int64 or tasks.ndim != 2 or tasks.shape[1] != 11:
        raise TypeError(f"kernels.blas.run: tasks must be an (n, 11) int64 table, but got {_describe(tasks)}")
    if not tasks.flags.c_contiguous:
        tasks = np.ascontiguousarray(tasks)
    with one_blas_thread_here() as (sgemm, set_local_threads):
        _run(sgemm, set_local_threads, tasks)


@contextlib.contextmanager
def one_blas_thread_here() -> Iterator[tuple]:
    """Yield (cblas_sgemm, openblas_set_num_threads_local) for a kernel that calls BLAS from its parallel tasks
    (here and kernels/recurrence.py); the calling thread runs tasks too, so it is set to one OpenBLAS thread
    for the while and gets its own setting back after. `available()` must hold."""
    sgemm, set_local_threads = _openblas
    previous = set_local_threads(1)
    try:
        yield sgemm, set_local_threads
    finally:
        set_local_threads(previous)


def _describe(x: object) -> str:
    return f"{type(x).__name__} {getattr(x, 'shape', '')} {getattr(x, 'dtype', '')}"


def _layout(x: np.ndarray) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) under which BLAS reads the matrices x[..., :, :] in place, or None."""
    rows, columns = x.shape[-2:]
    row_step, column_step = x.strides[-2] // 4, x.strides[-1] // 4
    if x.strides[-1] == 4 and x.strides[-2] % 4 == 0 and row_step >= max(1, columns):
        return _NO_TRANS, row_step  # rows are contiguous: read as stored
    if x.strides[-2] == 4 and x.strides[-1] % 4 == 0 and column_step >= max(1, rows):
        return _TRANS, column_step  # columns are contiguous: the stored matrix is xᵀ, read it transposed
    return None


def _is_float32(*arrays: np.ndarray) -> bool:
    return all(type(x) is np.ndarray and x.dtype == np.float32 for x in arrays)


def _writable_rows(out: np.ndarray) -> bool:
    return (
        out.flags.writeable and out.strides[-1] == 4 and out.strides[-2] % 4 == 0
        and out.strides[-2] >= 4 * out.shape[-1]
    )


def _refusal(kernel: str, check: str, *operands: np.ndarray) -> str:
    described = ", ".join(
        f"{name} {getattr(x, 'shape', type(x).__name__)} {getattr(x, 'dtype', '')} strides {getattr(x, 'strides', '')}"
        for name, x in zip(("a", "b", "out"), operands)
    )
    return (
        f"kernels.blas.{kernel}: the operands do not fit ({described}): they must be float32 NumPy arrays "
        f"whose shapes multiply, each matrix readable in place, `out` writeable with contiguous rows (and "
        f"`available()`). Call {check}(a, b, out) first and use np.matmul when it is False."
    )


# ---- many small products: attention's heads (the fast path of functional.attention.heads_matmul) ----------
def fits_batched(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """True when `batched_matmul(a, b, out)` can run here: float32 NumPy 4-D arrays with the same two leading
    dims, small products, each matrix readable by BLAS in place, and `out`'s rows contiguous."""
    return (
        available()
        and _is_float32(a, b, out)
        and a.ndim == b.ndim == out.ndim == 4
        and a.shape[:2] == b.shape[:2] == out.shape[:2]
        and a.shape[3] == b.shape[2]
        and out.shape[2:] == (a.shape[2], b.shape[3])
        and 0 < a.shape[2] * b.shape[3] * a.shape[3] < SMALL_PRODUCT
        and _writable_rows(out)
        and _layout(a) is not None
        and _layout(b) is not None
    )


def batched_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[i, j] = a[i, j] @ b[i, j] for every i, j, one task each; `fits_batched(a, b, out)` must hold."""
    if not fits_batched(a, b, out):  # BLAS reads and writes through raw addresses: check it all first
        raise ValueError(_refusal("batched_matmul", "fits_batched", a, b, out))
    return _heads_matmul(a, b, out)


def _small_heads() -> tuple:
    """(2, 3, 7, 5) @ (2, 3, 5, 6) into a (2, 3, 7, 6) view of a (2, 7, 3, 6) array, b read transposed."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 7, 5)).astype(np.float32)
    b = rng.standard_normal((2, 3, 6, 5)).astype(np.float32).transpose(0, 1, 3, 2)
    return a, b, np.zeros((2, 7, 3, 6), np.float32).transpose(0, 2, 1, 3)


@fast_path("heads_matmul", when=fits_batched, example=_small_heads)
def _heads_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`batched_matmul` once `fits_batched(a, b, out)` holds (the seam checked it: registry.py runs `when`)."""
    (trans_a, lda), (trans_b, ldb) = _layout(a), _layout(b)
    outer, heads, m, k = a.shape
    count = outer * heads
    tasks = np.empty((count, 11), dtype=np.int64)
    tasks[:, :7] = (trans_a, trans_b, m, b.shape[3], k, 0, lda)
    tasks[:, 8] = ldb
    tasks[:, 10] = out.strides[2] // 4
    for column, x in ((5, a), (7, b), (9, out)):  # the address of every matrix: base + i·stride₀ + j·stride₁
        offsets = np.add.outer(np.arange(outer) * x.strides[0], np.arange(heads) * x.strides[1]).reshape(-1)
        tasks[:, column] = x.ctypes.data + offsets
    run(tasks)
    return out


# ---- the same weight against every time step: a recurrent layer's input gradient --------------------------
def fits_stacked(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """True when `stacked_matmul(a, b, out)` can run: a 2-D float32 `a` shared by every step, `b` and `out`
    3-D (steps, ·, ·), each matrix readable by BLAS in place."""
    return (
        available()
        and _is_float32(a, b, out)
        and a.ndim == 2
        and b.ndim == out.ndim == 3
        and b.shape[0] == out.shape[0] > 0
        and a.shape[1] == b.shape[1]
        and out.shape[1:] == (a.shape[0], b.shape[2])
        and a.size > 0
        and b.size > 0
        and _writable_rows(out)
        and _layout(a) is not None
        and _layout(b) is not None
    )


def _stacked_example() -> tuple:
    """W_ihᵀ (a transposed view, as the recurrent layers pass it) against 5 steps of (8, 3)."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((8, 4)).astype(np.float32)
    steps = rng.standard_normal((5, 8, 3)).astype(np.float32)
    return weight.T, steps, np.empty((5, 4, 3), np.float32)


@fast_path("stacked_matmul", when=fits_stacked, example=_stacked_example)  # reference: functional/recurrent_fused.py
def stacked_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[t] = a @ b[t] for every step t, one task each; `fits_stacked(a, b, out)` must hold.

    NumPy runs `matmul(a, b)` for a 2-D `a` and a 3-D `b` one step after the other, each product split over
    OpenBLAS's threads. For the LSTM benchmark's layer at 2 threads: the input gradient (W_ihᵀ, 64 × 1024,
    against 64 steps of 1024 × 32) took 3.1 ms in NumPy and 1.9 ms as tasks here; the input projection (1024 × 64
    against 64 steps of 64 × 32) 3.4 against 2.0 ms (at 1 thread both 3.4 ms).
    """
    if not fits_stacked(a, b, out):
        raise ValueError(_refusal("stacked_matmul", "fits_stacked", a, b, out))
    (trans_a, lda), (trans_b, ldb) = _layout(a), _layout(b[0])
    steps = b.shape[0]
    tasks = np.empty((steps, 11), dtype=np.int64)
    tasks[:] = (trans_a, trans_b, a.shape[0], b.shape[2], a.shape[1], a.ctypes.data, lda, 0, ldb, 0,
                out.strides[1] // 4)  # fmt: skip
    tasks[:, 7] = b.ctypes.data + np.arange(steps) * b.strides[0]
    tasks[:, 9] = out.ctypes.data + np.arange(steps) * out.strides[0]
    run(tasks)
    return out


# ---- a product summed over time steps: a recurrent layer's weight gradients -----------------------------------
def fits_summed(a: np.ndarray, b: np.ndarray) -> bool:
    """True when `summed_products(a, b)` can run: float32 C-order (T, M, K) and (T, N, K), nothing empty."""
    return (
        available() and _numba.fits(a, b) and a.ndim == b.ndim == 3 and a.shape[0] == b.shape[0]
        and a.shape[2] == b.shape[2] and a.size > 0 and b.size > 0
    )


def _summed_example() -> tuple:
    """5 steps of gate gradients (12, 3) against states (4, 3): a weight gradient of 12 × 4."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((5, 12, 3)).astype(np.float32), rng.standard_normal((5, 4, 3)).astype(np.float32)


@fast_path("summed_products", when=fits_summed, example=_summed_example)  # reference: functional/recurrent_fused.py
def summed_products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ_t a[t] @ b[t]ᵀ, (T, M, K) and (T, N, K) → (M, N), in row blocks, one task per kernel thread; `fits_summed`
    must hold.

    The reference copies both into (·, T·K) and runs one product; the copies of the LSTM benchmark's gate
    gradients (64 × 1024 × 32 floats, 8 MB) cost as much as a third of it. Summed step by step in place, dW_hh and
    dW_ih together took 17.0 against 18.9 ms on one thread and 8.4 against 12.0 ms on two.
    """
    if not fits_summed(a, b):
        raise ValueError(_refusal("summed_products", "fits_summed", a, b))
    out = np.empty((a.shape[1], b.shape[1]), np.float32)
    blocks = max(1, min(_numba.threads() or 1, a.shape[1]))
    with one_blas_thread_here() as (sgemm, set_local_threads):
        _summed(sgemm, set_local_threads, a, b, out, blocks)
    return out
