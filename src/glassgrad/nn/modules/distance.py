"""`torch.nn.modules.distance` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..distance import CosineSimilarity, PairwiseDistance  # noqa: F401
