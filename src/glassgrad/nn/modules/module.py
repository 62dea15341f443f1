"""`torch.nn.modules.module` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..module import Module  # noqa: F401
