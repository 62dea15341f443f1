"""`torch.nn.modules.upsampling` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401
