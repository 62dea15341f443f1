"""`torch.cuda` on glassgrad: the questions scripts ask of the GPU, answered truthfully on any machine.

glassgrad's "cuda" device is CuPy (see backend/device.py). Without CuPy and a GPU, `is_available()` is False,
`device_count()` is 0, and what PyTorch does without a GPU is done here too: `manual_seed` and `synchronize` are
accepted and do nothing (PyTorch queues a cuda seed lazily and never applies it on a machine without CUDA), and
asking for a device (`current_device`, `get_device_name`, `set_device`) raises, as it does in PyTorch.

glassgrad draws every random number with NumPy, for cuda tensors too (backend/random.py), so with a GPU the
cuda seed is the one generator's seed: `torch.cuda.manual_seed(s)` then does what `torch.manual_seed(s)` does.
"""

from __future__ import annotations

from typing import Any

from .. import _missing
from ..backend import cuda_is_available
from ..backend import random as _random
from ..backend.device import device as _device
from . import amp

__all__ = ["amp", "current_device", "device_count", "empty_cache", "get_device_name", "is_available",
           "is_bf16_supported", "manual_seed", "manual_seed_all", "max_memory_allocated", "memory_allocated",
           "reset_peak_memory_stats", "set_device", "synchronize"]


def is_available() -> bool:
    """True when CuPy imports and sees a GPU: glassgrad's "cuda" device can hold tensors."""
    return cuda_is_available()


def device_count() -> int:
    if not cuda_is_available():
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def _need_gpu(what: str) -> None:
    if not cuda_is_available():
        raise RuntimeError(f"torch.cuda.{what}: no GPU is available to glassgrad (CuPy with a CUDA device is "
                           "needed); check torch.cuda.is_available() first, or use device='cpu'")


def current_device() -> int:
    _need_gpu("current_device()")
    import cupy

    return int(cupy.cuda.Device().id)


# The device set_device last chose, if it was called: init_process_group(backend="nccl") respects it.
_set_device_index: int | None = None


def set_device(device: Any) -> None:
    global _set_device_index
    _need_gpu("set_device()")
    import cupy

    index = device if isinstance(device, int) else (_device(device).index or 0)  # 1, "cuda:1", device("cuda:1")
    cupy.cuda.Device(index).use()
    _set_device_index = index


def get_device_name(device: Any = None) -> str:
    _need_gpu("get_device_name()")
    import cupy

    index = device if isinstance(device, int) else current_device()
    return cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()


def manual_seed(seed: int) -> None:
    """Seed the GPU's draws: a no-op without a GPU (as in PyTorch); with one, glassgrad's one generator."""
    if cuda_is_available():
        _random.manual_seed(seed)


manual_seed_all = manual_seed


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work; nothing to wait for without one."""
    if cuda_is_available():
        import cupy

        cupy.cuda.Device().synchronize()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: glassgrad holds no bfloat16 tensors (NumPy has no bfloat16), on any device."""
    return False


def empty_cache() -> None:
    if cuda_is_available():
        import cupy

        cupy.get_default_memory_pool().free_all_blocks()


def memory_allocated(device: Any = None) -> int:
    if not cuda_is_available():
        return 0
    import cupy

    return int(cupy.get_default_memory_pool().used_bytes())


def max_memory_allocated(device: Any = None) -> int:
    """CuPy's pool keeps no peak: the bytes its pool holds now, which is at least what is in use."""
    if not cuda_is_available():
        return 0
    import cupy

    return int(cupy.get_default_memory_pool().total_bytes())


def reset_peak_memory_stats(device: Any = None) -> None:
    return None


_missing.install(globals(), "torch.cuda")
