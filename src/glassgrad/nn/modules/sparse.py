"""`torch.nn.modules.sparse` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..embedding import Embedding  # noqa: F401
