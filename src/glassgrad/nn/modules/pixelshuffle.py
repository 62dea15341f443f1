"""`torch.nn.modules.pixelshuffle` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..upsampling import PixelShuffle, PixelUnshuffle  # noqa: F401
