"""`torch.nn.modules.container` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
