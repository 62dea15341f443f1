"""The one place glassgrad imports Numba: the `kernel` decorator, and whether an array can take the fast path.

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

import ctypes
import functools
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._process_setup import SPINNING_BLAS

try:
    if os.environ.get("GLASSGRAD_NUMBA", "1") == "0":
        raise ImportError("disabled by GLASSGRAD_NUMBA=0")
    import numba
except ImportError:  # the NumPy path serves everything
    numba = None

ENABLED = numba is not None
prange = numba.prange if ENABLED else range  # the loop that Numba splits across cores


def _load_tbb() -> bool:
    """Load Intel TBB (pip's `tbb` puts libtbb in <venv>/lib, off the loader's path) for Numba's tbb layer."""
    for folder in (Path(sys.prefix) / "lib", Path(sys.base_prefix) / "lib"):
        for library in sorted(folder.glob("libtbb.so.12*")):
            try:
                ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
                return True
            except OSError:
                continue
    return False


if ENABLED and "NUMBA_THREADING_LAYER" not in os.environ:
    # Which thread pool runs the prange loops. Numba's default, OpenMP, busy-waits between loops, and so does
    # PyTorch's OpenMP pool: in one process (the benchmarks) the two on 2 cores made a torch step 100x slower.
    # TBB's pool starts a loop in about 2.5 us and sleeps when idle; Numba's own workqueue pool also sleeps,
    # but takes about 50 us to start each loop, which is more than many kernels take to run.
    numba.config.THREADING_LAYER = "tbb" if _load_tbb() else "workqueue"

_LAUNCH = threading.Lock()  # one kernel launch at a time (workqueue cannot take two at once; TBB does not mind)

if ENABLED and SPINNING_BLAS:  # see _process_setup.py: two thread pools on the same cores would thrash
    numba.set_num_threads(1)


def kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile `function` as a parallel, vectorised CPU kernel (`prange` loops run on every core).

    fastmath lets LLVM fuse multiply-adds and reorder sums: float32 results move by rounding only.
    """
    compiled = numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)(function)

    @functools.wraps(function)
    def launch(*args: Any) -> Any:
        with _LAUNCH:
            return compiled(*args)

    launch.compiled = compiled  # the Numba dispatcher, for inspection (e.g. `launch.compiled.inspect_asm()`)
    return launch


def serial_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a kernel that must run on one thread (e.g. a scatter-add, whose writes may collide)."""
    return numba.njit(fastmath=True, cache=True, nogil=True)(function)


def inline(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a scalar helper that kernels call, inlined into their loops so they still vectorise."""
    return numba.njit(fastmath=True, inline="always", cache=True)(function)


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
