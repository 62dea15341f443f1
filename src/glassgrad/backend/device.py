"""Devices and the one seam between glassgrad and its array libraries.

Every op computes with the array namespace of its inputs: NumPy for "cpu", CuPy for "cuda". Nothing else in
glassgrad imports CuPy; a GPU path (bf16, fused kernels, CUDA graphs) plugs in here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

try:  # CuPy is optional: the "cuda" device exists only where it imports and sees a GPU.
    import cupy as _cupy

    try:
        _CUDA_OK = _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no driver, no GPU: the cuda device is simply unavailable
        _CUDA_OK = False
except ImportError:
    _cupy = None
    _CUDA_OK = False

Array = Any  # a numpy.ndarray or a cupy.ndarray


class device:  # noqa: N801 - named as torch.device
    """Where a tensor's memory lives: `device('cpu')` or `device('cuda')` / `device('cuda:0')`."""

    __slots__ = ("type", "index")

    def __init__(self, spec: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {spec!r}; glassgrad knows 'cpu' and 'cuda'")
        self.type = kind
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return False
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))


CPU = device("cpu")
CUDA = device("cuda")


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return _CUDA_OK


def namespace(dev: device | str) -> ModuleType:
    """The array library of a device: numpy for cpu, cupy for cuda."""
    kind = dev.type if isinstance(dev, device) else device(dev).type
    if kind == "cpu":
        return np
    if not _CUDA_OK:
        raise RuntimeError(
            "device 'cuda' needs CuPy and an NVIDIA GPU; install glassgrad[cuda] on a GPU machine, or use 'cpu'"
        )
    return _cupy


# Namespaces for array types beyond NumPy's and CuPy's: glassgrad's Tensor namespace (ops/tensor_namespace.py)
# registers here, so a backward written with `namespace_of(grad)` also runs on Tensors (create_graph=True).
_REGISTERED: dict[type, ModuleType] = {}


def register_namespace(array_type: type, module: ModuleType) -> None:
    """Make `namespace_of` return `module` for objects of `array_type`."""
    _REGISTERED[array_type] = module


def namespace_of(array: Array) -> ModuleType:
    """The array library an array belongs to (for a Tensor: the Tensor namespace, once registered)."""
    if type(array) is np.ndarray:
        return np
    registered = _REGISTERED.get(type(array))
    if registered is not None:
        return registered
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return np


def device_of(array: Array) -> device:
    """The device an array lives on."""
    if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return CUDA


def move(array: Array, dev: device) -> Array:
    """Copy an array to a device (no copy when it is already there)."""
    if device_of(array) == dev:
        return array
    if dev.type == "cpu":
        return array.get()
    return namespace(dev).asarray(array)
