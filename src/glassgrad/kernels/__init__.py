"""Fused CPU kernels: training's hot elementwise chains, compiled with Numba, each beside its NumPy twin.

An op calls its readable NumPy reference (a function marked `@reference("name")` beside the op); each module
here registers a kernel against that name with `@fast_path` (registry.py), and a call runs the kernel when the
arguments fit it (float32 NumPy arrays in C order, Numba installed and not disabled with GLASSGRAD_NUMBA=0),
the reference otherwise. tests/kernels/test_registry.py checks every kernel against its reference, and the op
tests check both against PyTorch. See `_numba.py` for why a fused loop beats a chain of NumPy calls.

    fastmath   exp and tanh for float32 that vectorise inside a kernel loop
    gelu       exact GELU forward and backward
    layer_norm layer norm forward and input gradient, one pass per row
    softmax    the row softmax of F.softmax and attention (masked keys as −inf) and its backward
    blas       attention's per-head matrix products, one OpenBLAS call per task on the kernels' threads
    recurrence what the compiled recurrences share: one parallel region per step, sgemm per block of units
    lstm       one LSTM time step, and a whole layer's recurrence, forward and backward
    gru        a GRU layer's whole recurrence, forward and backward
    rnn        an Elman RNN layer's whole recurrence (tanh or relu), forward and backward
    embedding  the embedding's scatter-add backward
    adam       the Adam/AdamW parameter update
    conv       im2col, col2im and the layout copies around a convolution's matrix products
    pooling    2×2 max pooling forward (with the argmax offsets) and backward
    relu       ReLU forward and backward
    select     where(mask, a, b): the masking backwards' selection (clamp, hardtanh, maximum, max pool, ...)

Where the kernels run (which thread pool, how many threads) is set with glassgrad's other process-wide settings in
`glassgrad/_process_setup.py`; `glassgrad doctor` prints what this process got, docs/performance.md what each bought.
"""

# Importing a kernel module registers its fast paths at the seam (registry.py); each is listed here once.
from . import adam  # noqa: E402, F401, I001 - one module a line: adding one touches one line
from . import blas  # noqa: E402, F401
from . import conv  # noqa: E402, F401
from . import embedding  # noqa: E402, F401
from . import gelu  # noqa: E402, F401
from . import gru  # noqa: E402, F401
from . import layer_norm  # noqa: E402, F401
from . import lstm  # noqa: E402, F401
from . import pooling  # noqa: E402, F401
from . import relu  # noqa: E402, F401
from . import rnn  # noqa: E402, F401
from . import select  # noqa: E402, F401
from . import softmax  # noqa: E402, F401
from ._numba import ENABLED, fits, set_threads, threads
