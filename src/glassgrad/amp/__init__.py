"""`torch.amp`: automatic mixed precision, as far as glassgrad goes — which is: computing in float32.

Mixed precision trades accuracy for speed on GPUs whose tensor cores run float16/bfloat16 much faster. glassgrad
computes every op in its inputs' own dtype, so `autocast` is accepted (scripts written for GPUs wrap their
forward in it) and changes nothing: results are what PyTorch gives with autocast disabled. `GradScaler` is the
real thing (scale, unscale with a non-finite check, skipped steps, growth and backoff of the scale), useful with
float16 parameters; a cuda GradScaler without a GPU disables itself, as PyTorch's does.
"""

from .. import _missing
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled"]

_missing.install(globals(), "torch.amp")
