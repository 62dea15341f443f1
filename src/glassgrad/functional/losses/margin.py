"""Margin and embedding losses: margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
multilabel_soft_margin_loss, cosine_embedding_loss, triplet_margin_loss.

Each is composed from differentiable tensor ops in PyTorch's order of operations (no backward of its own), so
its subgradients are those of the pieces, which are PyTorch's: clamp(min=0) passes the gradient at 0
(PyTorch's clamp_min), and a `where` on the target passes it only to the selected branch.
Targets are ±1 labels (or {0, 1} for multilabel_soft_margin_loss); they get no gradient.
"""

from __future__ import annotations

from typing import Any

from ...ops import select as select_ops
from ...tensor import Tensor
from ..activation_composite import logsigmoid
from ..distance import pairwise_distance
from . import _reduction

# PyTorch's cosine_embedding_loss adds this to each squared norm, so the cosine of a zero vector is 0, not 0/0.
_COSINE_EPSILON = 1e-12


def _float_tensors(name: str, **tensors: Any) -> None:
    for argument, tensor in tensors.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}: {argument} must be a Tensor, got {type(tensor).__name__}")
        if not tensor.dtype.is_floating_point:
            raise TypeError(f"{name}: {argument} must be a floating-point tensor, got {tensor.dtype} of shape "
                            f"{tensor.shape}; convert with .float()")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, −y·(x1 − x2) + margin): y = 1 wants x1 ranked above x2 by the margin, y = −1 the opposite.

    d/dx1 = −y where the hinge is active (≥ 0), else 0;  d/dx2 = y there.
    """
    reduction = _reduction.resolve("margin_ranking_loss", reduction, size_average, reduce)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{input1.shape}, input2: {input2.shape}, target: {target.shape}"
        )
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduction.reduce_tensor(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002 - PyTorch's name
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1 (x is usually a distance).

    d/dx = 1 where y = 1, −1 where y = −1 and x ≤ margin, else 0.
    """
    reduction = _reduction.resolve("hinge_embedding_loss", reduction, size_average, reduce)
    margin_part = select_ops.where(target != 1, (margin - input).clamp(min=0), 0.0)
    self_part = select_ops.where(target != -1, input, 0.0)
    return _reduction.reduce_tensor(margin_part + self_part, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """log(1 + e^(−y·x)), the logistic loss of ±1 labels.   d/dx = −y·σ(−y·x)"""
    reduction = _reduction.resolve("soft_margin_loss", reduction, size_average, reduce)
    _float_tensors("soft_margin_loss", input=input)
    return _reduction.reduce_tensor((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """−(1/C)·Σ_c w_c·(y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c)) per sample, over the last (class) dim.

    d/dx_c = (w_c/C)·(σ(x_c) − y_c).
    """
    reduction = _reduction.resolve("multilabel_soft_margin_loss", reduction, size_average, reduce)
    _float_tensors("multilabel_soft_margin_loss", input=input)
    if input.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss: expected an input of shape (C,) or (N, C), got a 0-d tensor")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.shape[-1]
    return _reduction.reduce_tensor(loss.sum(dim=input.ndim - 1) / classes, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1; cos over the last dim.

    cos = Σ x1·x2 / √((Σ x1² + ε)(Σ x2² + ε)), ε = 1e-12 (PyTorch's). Inputs (N, D) with target (N,), or (D,)
    with a 0-d target.
    """
    reduction = _reduction.resolve("cosine_embedding_loss", reduction, size_average, reduce)
    _float_tensors("cosine_embedding_loss", input1=input1, input2=input2)
    if target.ndim not in (0, 1):
        raise RuntimeError(f"cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported "
                           f"(target shape {target.shape})")
    expected = target.ndim + 1
    if input1.ndim != expected or input2.ndim != expected:
        raise RuntimeError(
            f"cosine_embedding_loss: {target.ndim}D target tensor expects {expected}D input tensors, but found "
            f"inputs with sizes {input1.shape} and {input2.shape}"
        )
    dim = target.ndim
    product = (input1 * input2).sum(dim)
    squared1 = (input1 * input1).sum(dim) + _COSINE_EPSILON
    squared2 = (input2 * input2).sum(dim) + _COSINE_EPSILON
    cosine = product / (squared1 * squared2).sqrt()
    positive = select_ops.where(target == 1, 1 - cosine, 0.0)
    negative = select_ops.where(target == -1, (cosine - margin).clamp(min=0), 0.0)
    return _reduction.reduce_tensor(positive + negative, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) − d(a, n)), d = pairwise_distance(·, ·, p, eps) (Schroff et al. 2015).

    swap=True uses min(d(a, n), d(p, n)) as the negative distance (Balntas et al. 2016).
    """
    reduction = _reduction.resolve("triplet_margin_loss", reduction, size_average, reduce)
    _float_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            f"triplet_margin_loss: the anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )
    distance_positive = pairwise_distance(anchor, positive, p, eps)
    distance_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        distance_negative = select_ops.minimum(distance_negative, pairwise_distance(positive, negative, p, eps))
    loss = (distance_positive - distance_negative + margin).clamp(min=0)
    return _reduction.reduce_tensor(loss, reduction)
