"""Ask OpenBLAS's worker threads to sleep as soon as a matrix product ends, before NumPy loads OpenBLAS.

After each product OpenBLAS's workers busy-wait for the next one, for up to 2²⁸ cycles (about 0.1 s) by
default. glassgrad's fused kernels (glassgrad/kernels) run their own threads between two products, and on a
machine with as many cores as threads the spinning workers take the cores from them: on 2 cores a matrix
product followed by a GELU kernel measured 8.0 ms with the default and 2.2 ms with OPENBLAS_THREAD_TIMEOUT=4
(2⁴ cycles of spinning). OpenBLAS reads the setting once, when it loads, so it must be set before NumPy is
imported; a value the user set is kept.

`SPINNING_BLAS` is True when NumPy was already imported without the setting: the kernels then run on one
thread (still vectorised), which does not fight the spinning workers.
"""

from __future__ import annotations

import os
import sys

_VARIABLE = "OPENBLAS_THREAD_TIMEOUT"

SPINNING_BLAS = "numpy" in sys.modules and _VARIABLE not in os.environ
os.environ.setdefault(_VARIABLE, "4")
