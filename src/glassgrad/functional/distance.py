"""Norms and distances along a dim: normalize, cosine_similarity, pairwise_distance.

All are compositions of differentiable pieces (no backward of their own): the p-norm is `Tensor.norm`
(ops/linalg_products.py's VectorNormOp, with PyTorch's subgradient 0 where the norm is 0), the rest is
arithmetic in PyTorch's order of operations.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .activation import _require_float


def _check_dim(name: str, dim: int, shape: tuple) -> int:
    ndim = max(len(shape), 1)
    if not -ndim <= dim < ndim:
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of shape {shape} "
                         f"(expected a dim in [{-ndim}, {ndim - 1}])")
    return dim


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """v / max(‖v‖_p, eps) for each vector v along `dim` (unit vectors, except where the norm is below eps).

    dy/dv = (I − v·(v|v|^(p−2))ᵀ/‖v‖^p)/‖v‖ where ‖v‖ > eps, I/eps below it (the clamp cuts the norm's gradient).
    p is any norm order of Tensor.norm (0, ±inf, fractions included).
    """
    _require_float("normalize", input)
    if out is not None:
        raise TypeError("normalize: out= is not supported; assign the result instead")
    _check_dim("normalize", dim, input.shape)
    norm = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / norm


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ (x1/‖x1‖)·(x2/‖x2‖) along `dim`, each norm clamped below by eps; x1 and x2 broadcast.

    d/dx1 = (x̂2 − s·x̂1)/‖x1‖ with x̂ = x/‖x‖ and s the similarity. As in PyTorch, the clamp changes the value
    only: the gradient flows through the unclamped norm (zero for a zero vector), so a tiny vector is still
    pushed along its direction.
    """
    _require_float("cosine_similarity", x1)
    _require_float("cosine_similarity", x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"cosine_similarity: the shapes of x1 {x1.shape} and x2 {x2.shape} do not broadcast; "
                         "give them equal sizes or size 1 in each dim") from None
    _check_dim("cosine_similarity", dim, shape)
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """‖x‖ along dim (kept) with the value clamped to ≥ eps and the gradient of the unclamped norm: PyTorch
    clamps a clone of the norm in place under no_grad, which changes the value that the division sees but not
    the norm's backward."""
    norm = x.norm(2, dim, keepdim=True)
    return norm + (norm.clamp(min=eps) - norm).detach()


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p along the last dim (eps keeps the norm of equal vectors differentiable).

    d/dx1 = d·|d|^(p−2)/‖d‖^(p−1) with d = x1 − x2 + eps;  d/dx2 = −d/dx1.
    """
    _require_float("pairwise_distance", x1)
    _require_float("pairwise_distance", x2)
    try:
        np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"pairwise_distance: the shapes of x1 {x1.shape} and x2 {x2.shape} do not broadcast; "
                         "give them equal sizes or size 1 in each dim") from None
    difference = x1 - x2 + eps
    if difference.ndim == 0:  # PyTorch takes the norm of a 0-d difference as that of a 1-vector
        return difference.norm(p)
    return difference.norm(p, -1, keepdim)
