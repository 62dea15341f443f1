"""Gradients checked where they enter: `tensor.grad = g`, and the value a hook returns.

The engine makes every gradient it computes fit its tensor (`engine._fit`), so only gradients that come from
user code are checked, once, where they arrive. A gradient of another shape would otherwise be broadcast
silently into the next accumulation, or read out of bounds by an optimizer's fused kernel; one of another
dtype or device would be upcast or fail deep inside an op. PyTorch raises in the same places; its words are
kept ("attempting to assign a gradient ...", "hook ... has changed the size of value") so a search for them
finds both.
"""

from __future__ import annotations

from typing import Any, Callable

from ..backend import device_of
from .tensor_factory import is_tensor


def _describe(array: Any) -> str:
    """"shape (3,), float32, cpu": what a gradient must agree on with its tensor."""
    return f"shape {tuple(array.shape)}, {array.dtype}, {device_of(array)}"


def _mismatch(got: Any, expected: Any) -> str | None:
    """The first of "size", "type", "device" on which array `got` differs from `expected`, or None."""
    if got.shape != expected.shape:
        return "size"
    if got.dtype != expected.dtype:
        return "type"
    if device_of(got) != device_of(expected):
        return "device"
    return None


def check_assigned_grad(tensor: Any, value: Any) -> None:
    """Raise unless `value` may become `tensor.grad`: None, or a Tensor of the tensor's shape, dtype and device."""
    if value is None:
        return
    if not is_tensor(value):
        raise TypeError(
            f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}; "
            "wrap it first: t.grad = gg.tensor(values, dtype=t.dtype)"
        )
    if value is tensor:
        raise RuntimeError("can't assign Variable as its own grad; assign a copy (t.grad = t.detach().clone())")
    mismatch = _mismatch(value.array, tensor.array)
    if mismatch is not None:
        raise RuntimeError(
            f"attempting to assign a gradient of {_describe(value.array)} to a tensor of "
            f"{_describe(tensor.array)}: a tensor's .grad must match it in shape, dtype and device ({mismatch} "
            "differs). Convert the gradient (g.reshape(t.shape).to(t.dtype)), or set t.grad = None to drop it."
        )


def hook_name(hook: Callable) -> str:
    """How an error names a hook: its qualified name, as the user wrote it (a lambda is "<lambda>")."""
    return getattr(hook, "__qualname__", None) or getattr(hook, "__name__", None) or repr(hook)


def checked_hook_result(hook: Callable, result: Any, grad: Any) -> Any:
    """The raw array a hook returned to replace `grad` (a raw array), after checking that it fits.

    A hook may return None (keep the gradient) or a Tensor of the gradient's shape, dtype and device.
    """
    if not is_tensor(result):
        raise TypeError(
            f"hook '{hook_name(hook)}' returned {type(result).__name__}: a tensor hook must return None or a "
            f"Tensor of the gradient's {_describe(grad)}"
        )
    array = result.array
    mismatch = _mismatch(array, grad)
    if mismatch is not None:
        raise RuntimeError(
            f"hook '{hook_name(hook)}' has changed the {mismatch} of value: it returned a gradient of "
            f"{_describe(array)} for a tensor of {_describe(grad)}. Return None, or a Tensor of the same shape, "
            "dtype and device (e.g. `return grad * 2`)."
        )
    return array
