"""Binary cross-entropy: on probabilities (binary_cross_entropy) and on logits, fused with the sigmoid
(binary_cross_entropy_with_logits).

On probabilities p with targets t and weights w, as PyTorch, with each log clamped to ≥ −100 so p = 0 or 1
gives a finite loss:
    loss = −w·(t·log p + (1 − t)·log(1 − p))
    dloss/dp = w·(p − t) / max(p(1 − p), 1e-12)          dloss/dt = w·(log(1 − p) − log p)
dloss/dt uses the clamped logs, so it is the exact derivative of the clamped loss (±100 at p = 0 or 1, where
PyTorch, which differentiates the unclamped logs, gives ±inf).

On logits x, through the stable −log σ(x) = softplus(−x) = log(1 + e^(−|x|)) + max(−x, 0) (never exp of a
large positive number), with the positive-class weight p_w broadcast along the last dim, L = 1 + (p_w − 1)·t:
    loss = w·((1 − t)·x + L·softplus(−x))
    dloss/dx = w·(L·σ(x) − p_w·t)      (w·(σ(x) − t) without p_w)
    dloss/dt = w·(−x + (p_w − 1)·softplus(−x))      dloss/dp_w = w·t·softplus(−x)      dloss/dw = loss/w
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.node import Op
from ...backend import namespace_of
from ...ops.arithmetic import promote_operands
from ...ops.select import where
from ...tensor import Tensor
from . import _reduction

_LOG_FLOOR = -100.0  # PyTorch clamps each log to this, so p = 0 or 1 costs 100, not inf
_EPSILON = 1e-12  # PyTorch's floor on p(1 − p) in the gradient


class BinaryCrossEntropyOp(Op):
    """loss = −w(t log p + (1 − t) log(1 − p)).   dloss/dp = w(p − t)/max(p(1 − p), 1e-12)"""

    @staticmethod
    def forward(ctx, p, target, weight, reduction):
        ctx.weight, ctx.reduction = weight, reduction
        xp = namespace_of(p)
        with np.errstate(divide="ignore"):  # log 0 = −inf, then clamped
            log_p = xp.clip(xp.log(p), _LOG_FLOOR, None)
            log_not_p = xp.clip(xp.log1p(-p), _LOG_FLOOR, None)
        loss = (target - 1) * log_not_p
        loss -= target * log_p
        if weight is not None:
            loss *= weight.astype(p.dtype, copy=False)
        ctx.save_for_backward(p, target, log_p if ctx.needs_input_grad[1] else None,
                              log_not_p if ctx.needs_input_grad[1] else None)
        return _reduction.reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        p, target, log_p, log_not_p = ctx.saved_tensors
        xp = namespace_of(p)
        scale = _reduction.unreduce_grad(grad, ctx.reduction, p.size)
        if ctx.weight is not None:
            scale = scale * ctx.weight.astype(p.dtype, copy=False)
        grad_p = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_p = p - target
            grad_p /= xp.clip((1 - p) * p, _EPSILON, None)
            grad_p *= scale
        if ctx.needs_input_grad[1]:
            grad_target = (log_not_p - log_p) * scale
        return grad_p, grad_target, None, None

    @staticmethod
    def reference(ctx, p, target, weight, reduction):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        # Where p(1 − p) < 1e-12 (p at or next to 0 or 1, e.g. a saturated float32 sigmoid) backward floors the
        # denominator at 1e-12, as PyTorch; there the composition is a quadratic with backward's derivatives
        # (instead of a nan from log 0), elsewhere p is replaced by ½ so that branch stays finite.
        inside = Tensor(p.array * (1 - p.array) >= _EPSILON)
        p_inside = where(inside, p, 0.5)
        log_p = p_inside.log().clamp(min=_LOG_FLOOR)
        log_not_p = (-p_inside).log1p().clamp(min=_LOG_FLOOR)
        loss = where(inside, (target - 1) * log_not_p - target * log_p, _bce_near_the_edges(p, target))
        if weight is not None:
            loss = loss * weight.type_as(p)
        return _reduction.reduce_loss(loss, reduction)


def _bce_near_the_edges(p: Tensor, target: Tensor) -> Tensor:
    """The loss at (p₀, t₀) as forward computes it, with backward's derivatives there: dloss/dt =
    log(1 − p₀) − log p₀ (clamped logs) and dloss/dp = (p − t₀)/1e-12 (the floored denominator)."""
    p0, t0 = p.detach(), target.detach()
    with np.errstate(divide="ignore"):  # log 0 = −inf, then clamped
        log_p0 = Tensor(np.clip(np.log(p0.array), _LOG_FLOOR, None))
        log_not_p0 = Tensor(np.clip(np.log1p(-p0.array), _LOG_FLOOR, None))
    value = (t0 - 1) * log_not_p0 - t0 * log_p0
    return value + (target - t0) * (log_not_p0 - log_p0) + ((p - t0) ** 2 - (p0 - t0) ** 2) / (2 * _EPSILON)


class BinaryCrossEntropyWithLogitsOp(Op):
    """loss = w((1 − t)x + L·softplus(−x)),  L = 1 + (p_w − 1)t.   dloss/dx = w(Lσ(x) − p_w·t)"""

    @staticmethod
    def forward(ctx, x, target, weight, pos_weight, reduction):
        ctx.weight, ctx.reduction = weight, reduction
        xp = namespace_of(x)
        # softplus(−x) = −log σ(x) = log(1 + e^(−|x|)) + max(−x, 0): the exp argument is never positive.
        softplus = xp.log1p(xp.exp(-xp.abs(x)))
        softplus += xp.maximum(-x, 0)
        loss = (1 - target) * x
        if pos_weight is None:
            loss += softplus
            log_weight = None
        else:
            pos_weight = pos_weight.astype(x.dtype, copy=False)
            log_weight = (pos_weight - 1) * target + 1  # L
            loss += log_weight * softplus
        ctx.pos_weight = pos_weight  # in x's dtype
        unweighted = loss
        if weight is not None:
            loss = loss * weight.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, target, softplus, log_weight, unweighted if ctx.needs_input_grad[2] else None)
        return _reduction.reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target, softplus, log_weight, unweighted = ctx.saved_tensors
        xp = namespace_of(x)
        scale = _reduction.unreduce_grad(grad, ctx.reduction, x.size)
        grad_weight = scale * unweighted if ctx.needs_input_grad[2] else None
        if ctx.weight is not None:
            scale = scale * ctx.weight.astype(x.dtype, copy=False)
        grad_x = grad_target = grad_pos_weight = None
        if ctx.needs_input_grad[0]:
            grad_x = xp.exp(-softplus)  # σ(x) = e^(log σ(x)), exact and overflow-free
            if ctx.pos_weight is None:
                grad_x -= target
            else:
                grad_x *= log_weight
                grad_x -= ctx.pos_weight * target
            grad_x *= scale
        if ctx.needs_input_grad[1]:
            grad_target = -x
            if ctx.pos_weight is not None:
                grad_target += (ctx.pos_weight - 1) * softplus
            grad_target *= scale
        if ctx.needs_input_grad[3]:
            grad_pos_weight = target * softplus * scale
        return grad_x, grad_target, grad_weight, grad_pos_weight, None

    @staticmethod
    def reference(ctx, x, target, weight, pos_weight, reduction):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        softplus = _softplus_of_negative(x)
        if pos_weight is None:
            loss = (1 - target) * x + softplus
        else:
            loss = (1 - target) * x + ((pos_weight.type_as(x) - 1) * target + 1) * softplus  # L·softplus(−x)
        if weight is not None:
            loss = loss * weight.type_as(x)
        return _reduction.reduce_loss(loss, reduction)


def _softplus_of_negative(x: Tensor) -> Tensor:
    """softplus(−x) = −log σ(x) from tensor ops, smooth everywhere (also at x = 0, unlike |x| and max(−x, 0)):
    log(1 + e^(−x)) for x > 0 and log(1 + eˣ) − x otherwise, each on x clipped to its own side so that the
    unused branch stays finite (an inf there would make its zero gradient 0·inf = nan)."""
    positive = (-x.clamp(min=0)).exp().log1p()
    negative = x.clamp(max=0).exp().log1p() - x
    return where(x > 0, positive, negative)


# ---- functions -----------------------------------------------------------------------------------------------


def _same_shape(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{name}: input and target must be tensors, got {type(input).__name__} and {type(target).__name__}"
        )
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: target of shape {target.shape} must have the same shape as input of shape {input.shape}"
        )
    return promote_operands(name, input, target, floating=True)


def _check_broadcasts_to(name: str, argument: str, value: Any, shape: tuple) -> None:
    if value is None:
        return
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: {argument} must be a tensor or None, got {type(value).__name__}")
    try:
        fits = np.broadcast_shapes(value.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {argument} of shape {value.shape} does not broadcast to input's shape {shape}")


def binary_cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities `input` in [0, 1] against `target` (same shape), logs ≥ −100.

    Prefer binary_cross_entropy_with_logits on logits: it is stable where σ saturates.
    """
    reduction = _reduction.resolve("binary_cross_entropy", reduction, size_average, reduce)
    p, target = _same_shape("binary_cross_entropy", input, target)
    _check_broadcasts_to("binary_cross_entropy", "weight", weight, p.shape)
    if weight is not None and weight.requires_grad:
        raise ValueError("binary_cross_entropy: weight cannot require grad (PyTorch has no gradient for it); "
                         "pass weight.detach(), or use binary_cross_entropy_with_logits")
    inside = (p.array >= 0) & (p.array <= 1)
    if not bool(inside.all()):
        bad = float(p.array[~inside].reshape(-1)[0])
        raise ValueError(
            f"binary_cross_entropy: all elements of input should be between 0 and 1 (probabilities), found {bad}; "
            "for logits use binary_cross_entropy_with_logits"
        )
    return BinaryCrossEntropyOp.apply(p, target, weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid and binary cross-entropy fused: −w·(p_w·t·log σ(x) + (1 − t)·log(1 − σ(x))), stable for any x.

    weight broadcasts to input's shape; pos_weight (the weight of positive targets, e.g. (C,) for input
    (N, C)) broadcasts along the last dims.
    """
    name = "binary_cross_entropy_with_logits"
    reduction = _reduction.resolve(name, reduction, size_average, reduce)
    x, target = _same_shape(name, input, target)
    _check_broadcasts_to(name, "weight", weight, x.shape)
    _check_broadcasts_to(name, "pos_weight", pos_weight, x.shape)
    return BinaryCrossEntropyWithLogitsOp.apply(x, target, weight, pos_weight, reduction)
