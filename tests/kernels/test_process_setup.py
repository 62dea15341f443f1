"""The process-wide settings glassgrad makes at import (see glassgrad/_process_setup.py), and the kernels' pool."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import glassgrad  # noqa: F401  (the import is what sets things up)
from glassgrad import _process_setup, kernels
from glassgrad.kernels import _numba


def test_openblas_told_not_to_spin():
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"]  # set before NumPy loaded OpenBLAS, or kept as the user set it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_keeps_large_blocks():
    assert _process_setup.MALLOC_TUNED


def test_malloc_left_alone_when_asked():
    code = "import glassgrad._process_setup as s; print(s.MALLOC_TUNED)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "GLASSGRAD_MALLOC": "0"}, check=True)  # fmt: skip
    assert done.stdout.strip() == "False"


def test_numpy_imported_first_gets_its_openblas_restarted():
    """`import numpy` before `import glassgrad`: NumPy's OpenBLAS is restarted with the short spin (read back
    from the library itself), and the kernels keep their threads; where that OpenBLAS cannot be found (other
    NumPy builds), the kernels stay on one thread instead."""
    code = (
        "import numpy\n"
        "import glassgrad\n"
        "from glassgrad import kernels, _process_setup as s\n"
        "library = s.numpy_openblas()\n"
        "timeout = library.openblas_thread_timeout() if library is not None else -1\n"
        "print(s.SPINNING_BLAS, kernels.threads(), timeout)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    spinning, threads, timeout = done.stdout.split()
    if spinning == "False":
        assert timeout == "4"
    else:
        assert threads in ("1", "None")  # None: Numba absent


@pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")
def test_kernels_never_on_openmp():
    import numba

    from glassgrad.kernels import gelu

    gelu.gelu_forward(np.ones(8, dtype=np.float32))  # starts the pool
    assert numba.threading_layer() in ("tbb", "workqueue")  # OpenMP's spinning pool fights PyTorch's


@pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")
def test_set_threads():
    before = kernels.threads()
    try:
        assert kernels.set_threads(1) and kernels.threads() == 1
    finally:
        kernels.set_threads(before)
