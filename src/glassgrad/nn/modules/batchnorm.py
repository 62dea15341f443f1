"""`torch.nn.modules.batchnorm` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..normalization import BatchNorm1d, BatchNorm2d  # noqa: F401
