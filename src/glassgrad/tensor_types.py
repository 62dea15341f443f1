"""PyTorch's legacy typed constructors: `gg.FloatTensor`, `gg.LongTensor`, ... (torch.FloatTensor, ...).

Each names one dtype on the cpu. Called with data it copies the data to that dtype (`gg.LongTensor([1, 2])`);
called with sizes it makes a tensor of that shape (`gg.FloatTensor(2, 3)`: uninitialised in PyTorch, zeros
here). `isinstance(x, gg.LongTensor)` is True for an int64 tensor on the cpu, as PyTorch answers it. They are
not subclasses: every tensor is a `gg.Tensor`, and the check is the metaclass's `__instancecheck__`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .creation import tensor, zeros
from .tensor import Tensor


class _LegacyTensorType(type):
    """The metaclass of the typed constructors: calling one builds a Tensor, isinstance checks the dtype."""

    dtype: backend.DType

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        if not args:
            return zeros(0, dtype=cls.dtype, device=device)  # torch.FloatTensor() is an empty tensor
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return zeros(*args, dtype=cls.dtype, device=device)
        if len(args) == 1:
            return tensor(args[0], dtype=cls.dtype, device=device)
        raise TypeError(
            f"{cls.__name__}(): pass sizes as ints ({cls.__name__}(2, 3)) or one sequence of data "
            f"({cls.__name__}([1, 2])), got {args!r}"
        )

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == cls.dtype and instance.device.type == "cpu"


class FloatTensor(metaclass=_LegacyTensorType):
    """`torch.FloatTensor`: a float32 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.float32


class DoubleTensor(metaclass=_LegacyTensorType):
    """`torch.DoubleTensor`: a float64 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.float64


class HalfTensor(metaclass=_LegacyTensorType):
    """`torch.HalfTensor`: a float16 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.float16


class LongTensor(metaclass=_LegacyTensorType):
    """`torch.LongTensor`: a int64 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.int64


class IntTensor(metaclass=_LegacyTensorType):
    """`torch.IntTensor`: a int32 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.int32


class ByteTensor(metaclass=_LegacyTensorType):
    """`torch.ByteTensor`: a uint8 cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.uint8


class BoolTensor(metaclass=_LegacyTensorType):
    """`torch.BoolTensor`: a bool cpu tensor from data or sizes (zeros); isinstance checks dtype and device."""

    dtype = backend.bool_
