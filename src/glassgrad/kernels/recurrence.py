"""What the compiled recurrences share (kernels/lstm.py, gru.py, rnn.py): a whole layer and direction over
all time steps as one compiled loop, the recurrent products called from inside it.

A recurrent layer is sequential: step t needs h_{t-1}. Run from Python, every step crosses into NumPy or a
kernel several times (the product W_hh h, the gate update), forward and again backward. Compiled, the loop
over time stays in machine code and each step is one parallel region: the hidden units are split into one
block per kernel thread, and each task computes its block's rows of W_hh h (one single-threaded OpenBLAS
sgemm per gate, called as kernels/blas.py does) and then its block's gate arithmetic, fused. The next step
starts when every block is done (the end of the prange is the barrier). Backward needs two regions per step:
the gate gradients of every unit first, then dh_{t-1} = W_hhᵀ dgates_t in row blocks.

The arrays are the fused layers' feature-major ones (functional/recurrent_fused.py): a step's gates are a
contiguous (G·H, B) block, so a block of units is G contiguous row ranges and BLAS reads them in place.
The callers check every array's dtype, layout and shape first (`fits_recurrence` and the `when`s), because
the products read and write through raw addresses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _numba, blas
from ._numba import ENABLED, fits, inline

ROW_MAJOR, NO_TRANS = 101, 111


def available() -> bool:
    """True when the compiled recurrences can run: Numba on and NumPy's OpenBLAS callable (kernels/blas.py)."""
    return _numba.ENABLED and blas.available()


def task_count(hidden: int, multiply_adds: int) -> int:
    """How many blocks of units each step splits into: one per kernel thread, at most one per unit, and one for
    a product below OpenBLAS's own threading threshold (`blas.SMALL_PRODUCT` multiply-adds), where waking the
    second thread at every step costs more than it saves (an RNN of 32 units, batch 64: 3.3 against 3.0 ms)."""
    if multiply_adds < blas.SMALL_PRODUCT:
        return 1
    return max(1, min(_numba.threads() or 1, hidden))


def fits_recurrence(*arrays: Any) -> bool:
    """float32 C-order aligned NumPy arrays (`fits`), every one writeable, and the BLAS callable."""
    if not (available() and fits(*arrays)):
        return False
    for array in arrays:
        if not array.flags.writeable or array.size == 0:
            return False
    return True


def require_fit(name: str, fit: bool, arrays: tuple) -> None:
    """Raise a ValueError naming the kernel and every array's shape and dtype unless `fit` holds.

    The seam's `when` has checked already; this runs once per layer call (not per step), for direct callers,
    because the loops index without bounds checks and BLAS writes through raw addresses."""
    if fit:
        return
    described = ", ".join(
        f"{getattr(a, 'shape', a)} {getattr(a, 'dtype', '')}".strip() for a in arrays
    )
    raise ValueError(
        f"kernels.{name}: the arrays do not fit the compiled recurrence ({described}): they must be float32 "
        "C-order writeable NumPy arrays of the shapes in its reference's docstring (functional/recurrent_fused.py), "
        "and Numba and NumPy's OpenBLAS available; call the reference instead"
    )


def launch(loop: Any, weight: Any, state: Any, *arrays: Any) -> None:
    """Run a compiled recurrence: loop(sgemm, set_local_threads, *arrays, tasks) with the tasks of its per-step
    product `weight` (·, ·) by `state` (H, B); the calling thread at one OpenBLAS thread meanwhile (each task's
    product is single-threaded: the tasks are the parallelism)."""
    tasks = task_count(state.shape[0], weight.size * state.shape[1])
    with blas.one_blas_thread_here() as (sgemm, set_local_threads):
        loop(sgemm, set_local_threads, *arrays, tasks)


def step_slot(store_steps: int, t: int, s: int, steps: int) -> int:
    """Where step t (the s-th visited) keeps a per-step array in a store of `store_steps`: at t when the store
    holds every step (training: backward reads them all), else at s modulo its length (a ring: inference keeps
    only what the next step reads). Shared by the NumPy references (functional/recurrent_fused.py) and the
    kernels."""
    return t if store_steps == steps else s % store_steps


if ENABLED:
    step_slot_compiled = inline(step_slot)

    @inline
    def rows_product(sgemm, rows, a, a_row, b, beta, c, c_row):  # pragma: no cover - compiled
        """c[c_row : c_row + rows] = a[a_row : a_row + rows] @ b + beta · c[…], one single-threaded sgemm.

        a (M, K), b (K, N) and c (·, N): float32, C order (checked by the callers)."""
        inner, columns = b.shape
        sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, rows, columns, inner, np.float32(1.0),
              a.ctypes.data + a_row * inner * 4, inner, b.ctypes.data, columns, np.float32(beta),
              c.ctypes.data + c_row * columns * 4, columns)  # fmt: skip
