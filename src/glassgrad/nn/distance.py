"""Distance layers: CosineSimilarity and PairwiseDistance, thin modules over functional/distance.py."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class CosineSimilarity(Module):
    """cos(x1, x2) = Σ x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along `dim`.

    Shape: x1 and x2 broadcast to one shape (*, D, *) with D at `dim`; the output drops that dim.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 − x2 + eps‖_p along the last dim. `norm` holds p (PyTorch's attribute name).

    Shape: (N, D) or (D,) inputs (broadcasting); output (N,) or () (with keepdim: (N, 1) or (1,)).
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
