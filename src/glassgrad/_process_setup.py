"""Two process-wide settings, made once when glassgrad is imported, because per-op they cannot be.

1. OpenBLAS's worker threads sleep as soon as a matrix product ends. By default they busy-wait for the next one
   for up to 2²⁸ cycles (about 0.1 s). glassgrad's fused kernels (glassgrad/kernels) run their own threads
   between two products, and on a machine with as many cores as threads the spinning workers take the cores
   from them: on 2 cores a matrix product followed by a GELU kernel measured 8.0 ms with the default and 2.2 ms
   with OPENBLAS_THREAD_TIMEOUT=4 (2⁴ cycles of spinning). OpenBLAS reads the setting once, when it loads, so
   it must be set before NumPy is imported; a value the user set is kept. When NumPy was imported first (as
   most scripts do: `import numpy as np` comes before `import glassgrad` in isort order), the OpenBLAS bundled
   with NumPy is asked to read its settings again and to restart its workers with the short timeout
   (`openblas_read_env`, `blas_thread_shutdown_`, `blas_thread_init`). A GEMM followed by a GELU kernel took
   850–1036 µs with the spinning workers, 784–806 µs after the restart and 695 µs with glassgrad imported first.
   `SPINNING_BLAS` is True when neither worked: the kernels then run on one thread, which does not fight the
   spinners.

2. glibc's malloc keeps large freed blocks for reuse instead of handing them back to the OS. By default a block
   over 128 KiB to 32 MiB is mmap'ed fresh and unmapped when freed, so every activation and gradient array of a
   training step costs the kernel a page fault and zeroing per 4 KiB page, every step. Raising the mmap and trim
   thresholds (mallopt) took a GPT training step from 76 to 58 ms on one core. Memory freed stays in the
   process for the next step, which is the pattern of training. Set
   GLASSGRAD_MALLOC=0 to leave malloc alone. (This affects every library in the process, PyTorch included.)
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

_VARIABLE = "OPENBLAS_THREAD_TIMEOUT"


def numpy_openblas() -> ctypes.CDLL | None:
    """The OpenBLAS library bundled in NumPy's wheel (numpy.libs/libscipy_openblas*), or None (another build).

    Only meaningful once NumPy is imported: then it is the library NumPy's products already run on.
    """
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return None
    folder = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("libscipy_openblas*.so*")):
        try:
            return ctypes.CDLL(str(path))
        except OSError:
            continue
    return None


def _restart_numpys_openblas() -> bool:
    """Make the OpenBLAS that NumPy already loaded re-read OPENBLAS_THREAD_TIMEOUT and restart its workers.

    Runs at glassgrad's import, when no matrix product is in flight. True if done (NumPy's own wheel build).
    """
    library = numpy_openblas()
    try:
        read_env, shutdown, start = library.openblas_read_env, library.blas_thread_shutdown_, library.blas_thread_init
    except AttributeError:  # no library (None), or one without these entry points
        return False
    read_env()
    shutdown()
    start()
    return True


_LOADED_SPINNING = "numpy" in sys.modules and _VARIABLE not in os.environ
os.environ.setdefault(_VARIABLE, "4")
SPINNING_BLAS = _LOADED_SPINNING and not _restart_numpys_openblas()

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_KEEP_UP_TO = 1 << 30  # blocks up to 1 GiB come from the heap and are reused; larger ones are still mmap'ed


def _tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds; True if done (False off glibc or when disabled)."""
    if os.environ.get("GLASSGRAD_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter is linked with
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_UP_TO)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_UP_TO - 1))


MALLOC_TUNED = _tune_malloc()
