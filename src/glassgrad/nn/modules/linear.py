"""`torch.nn.modules.linear` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..linear import Bilinear, Identity, LazyLinear, Linear  # noqa: F401
