"""The `kernel` decorator, and whether an array can take the fast path.

Numba compiles a Python loop over array elements to machine code. With `parallel=True` it splits a `prange`
loop across the CPU's cores, and LLVM turns the loop body into SIMD instructions (8 or 16 float32 lanes).
One pass of such a loop replaces the chain of NumPy calls it fuses: each NumPy call is one more trip through
memory, on one core, with one more temporary array.

The fast path is for float32 NumPy arrays (the default dtype of training). Everything else (float64, used by
gradient checks; CuPy arrays; Numba not installed; GLASSGRAD_NUMBA=0 in the environment) takes the plain
NumPy path, which stays the reference that every kernel is tested against.

Kernels are compiled on first use and cached on disk (`cache=True`), so only the first run pays for it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np

# Numba is imported, and its thread pool chosen, with glassgrad's other process-wide settings (None when it is
# missing or switched off): see _process_setup.py, and `glassgrad doctor` for what this process got.
from .._process_setup import numba

ENABLED = numba is not None
prange = numba.prange if ENABLED else range  # the loop that Numba splits across cores

# How every kernel compiles. fastmath: LLVM may fuse multiply-adds and reorder sums (float32 results move by
# rounding only). error_model="numpy": x / 0 gives inf or nan as in NumPy (the references' semantics) instead
# of Python's ZeroDivisionError, whose check at every division kept LLVM from turning a loop into SIMD code:
# tanh32 (one division) over 2 million floats took 11.3 ms scalar and 1.0 ms vectorised.
OPTIONS = {"fastmath": True, "cache": True, "error_model": "numpy"}

_LAUNCH = threading.Lock()  # one kernel launch at a time (workqueue cannot take two at once; TBB does not mind)


def kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile `function` as a parallel, vectorised CPU kernel (`prange` loops run on every core; `OPTIONS`)."""
    return _launcher(function, numba.njit(parallel=True, nogil=True, **OPTIONS)(function))


def unfused_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """As `kernel`, but Numba may not merge consecutive `prange` loops into one: the end of each is a barrier.

    For loops whose dependency Numba cannot see: the compiled recurrences (kernels/recurrence.py) write through
    raw addresses handed to BLAS, and merged, a task would read rows that another task has not written yet.
    """
    options = {"fusion": False}
    return _launcher(function, numba.njit(parallel=options, nogil=True, **OPTIONS)(function))


def _launcher(function: Callable[..., Any], compiled: Any) -> Callable[..., Any]:
    """`compiled`, called under the launch lock, with `function`'s name and docstring."""

    @functools.wraps(function)
    def launch(*args: Any) -> Any:
        with _LAUNCH:
            return compiled(*args)

    launch.compiled = compiled  # the Numba dispatcher, for inspection (e.g. `launch.compiled.inspect_asm()`)
    return launch


def serial_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a kernel that must run on one thread (e.g. a scatter-add, whose writes may collide)."""
    return numba.njit(nogil=True, **OPTIONS)(function)


def inline(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a scalar helper that kernels call, inlined into their loops so they still vectorise."""
    return numba.njit(inline="always", **OPTIONS)(function)


def fits(*arrays: Any) -> bool:
    """True when every array can take the fast path: aligned float32 NumPy arrays in C order, and Numba present.

    (The kernels' launchers refuse anything else: see `_checks.py`.)
    """
    return ENABLED and all(
        type(a) is np.ndarray and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.aligned
        for a in arrays
    )


def set_threads(count: int) -> bool:
    """Use `count` threads in the kernels' parallel loops; True if it took effect (Numba present)."""
    if not ENABLED:
        return False
    numba.set_num_threads(max(1, min(int(count), numba.config.NUMBA_NUM_THREADS)))
    return True


def threads() -> int | None:
    """How many threads the kernels use (None without Numba)."""
    return numba.get_num_threads() if ENABLED else None
