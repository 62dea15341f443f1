"""How many threads NumPy's BLAS uses, and setting it, so glassgrad and PyTorch get the same number.

threadpoolctl does this when installed; otherwise we call OpenBLAS's own `*_get_num_threads` /
`*_set_num_threads` through ctypes, on the OpenBLAS library that NumPy loaded (found in /proc/self/maps).
NumPy's elementwise ops are single-threaded whatever this says; only its matrix products use these threads.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

import numpy as np

# OpenBLAS symbol prefixes: plain builds, 64-bit-integer builds, and the scipy-openblas wheels NumPy ships.
_PREFIXES = ("openblas_", "scipy_openblas_")
_SUFFIXES = ("", "64_")


def _openblas() -> tuple[Any, Any] | None:
    """(get, set) C functions of the loaded OpenBLAS, or None when there is none (or it cannot be found)."""
    np.ones((2, 2)) @ np.ones((2, 2))  # make sure NumPy's BLAS is loaded
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()}
    for path in sorted(p for p in paths if p.startswith("/")):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(library, f"{prefix}get_num_threads{suffix}", None)
                set_ = getattr(library, f"{prefix}set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    get.restype = ctypes.c_int
                    set_.argtypes = [ctypes.c_int]
                    return get, set_
    return None


def blas_threads() -> int | None:
    """The number of threads NumPy's matrix products use (None if it cannot be told)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    functions = _openblas()
    return int(functions[0]()) if functions else None


def set_blas_threads(count: int) -> bool:
    """Set NumPy's BLAS thread count; True if it took effect."""
    default_threads()  # remember the original count first
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(count, user_api="blas")
        return blas_threads() == count
    except ImportError:
        pass
    functions = _openblas()
    if functions is None:
        return False
    functions[1](int(count))
    return int(functions[0]()) == count


_initial_threads: list[int] = []  # NumPy's BLAS thread count before the harness first changed it


def default_threads() -> int:
    """What NumPy's BLAS used before the harness touched it, else the CPU count."""
    if not _initial_threads:
        _initial_threads.append(blas_threads() or os.cpu_count() or 1)
    return _initial_threads[0]


def set_threads(count: int) -> dict[str, bool]:
    """Use `count` threads for NumPy's matrix products and for glassgrad's fused kernels (glassgrad/kernels).

    Returns which of the two took effect: {'blas': ..., 'kernels': ...}.
    """
    from ..kernels import set_threads as set_kernel_threads

    return {"blas": set_blas_threads(count), "kernels": set_kernel_threads(count)}
