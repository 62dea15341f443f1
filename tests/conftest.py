"""Shared test settings.

PyTorch's parity tests run tiny ops, where its thread pool costs far more than it saves (on a loaded 2-core
machine, milliseconds per op): one thread keeps them fast. glassgrad's own tests never depend on it.
"""

try:
    import torch
except ImportError:  # parity tests skip themselves without torch
    torch = None

if torch is not None:
    torch.set_num_threads(1)
