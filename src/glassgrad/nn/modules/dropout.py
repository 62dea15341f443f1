"""`torch.nn.modules.dropout` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..dropout import Dropout, Dropout1d, Dropout2d  # noqa: F401
