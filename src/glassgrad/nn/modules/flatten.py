"""`torch.nn.modules.flatten` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..flatten import Flatten, Unflatten  # noqa: F401
