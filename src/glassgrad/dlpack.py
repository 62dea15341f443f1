"""DLPack: tensors exchanged with NumPy, PyTorch, CuPy (any library that speaks the protocol) without a copy.

    torch.from_dlpack(t)      np.from_dlpack(t)      gg.from_dlpack(torch_tensor or numpy_array or cupy_array)

A glassgrad tensor is a NumPy (cpu) or CuPy (cuda) array with autograd around it, and both arrays speak DLPack,
so the exchange hands over that array's memory, strides included (a transposed or sliced tensor stays a view).
A write on either side is seen on the other. As in PyTorch, a tensor that requires grad is refused: the other
library would write into memory that autograd may have saved for backward, and detach() says that is intended.
The refusal is PyTorch's: a BufferError (the exception the buffer protocols use) with PyTorch's message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd.tensor_factory import make_tensor
from .backend import from_numpy_dtype

CPU_DEVICES = (1, 3)  # DLPack's kDLCPU and kDLCUDAHost (pinned host memory NumPy can read)
CUDA_DEVICES = (2, 13)  # kDLCUDA, kDLCUDAManaged


def to_dlpack(tensor: Any, stream: Any = None, max_version: Any = None, dl_device: Any = None,
              copy: Any = None) -> Any:
    """The DLPack capsule of a tensor's array (what Tensor.__dlpack__ returns); the options are the protocol's
    and go to NumPy's or CuPy's __dlpack__ as given (those left at None are not passed, for older versions)."""
    if tensor.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")  # PyTorch's words and type
    options = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
    return tensor.array.__dlpack__(**{key: value for key, value in options.items() if value is not None})


def from_dlpack(obj: Any) -> Any:
    """A tensor sharing memory with `obj`: anything with __dlpack__ (a torch or CuPy tensor, a NumPy array, a
    glassgrad tensor), or a bare capsule (torch.utils.dlpack.to_dlpack's, read as host memory)."""
    if not hasattr(obj, "__dlpack__"):
        if type(obj).__name__ != "PyCapsule":
            raise TypeError(
                f"from_dlpack: expected an object with __dlpack__ (a torch, CuPy or NumPy array) or a DLPack "
                f"capsule, got {type(obj).__name__}"
            )
        obj = _Capsule(obj)
    device_type, device_id = obj.__dlpack_device__()
    if device_type in CPU_DEVICES:
        array = np.from_dlpack(obj)
    elif device_type in CUDA_DEVICES:
        array = _cupy(device_id).from_dlpack(obj)
    else:
        raise ValueError(
            f"from_dlpack: memory on DLPack device type {int(device_type)} (id {device_id}) is neither host nor "
            "CUDA memory, the two glassgrad runs on; copy it to the CPU in its own library first"
        )
    from_numpy_dtype(array.dtype)  # a clear error for dtypes glassgrad lacks (complex, uint16)
    return make_tensor(array)


def device_of(tensor: Any) -> tuple[int, int]:
    """(DLPack device type, device id) of a tensor's memory: (1, 0) on the CPU, (2, k) on CUDA device k."""
    return tuple(tensor.array.__dlpack_device__())


class _Capsule:
    """A bare capsule dressed in the protocol so np.from_dlpack takes it (it cannot say its device: host)."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **options: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)


def _cupy(device_id: int) -> Any:
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError(
            f"from_dlpack: the memory is on CUDA device {device_id}, and reading it needs CuPy "
            "(pip install 'glassgrad[cuda]')"
        ) from error
    return cupy


__all__ = ["device_of", "from_dlpack", "to_dlpack"]
