"""`torch.nn.modules.pooling` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: F401
