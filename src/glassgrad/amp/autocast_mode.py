"""`torch.amp.autocast`: a context manager and decorator that records the requested precision and changes none.

glassgrad has no lower-precision kernels to switch to (see amp/__init__.py): ops inside the block compute in
their inputs' dtypes. What is checked is what PyTorch checks: a known device type, and a dtype that is a dtype.
`is_autocast_enabled()` reports the block, so code that branches on it sees what it would see in PyTorch.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from ..backend import dtype as _dtype

DEVICE_TYPES = ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "mtia", "meta")


class _AutocastState(threading.local):
    enabled: dict = {}  # device_type -> dtype of the innermost enabled block (per thread)


_state = _AutocastState()


def is_autocast_available(device_type: str) -> bool:
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an `autocast` block for this device type is open (glassgrad computes in the inputs' dtypes anyway)."""
    return device_type in _state.enabled


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype a block asks for (PyTorch's defaults: float16 on cuda, bfloat16 on cpu)."""
    if device_type in _state.enabled:
        return _state.enabled[device_type]
    return _default_dtype(device_type)


def _default_dtype(device_type: str) -> Any:
    return _dtype.float16 if device_type == "cuda" else _dtype.bfloat16


class autocast:  # noqa: N801 - named as torch.amp.autocast
    """`with torch.amp.autocast(device_type="cuda", dtype=torch.bfloat16): ...` — accepted; computes in float32."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str) or device_type not in DEVICE_TYPES:
            raise RuntimeError(f"autocast: unsupported device_type {device_type!r}; expected one of "
                               f"{', '.join(DEVICE_TYPES)} (a device type such as 'cuda', not a device object)")
        if dtype is not None and not isinstance(dtype, _dtype.DType):
            raise TypeError(f"autocast: dtype must be a dtype such as torch.bfloat16, got {dtype!r}")
        self.device_type = device_type
        self.fast_dtype = dtype if dtype is not None else _default_dtype(device_type)
        self.enabled = bool(enabled)
        self._previous: list = []

    def __enter__(self) -> autocast:
        self._previous.append(_state.enabled.get(self.device_type))
        enabled = dict(_state.enabled)
        if self.enabled:
            enabled[self.device_type] = self.fast_dtype
        else:
            enabled.pop(self.device_type, None)
        _state.enabled = enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        previous = self._previous.pop()
        enabled = dict(_state.enabled)
        if previous is None:
            enabled.pop(self.device_type, None)
        else:
            enabled[self.device_type] = previous
        _state.enabled = enabled

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def run_in_block(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self.enabled):
                return function(*args, **kwargs)

        return run_in_block
