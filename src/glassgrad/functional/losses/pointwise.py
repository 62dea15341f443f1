"""Elementwise regression and divergence losses: mse_loss, l1_loss, huber_loss, smooth_l1_loss, kl_div.

Each is one op on d = input − target that returns the reduced loss directly, with backward
dL/dd = (dL/dloss)·loss'(d) and dL/dtarget = −dL/dinput. Input and target broadcast (with PyTorch's warning
when their shapes differ); the engine sums each gradient back to its operand's shape.

The optional `weight` of mse_loss, l1_loss and huber_loss is applied to the unreduced op with tensor ops, as
PyTorch does, so the weight gets a gradient too; note PyTorch's weighted means: Σ w·loss / Σ w for mse and l1,
but Σ w·loss / n for huber.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...autograd.node import Op
from ...backend import namespace_of
from ...ops.arithmetic import promote_operands
from ...ops.select import where
from ...ops.unary import sign_of
from ...tensor import Tensor
from . import _reduction


class MseLossOp(Op):
    """loss = (x − t)².   dloss/dx = 2(x − t),  dloss/dt = −2(x − t)"""

    @staticmethod
    def forward(ctx, x, target, reduction):
        ctx.reduction = reduction
        diff = x - target
        # x and target too, unused by backward: PyTorch saves both, so a write into either refuses the backward
        ctx.save_for_backward(diff, x, target)
        return _reduction.reduce_loss(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        diff, _, _ = ctx.saved_tensors
        grad_x = diff * (2 * _reduction.unreduce_grad(grad, ctx.reduction, diff.size))
        return grad_x, (-grad_x if ctx.needs_input_grad[1] else None), None

    @staticmethod
    def reference(ctx, x, target, reduction):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        diff = x - target
        return _reduction.reduce_loss(diff * diff, reduction)


class L1LossOp(Op):
    """loss = |x − t|.   dloss/dx = sign(x − t) (0 at x = t, as PyTorch),  dloss/dt = −sign(x − t)"""

    @staticmethod
    def forward(ctx, x, target, reduction):
        ctx.reduction = reduction
        xp = namespace_of(x)
        diff = x - target
        ctx.save_for_backward(sign_of(diff))  # 0 where diff is NaN, as PyTorch
        return _reduction.reduce_loss(xp.abs(diff, out=diff), reduction)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_tensors
        grad_x = sign * _reduction.unreduce_grad(grad, ctx.reduction, sign.size)
        return grad_x, (-grad_x if ctx.needs_input_grad[1] else None), None

    @staticmethod
    def reference(ctx, x, target, reduction):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        return _reduction.reduce_loss((x - target).abs(), reduction)


class HuberLossOp(Op):
    """loss = ½d² for |d| < δ, else δ(|d| − ½δ); all divided by `divisor` (1, or β for smooth_l1_loss).

    dloss/dd = clip(d, −δ, δ)/divisor  (δ·sign(d) at |d| = δ, as PyTorch)
    """

    @staticmethod
    def forward(ctx, x, target, reduction, delta, divisor):
        ctx.reduction, ctx.delta, ctx.divisor = reduction, delta, divisor
        xp = namespace_of(x)
        diff = x - target
        # With c = min(|d|, δ): ½c² + δ(|d| − c) is ½d² inside and δ(|d| − ½δ) outside, without a branch.
        size = xp.abs(diff)
        inside = xp.clip(size, None, delta)
        loss = inside * inside
        loss *= 0.5
        size -= inside
        size *= delta
        loss += size
        if divisor != 1:
            loss /= divisor
        ctx.save_for_backward(diff)
        return _reduction.reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        delta, divisor = ctx.delta, ctx.divisor
        scale = _reduction.unreduce_grad(grad, ctx.reduction, diff.size)
        grad_x = namespace_of(diff).clip(diff, -delta, delta)
        grad_x *= scale / divisor if divisor != 1 else scale
        return grad_x, (-grad_x if ctx.needs_input_grad[1] else None), None, None, None

    @staticmethod
    def reference(ctx, x, target, reduction, delta, divisor):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        diff = x - target
        size = diff.abs()
        # A select, not min(|d|, δ): its second derivative is 1 in the quadratic zone, also at d = 0.
        loss = where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
        return _reduction.reduce_loss(loss / divisor if divisor != 1 else loss, reduction)


class KlDivOp(Op):
    """Pointwise KL divergence of log-probabilities x from target t (probabilities, or log-probabilities).

    log_target=False: loss = t(log t − x), 0 where t = 0.   dloss/dx = −t,     dloss/dt = log t + 1 − x
    log_target=True:  loss = eᵗ(t − x).                     dloss/dx = −eᵗ,    dloss/dt = eᵗ(t − x + 1)
    """

    @staticmethod
    def forward(ctx, x, target, reduction, log_target):
        ctx.reduction, ctx.log_target = reduction, log_target
        xp = namespace_of(x)
        if log_target:
            probs = xp.exp(target)
            log_probs = target
        else:
            probs = target
            # t·log t → 0 as t → 0 (xlogy): take the log of 1 where t = 0, so 0·log 1 = 0 without a nan.
            log_probs = xp.log(xp.where(target > 0, target, 1))
        loss = probs * (log_probs - x)
        ctx.save_for_backward(probs, log_probs, x)
        count = x.shape[0] if reduction == "batchmean" and x.ndim else loss.size
        ctx.count = count
        if reduction in ("mean", "batchmean"):
            with np.errstate(invalid="ignore"):  # an empty batch: 0/0 = NaN, as PyTorch, without a warning
                return loss.sum() / count
        return _reduction.reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        probs, log_probs, x = ctx.saved_tensors
        reduction = ctx.reduction
        scale = _reduction.unreduce_grad(grad, "mean" if reduction == "batchmean" else reduction, ctx.count)
        grad_x = -probs * scale if ctx.needs_input_grad[0] else None
        grad_target = None
        if ctx.needs_input_grad[1]:
            grad_target = log_probs - x + 1
            if ctx.log_target:
                grad_target *= probs
            grad_target *= scale
        return grad_x, grad_target, None, None

    @staticmethod
    def reference(ctx, x, target, reduction, log_target):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        if log_target:
            loss = target.exp() * (target - x)
        else:
            # log of 1 where t = 0, as forward: 0·log 1 = 0, and no nan in the gradient. The last term is 0 in
            # value and gives dloss/dt there backward's log 1 + 1 − x (PyTorch: nan).
            positive = target > 0
            loss = target * (where(positive, target, 1.0).log() - x) + where(positive, 0.0, target)
        if reduction in ("mean", "batchmean"):
            return loss.sum() / ctx.count
        return _reduction.reduce_loss(loss, reduction)


# ---- functions -----------------------------------------------------------------------------------------------


def _operands(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Input and target as tensors of one float dtype whose shapes broadcast (warning when they differ)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{name}: input and target must be tensors, got {type(input).__name__} and {type(target).__name__}"
        )
    if input.shape != target.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{name}: target of shape {target.shape} cannot be broadcast to input of shape {input.shape}; "
                "give target input's shape"
            ) from None
        warnings.warn(
            f"{name}: using a target size {target.shape} that is different to the input size {input.shape}. "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same "
            "size.",
            stacklevel=3,
        )
    return promote_operands(name, input, target, floating=True)


def _weighted(name: str, unreduced: Tensor, weight: Tensor, input: Tensor, reduction: str,  # noqa: A002
              divide_by_weight: bool) -> Tensor:
    if not isinstance(weight, Tensor) or weight.shape != input.shape:
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{name}: weight must have input's shape {input.shape}, got {got}")
    loss = unreduced * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if divide_by_weight else loss.mean()


def mse_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error (input − target)², reduced; with `weight`, the mean is Σ w·loss / Σ w."""
    reduction = _reduction.resolve("mse_loss", reduction, size_average, reduce)
    x, target = _operands("mse_loss", input, target)
    if weight is None:
        return MseLossOp.apply(x, target, reduction)
    return _weighted("mse_loss", MseLossOp.apply(x, target, "none"), weight, input, reduction, True)


