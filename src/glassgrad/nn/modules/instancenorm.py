"""`torch.nn.modules.instancenorm` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..normalization import InstanceNorm1d, InstanceNorm2d  # noqa: F401
