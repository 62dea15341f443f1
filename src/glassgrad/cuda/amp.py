"""`torch.cuda.amp`: PyTorch's older spelling of `torch.amp` with device_type "cuda".

As in PyTorch, a cuda GradScaler made on a machine without a GPU warns and disables itself (it then passes the
loss and the step through unchanged), and cuda autocast there does nothing.
"""

from __future__ import annotations

from typing import Any

from .. import _missing
from ..amp.autocast_mode import autocast as _autocast
from ..amp.grad_scaler import GradScaler as _GradScaler

__all__ = ["GradScaler", "autocast"]


class GradScaler(_GradScaler):
    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(_autocast):  # noqa: N801 - named as torch.cuda.amp.autocast
    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


_missing.install(globals(), "torch.cuda.amp")
