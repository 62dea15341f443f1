"""`torch.accelerator`: PyTorch's device-neutral questions ("is there a GPU-like device, which, how many").

For glassgrad the one accelerator is CUDA through CuPy (see cuda/); without it there is none, and
`current_accelerator()` is None, as in PyTorch on a CPU-only machine.
"""

from __future__ import annotations

from typing import Any

from . import _missing, cuda
from .backend import device as _device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    return _device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def current_device_index() -> int:
    return cuda.current_device() if cuda.is_available() else -1


def set_device_index(device: Any) -> None:
    cuda.set_device(device)


def synchronize(device: Any = None) -> None:
    cuda.synchronize(device)


_missing.install(globals(), "torch.accelerator")
