"""`torch.nn.modules.conv` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..conv import Conv1d, Conv2d  # noqa: F401
