"""`torch.nn.modules.conv` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..conv import Conv1d, Conv2d  # noqa: F401
from ..conv_transpose import ConvTranspose1d, ConvTranspose2d  # noqa: F401
