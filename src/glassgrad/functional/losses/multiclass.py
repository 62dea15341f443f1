"""Multi-class classification losses: cross_entropy (log-softmax and NLL fused into one op) and nll_loss.

Notation, for logits x of shape (N, C, d1, ...) (or (C,) unbatched), with the class along dim 1 (dim 0):
    log p = x − log Σ_c e^(x_c)                 (log-softmax over the class dim, max-shifted)
    class-index target y, class weights w, smoothing ε:
        loss_n = −(1 − ε)·w_(y_n)·log p_(n, y_n) − (ε/C)·Σ_c w_c·log p_(n, c)   (0 where y_n = ignore_index)
        mean   = Σ_n loss_n / Σ_n w_(y_n)      (PyTorch's weighted mean, over the non-ignored targets)
    probability target q (input's shape):
        loss_n = −Σ_c w_c·q̃_(n, c)·log p_(n, c),   q̃ = (1 − ε)·q + ε/C
        mean   = Σ_n loss_n / (number of n)     (not divided by the weights: PyTorch's choice)
Both are loss_n = −Σ_c Q_(n, c)·log p_(n, c) for a target matrix Q, whose gradient is the fused backward
    dloss_n/dx_(n, k) = p_(n, k)·Σ_c Q_(n, c) − Q_(n, k)       (softmax minus the (weighted, smoothed) one-hot)
which needs no log-softmax graph: forward keeps the probabilities, backward is two passes over them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...autograd.node import Op
from ...backend import namespace_of
from ...ops.select import where
from ...ops.softmax import log_softmax
from ...tensor import Tensor
from . import _reduction


def _target_index(target: Any, axis: int) -> tuple:
    """Index that picks input[n, target[n, d...], d...] for every target element (open grids elsewhere)."""
    if axis == 0:  # unbatched: input (C,), target 0-d
        return (target,)
    xp = namespace_of(target)
    grids = []
    for position, size in enumerate(target.shape):
        view = [1] * target.ndim
        view[position] = size
        grids.append(xp.arange(size).reshape(view))  # broadcasts against the other grids to target's shape
    return (grids[0], target, *grids[1:])


def _targets(target: Any, weight: Any, ignore_index: int, dtype: np.dtype) -> tuple:
    """(valid mask, target with ignored entries set to class 0, weight of each target: 0 where ignored)."""
    valid = target != ignore_index
    safe = target * valid  # ignored → class 0, a safe index whose value the weight 0 then removes
    if weight is None or weight.size == 0:  # no classes: every target is ignored, and there is no weight[0]
        return valid, safe, valid.astype(dtype)
    return valid, safe, weight.astype(dtype, copy=False)[safe] * valid


def _on_class_axis(values: Any, axis: int, ndim: int) -> Any:
    """A (C,) vector reshaped to broadcast along the class axis of an ndim-d input: (1, C, 1, ...)."""
    shape = [1] * ndim
    shape[axis] = values.shape[0]
    return values.reshape(shape)


class CrossEntropyOp(Op):
    """Cross-entropy of logits against class indices, with weights, ignore_index and label smoothing.

    loss_n = −(1 − ε)·w_y·log p_y − (ε/C)·Σ_c w_c log p_c.   dloss_n/dx = p·Σ_c Q_c − Q (module docstring)
    """

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        ctx.weight, ctx.reduction, ctx.label_smoothing = weight, reduction, label_smoothing
        xp = namespace_of(x)
        axis = 0 if x.ndim == 1 else 1
        classes = x.shape[axis]
        valid, safe, target_weight = _targets(target, weight, ignore_index, x.dtype)
        if classes == 0:
            return _no_classes(ctx, x, target_weight, valid, reduction, label_smoothing)
        index = _target_index(safe, axis)

        # 1. Shift by the max so exp cannot overflow; log p_y = shifted_y − log Σ e^shifted.
        shifted = x - x.max(axis=axis, keepdims=True)
        picked = shifted[index]
        if label_smoothing and weight is None:
            weighted_sum = shifted.sum(axis=axis)  # Σ_c shifted_c
        elif label_smoothing:
            weights = _on_class_axis(weight.astype(x.dtype, copy=False), axis, x.ndim)
            weighted_sum = (shifted * weights).sum(axis=axis)  # Σ_c w_c·shifted_c
        exps = xp.exp(shifted, out=shifted)
        sum_exps = exps.sum(axis=axis, keepdims=True)
        log_z = xp.log(sum_exps).squeeze(axis)

        # 2. loss_n; `where`, not a product with the 0 weight, so an ignored row with −inf logits stays 0.
        loss = xp.where(valid, (log_z - picked) * target_weight, 0)
        if label_smoothing:
            total_weight = classes if weight is None else weight.astype(x.dtype, copy=False).sum()
            smooth = xp.where(valid, total_weight * log_z - weighted_sum, 0)  # −Σ_c w_c log p_c
            loss = (1 - label_smoothing) * loss + (label_smoothing / classes) * smooth

        # 3. Keep p for backward (exps is fresh, so normalise it in place).
        if ctx.needs_input_grad[0]:
            exps /= sum_exps
            ctx.save_for_backward(exps, target_weight, valid)
        ctx.index = index
        ctx.denominator = target_weight.sum()
        return _reduce_classes(loss, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        probs, target_weight, valid = ctx.saved_tensors
        xp = namespace_of(probs)
        weight, label_smoothing = ctx.weight, ctx.label_smoothing
        axis = 0 if probs.ndim == 1 else 1
        classes = probs.shape[axis]
        if classes == 0:  # every target ignored (see _no_classes): an empty gradient
            return xp.zeros_like(probs), None, None, None, None, None
        scale = _unreduce_classes(grad, ctx.reduction, ctx.denominator)  # dL/dloss_n
        # Q_(n, y_n) before smoothing, selected: an ignored target gets exactly 0, as in PyTorch's nll_loss
        # backward (which writes only the valid ones), even where its upstream gradient is inf (inf · 0 = nan).
        one_hot_part = xp.where(valid, (1 - label_smoothing) * scale * target_weight, 0)
        row_total = one_hot_part  # Σ_c Q_(n, c)
        if label_smoothing:
            weights = 1 if weight is None else weight.astype(probs.dtype, copy=False)
            total_weight = classes if weight is None else weights.sum()
            smooth_scale = xp.where(valid, scale * (label_smoothing / classes), 0)  # per row: Q_c = this·w_c
            row_total = one_hot_part + smooth_scale * total_weight
        grad_x = probs * xp.expand_dims(row_total, axis)
        grad_x[ctx.index] -= one_hot_part
        if label_smoothing:
            class_weights = 1 if weight is None else _on_class_axis(weights, axis, probs.ndim)
            grad_x -= xp.expand_dims(smooth_scale, axis) * class_weights
        return grad_x, None, None, None, None, None

    @staticmethod
    def reference(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        axis = 0 if x.ndim == 1 else 1
        classes = x.shape[axis]
        weight_array = None if weight is None else weight.array
        valid, _, target_weight = _targets(target.array, weight_array, ignore_index, x.array.dtype)
        valid = Tensor(np.asarray(valid))  # a 0-d comparison is a NumPy scalar
        log_p = log_softmax(x, axis)
        # `where`, as forward: an ignored row with −inf logits stays 0 (and its gradient is not nan).
        loss = where(valid, -log_p[ctx.index] * Tensor(target_weight), 0.0)
        if label_smoothing:
            weighted = log_p if weight is None else log_p * Tensor(_on_class_axis(weight_array, axis, x.ndim))
            smooth = where(valid, -weighted.sum(axis), 0.0)  # −Σ_c w_c log p_c
            loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)
        return _reduce_classes(loss, reduction, ctx.denominator)


class CrossEntropyProbabilitiesOp(Op):
    """Cross-entropy of logits against class probabilities q (input's shape), with weights and smoothing.

    loss_n = −Σ_c w_c q̃_c log p_c,  q̃ = (1 − ε)q + ε/C.   dloss/dx = p·Σ_c w_c q̃_c − w q̃;  dloss/dq = −(1 − ε)·w·log p
    """

    @staticmethod
    def forward(ctx, x, target, weight, reduction, label_smoothing):
        ctx.reduction, ctx.label_smoothing = reduction, label_smoothing
        xp = namespace_of(x)
        axis = 0 if x.ndim == 1 else 1
        classes = x.shape[axis]
        target = target.astype(x.dtype, copy=False)
        if label_smoothing and classes:  # (no classes: nothing to smooth, and ε/C would divide by 0)
            target = target * (1 - label_smoothing) + label_smoothing / classes
        weights = None
        if weight is not None:
            weights = _on_class_axis(weight.astype(x.dtype, copy=False), axis, x.ndim)
            target = target * weights
        shifted = x - (x.max(axis=axis, keepdims=True) if classes else 0)  # no classes: no max, nothing to shift
        log_probs = shifted  # turned into log p in place below
        with np.errstate(divide="ignore"):  # no classes: log Σ = log 0 = −inf, subtracted from nothing
            log_probs -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        loss = -(log_probs * target).sum(axis=axis)
        ctx.save_for_backward(log_probs, target)
        ctx.weights = weights
        if reduction == "mean" and x.size == 0:  # PyTorch: nan for no logits, also for rows of no classes
            return xp.full((), np.nan, dtype=x.dtype)
        return _reduction.reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        log_probs, weighted_target = ctx.saved_tensors
        xp = namespace_of(log_probs)
        axis = 0 if log_probs.ndim == 1 else 1
        rows = math.prod(log_probs.shape[:axis] + log_probs.shape[axis + 1:])
        scale = _reduction.unreduce_grad(grad, ctx.reduction, rows)
        if grad.ndim:  # 'none': one gradient per row, broadcast over the class axis
            scale = xp.expand_dims(scale, axis)
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            # PyTorch's composite, in its order: g_logp = −scale·w·q̃, then log_softmax's g_logp − p·Σ_c g_logp.
            # (Factoring the scale out, (p·Σ w·q̃ − w·q̃)·scale, differs for an infinite scale: ±inf where this
            # gives inf − inf = nan.)
            grad_log_probs = weighted_target * -scale
            grad_x = xp.exp(log_probs)
            grad_x *= grad_log_probs.sum(axis=axis, keepdims=True)
            grad_x = xp.subtract(grad_log_probs, grad_x, out=grad_x)
        if ctx.needs_input_grad[1]:
            grad_target = log_probs * (-(1 - ctx.label_smoothing) * scale)
            if ctx.weights is not None:
                grad_target *= ctx.weights
        return grad_x, grad_target, None, None, None

    @staticmethod
    def reference(ctx, x, target, weight, reduction, label_smoothing):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        axis = 0 if x.ndim == 1 else 1
        target = target.type_as(x)
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / x.shape[axis]
        if ctx.weights is not None:
            target = target * Tensor(ctx.weights)
        return _reduction.reduce_loss(-(log_softmax(x, axis) * target).sum(axis), reduction)


class NllLossOp(Op):
    """Negative log-likelihood of log-probabilities: loss_n = −w_(y_n)·x_(n, y_n) (0 where ignored).

    dloss_n/dx_(n, k) = −w_(y_n) where k = y_n, else 0; mean divides by Σ_n w_(y_n)
    """

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        ctx.reduction = reduction
        xp = namespace_of(x)
        axis = 0 if x.ndim == 1 else 1
        valid, safe, target_weight = _targets(target, weight, ignore_index, x.dtype)
        index = _target_index(safe, axis)
        # No classes: every target is ignored, and there is no x[n, 0] to pick.
        picked = x[index] if x.shape[axis] else xp.zeros(valid.shape, x.dtype)
        loss = xp.where(valid, -picked * target_weight, 0)
        # x too, unused by backward: PyTorch saves x, so an in-place write into x refuses the backward
        ctx.save_for_backward(target_weight, valid, x)
        ctx.index = index
        ctx.shape = x.shape
        ctx.denominator = target_weight.sum()
        return _reduce_classes(loss, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        target_weight, valid, _ = ctx.saved_tensors
        xp = namespace_of(target_weight)
        scale = _unreduce_classes(grad, ctx.reduction, ctx.denominator)
        grad_x = xp.zeros(ctx.shape, dtype=target_weight.dtype)
        if grad_x.size:  # (no classes: nothing to write)
            # Selected, as PyTorch writes only the valid targets: an ignored one gets 0 even for an inf gradient.
            grad_x[ctx.index] = xp.where(valid, -(scale * target_weight), 0)
        return grad_x, None, None, None, None

    @staticmethod
    def reference(ctx, x, target, weight, ignore_index, reduction):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        weight_array = None if weight is None else weight.array
        valid, _, target_weight = _targets(target.array, weight_array, ignore_index, x.array.dtype)
        loss = where(Tensor(np.asarray(valid)), -x[ctx.index] * Tensor(target_weight), 0.0)
        return _reduce_classes(loss, reduction, ctx.denominator)


def _no_classes(ctx: Any, x: Any, target_weight: Any, valid: Any, reduction: str, label_smoothing: float) -> Any:
    """cross_entropy over zero classes, where every target must be ignore_index (target_weight is all 0): the
    loss of each is 0, and nan with label smoothing (PyTorch's ε/C = inf times the 0 of an ignored target); the
    mean is 0/0 = nan. Backward returns the empty gradient."""
    xp = namespace_of(x)
    loss = xp.zeros(valid.shape, x.dtype)
    if label_smoothing:
        loss += np.nan
    if ctx.needs_input_grad[0]:
        ctx.save_for_backward(xp.zeros(x.shape, x.dtype), target_weight, valid)  # the (empty) probabilities
    ctx.denominator = target_weight.sum()
    return _reduce_classes(loss, reduction, ctx.denominator)


def _reduce_classes(loss: Any, reduction: str, denominator: Any) -> Any:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: 0/0 = nan, as PyTorch
        return loss.sum() / denominator


def _unreduce_classes(grad: Any, reduction: str, denominator: Any) -> Any:
    if reduction != "mean":
        return grad
    # A zero denominator gives inf or nan, as in PyTorch's g / total_weight: the backwards select it away for
    # ignored targets (every target ignored: gradient 0), and keep it for a valid target of class weight 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        return grad / denominator


# ---- functions -----------------------------------------------------------------------------------------------


def cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and a target, as one fused, numerically stable op.

    Shapes: input (N, C), (N, C, d1, ...) or unbatched (C,). target: class indices (integer dtype) of shape
    (N,), (N, d1, ...) or () with values in [0, C) or equal to ignore_index; or class probabilities with
    input's shape (float dtype). weight: (C,) per-class weights. reduction: 'none' (shape (N, d1, ...)),
    'mean' (class indices: divided by the summed weights of the non-ignored targets) or 'sum'.

    Example: `F.cross_entropy(gg.zeros(2, 4), gg.tensor([0, 3]))` is log 4 ≈ 1.3863.
    """
    reduction = _reduction.resolve("cross_entropy", reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    _check_input("cross_entropy", input, target, weight)
    label_smoothing = float(label_smoothing)
    if target.shape == input.shape:
        if target.array.dtype.kind != "f":
            raise TypeError(
                f"cross_entropy: a target with input's shape {input.shape} holds class probabilities and must be "
                f"floating point, got {target.dtype}; for class indices give target input's shape without the "
                "class dim"
            )
        if ignore_index >= 0:
            raise ValueError(
                f"cross_entropy: ignore_index ({ignore_index}) is not supported for class-probability targets"
            )
        return CrossEntropyProbabilitiesOp.apply(input, target, weight, reduction, label_smoothing)
    _check_class_target("cross_entropy", input, target, ignore_index)
    return CrossEntropyOp.apply(input, target, weight, int(ignore_index), reduction, label_smoothing)


def nll_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: −weight[y]·input[n, y] for log-probabilities `input` and class indices y.

    Shapes as `cross_entropy` with class indices; `nll_loss(log_softmax(x, 1), y)` equals `cross_entropy(x, y)`.
    """
    reduction = _reduction.resolve("nll_loss", reduction, size_average, reduce)
    _check_input("nll_loss", input, target, weight)
    _check_class_target("nll_loss", input, target, ignore_index)
    return NllLossOp.apply(input, target, weight, int(ignore_index), reduction)


def _check_input(name: str, input: Any, target: Any, weight: Any) -> None:  # noqa: A002
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{name}: input and target must be tensors, got {type(input).__name__} and {type(target).__name__}"
        )
    if input.array.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point (logits), got {input.dtype}; use input.float()")
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    classes = input.shape[0 if input.ndim == 1 else 1]
    if isinstance(weight, Tensor) and weight.requires_grad:
        raise ValueError(f"{name}: weight cannot require grad (the loss is not differentiable in it); pass "
                         "weight.detach()")
    if weight is not None and (not isinstance(weight, Tensor) or weight.shape != (classes,)):
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"{name}: weight must be a tensor of shape ({classes},), one weight per class of input "
            f"{input.shape}, got {got}"
        )


def _check_class_target(name: str, input: Tensor, target: Tensor, ignore_index: int) -> None:  # noqa: A002
    axis = 0 if input.ndim == 1 else 1
    classes = input.shape[axis]
    if target.array.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index target must have an integer dtype, got {target.dtype} (target shape "
            f"{target.shape}, input shape {input.shape}); use target.long(), or pass class probabilities of "
            "input's shape"
        )
    expected = input.shape[:axis] + input.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            f"{name}: target of shape {target.shape} does not match input of shape {input.shape}: class-index "
            f"targets have input's shape without the class dim, {expected}"
        )
    if classes == 0 and input.ndim > 2 and target.array.size:
        # PyTorch refuses this too (its reshape to (N, C, 1, −1) cannot infer −1 without elements)
        raise ValueError(
            f"{name}: input of shape {input.shape} has no classes (dim 1 is 0) but spatial dims; give at least "
            "one class"
        )
    array = target.array
    bad = ((array < 0) | (array >= classes)) & (array != ignore_index)
    if bad.any():
        value = int(array[bad].reshape(-1)[0])
        raise ValueError(
            f"{name}: target class {value} is out of range for {classes} classes; class indices must be in "
            f"[0, {classes - 1}] (or equal ignore_index={ignore_index})"
        )
