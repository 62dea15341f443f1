"""`torch.nn.modules.normalization` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..layer_norm import LayerNorm, RMSNorm  # noqa: F401
from ..normalization import GroupNorm  # noqa: F401
