"""The printed form of a tensor, close to PyTorch's: `tensor([[ 0.1000, -2.0000]], requires_grad=True)`."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend

_DEFAULT_DTYPES = ("float32", "int64", "bool")


def format_tensor(tensor: Any) -> str:
    array = np.asarray(backend.move(tensor.array, backend.CPU))
    prefix = "tensor("
    if array.size == 0:
        body = f"[], size={tuple(array.shape)}" if array.ndim > 1 else "[]"
    else:
        body = np.array2string(array, separator=", ", prefix=prefix, threshold=1000, edgeitems=3, **_style(array))
    extras = []
    if array.dtype.name not in _DEFAULT_DTYPES:
        extras.append(f"dtype=glassgrad.{array.dtype.name}")
    if tensor.device.type != "cpu":
        extras.append(f"device='{tensor.device}'")
    grad_fn_name = _grad_fn_name(tensor)
    if grad_fn_name is not None:
        extras.append(f"grad_fn=<{grad_fn_name}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"


def _grad_fn_name(tensor: Any) -> str | None:
    try:
        grad_fn = tensor.grad_fn
    except RuntimeError:  # a view whose graph may not be rebuilt after a write to its base (autograd/views.py)
        return "Invalid"  # as torch prints it
    return None if grad_fn is None else grad_fn.name()


def _style(array: np.ndarray) -> dict:
    """PyTorch's choice of float style: '1.' for whole numbers, else 4 decimals; scientific (4 decimals) when
    the nonzero magnitudes span more than 1000x, exceed 1e8, or (for fractions) go below 1e-4."""
    if array.dtype.kind != "f":
        return {}
    finite = np.abs(array[np.isfinite(array)].astype(np.float64))  # float64: float16 would overflow at 1e8
    nonzero = finite[finite != 0]
    largest = nonzero.max() if nonzero.size else 0.0
    smallest = nonzero.min() if nonzero.size else 1.0
    wide = largest > 1000 * smallest or largest > 1e8
    if np.all(finite == np.round(finite)):
        return _SCIENTIFIC if wide else {"precision": 0, "floatmode": "fixed", "suppress_small": True}
    return _SCIENTIFIC if wide or smallest < 1e-4 else {"precision": 4, "floatmode": "fixed", "suppress_small": True}


_SCIENTIFIC = {"formatter": {"float_kind": lambda v: f"{v:.4e}"}}