def l1_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error |input − target|, reduced; with `weight`, the mean is Σ w·loss / Σ w."""
    reduction = _reduction.resolve("l1_loss", reduction, size_average, reduce)
    x, target = _operands("l1_loss", input, target)
    if weight is None:
        return L1LossOp.apply(x, target, reduction)
    return _weighted("l1_loss", L1LossOp.apply(x, target, "none"), weight, input, reduction, True)


def huber_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """½d² where |d| < delta, else delta·(|d| − ½delta), for d = input − target; with `weight`, mean of w·loss."""
    reduction = _reduction.resolve("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, target = _operands("huber_loss", input, target)
    if weight is None:
        return HuberLossOp.apply(x, target, reduction, float(delta), 1.0)
    unreduced = HuberLossOp.apply(x, target, "none", float(delta), 1.0)
    return _weighted("huber_loss", unreduced, weight, input, reduction, False)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """½d²/beta where |d| < beta, else |d| − ½beta (Huber loss with delta = beta, divided by beta)."""
    reduction = _reduction.resolve("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, target = _operands("smooth_l1_loss", input, target)
    if beta == 0:  # the quadratic zone vanishes: exactly the L1 loss (PyTorch does the same)
        return L1LossOp.apply(x, target, reduction)
    return HuberLossOp.apply(x, target, reduction, float(beta), float(beta))


def kl_div(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL(target ‖ exp(input)) pointwise: target·(log target − input), for log-probabilities `input`.

    reduction: 'batchmean' (sum / batch size, the mathematical KL divergence), 'sum', 'none', or 'mean'
    (sum / number of elements, PyTorch's default, which it warns about).
    """
    if reduction == "batchmean" and size_average is None and reduce is None:
        resolved = "batchmean"
    else:
        resolved = _reduction.resolve("kl_div", reduction, size_average, reduce)
        if reduction == "mean" and size_average is None and reduce is None:
            warnings.warn(
                "kl_div: reduction 'mean' divides the total loss by both the batch size and the support size. "
                "'batchmean' divides only by the batch size, and aligns with the KL div math definition.",
                stacklevel=2,
            )
    x, target = _operands("kl_div", input, target)
    return KlDivOp.apply(x, target, resolved, bool(log_target))
