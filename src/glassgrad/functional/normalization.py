"""The normalisations, each one fused op with a hand-derived backward: F.layer_norm, F.rms_norm (over the
trailing dims of each sample), F.batch_norm and F.group_norm (over channels).

All four compute x̂ = (x − μ)·r with r = 1/√(σ² + ε) over a set S of M values that share one (μ, σ²), then
scale and shift: y = x̂ ⊙ w + b. They differ in S: layer and RMS norm take the last M = prod(normalized_shape)
elements of the input, flattened to rows (N, M); batch norm the batch and positions of one channel; group
norm the channels of one group and their positions, per sample.

Layer norm (Ba, Kiros, Hinton 2016, "Layer Normalization", arXiv:1607.06450):

    μ = mean(x),   σ² = mean((x − μ)²)  (biased, as PyTorch),   r = 1 / √(σ² + ε)
    x̂ = (x − μ) · r,   y = x̂ ⊙ w + b

Backward, with g = dL/dy and ĝ = g ⊙ w (the gradient reaching x̂). x̂ depends on every element of its row
through μ and r; differentiating x̂ᵢ = (xᵢ − μ) r with dμ/dxⱼ = 1/M and dr/dxⱼ = −r³ (xⱼ − μ)/M = −r² x̂ⱼ / M:

    dL/dx = r · (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))        (means over the row)
    dL/dw = Σ_rows g ⊙ x̂,   dL/db = Σ_rows g

RMS norm (Zhang, Sennrich 2019, "Root Mean Square Layer Normalization", arXiv:1910.07467) drops the centring:

    r = 1 / √(mean(x²) + ε),   x̂ = x · r,   y = x̂ ⊙ w
    dL/dx = r · (ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)),   dL/dw = Σ_rows g ⊙ x̂

Batch norm (Ioffe & Szegedy 2015, section 3) and group norm (Wu & He 2018) are the same formulas with the
means taken over their set S: dL/dx = r · (ĝ − mean_S(ĝ) − x̂ ⊙ mean_S(ĝ ⊙ x̂)), where batch norm's γ is one
value per set, so it moves out of the bracket (ĝ = g inside, γ·r outside). Sums over (N, L) run as
`einsum('ncl->c')`, which is 3x faster than `sum(axis=(0, 2))` in NumPy at the same accuracy.

Forward keeps x̂ and r for backward, so backward is a few passes over the gradient and reads neither x nor μ
again. Layer norm's two passes are references at the seam (kernels/registry.py): float32 rows with a weight
run kernels/layer_norm.py, one pass per row for forward and one for all three gradients.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import Array, namespace_of
from ..backend.sums import column_sum, row_dot, row_mean
from ..kernels.registry import reference
from ..tensor import Tensor

# ---- layer norm and RMS norm: over the trailing dims, as rows (N, M) -----------------------------------------


@reference("layer_norm_forward")
def layer_norm_forward(rows: Array, weight: Array | None, bias: Array | None, eps: float) -> tuple:
    """(y, x̂, r) of layer norm over the rows of an (N, M) array; weight and bias M values or None, r (N, 1)."""
    xp = namespace_of(rows)
    centred = rows - row_mean(rows)  # a fresh (N, M) array: normalised in place below
    variance = row_dot(centred, centred) * (1.0 / rows.shape[1])  # biased, as PyTorch
    rstd = 1.0 / xp.sqrt(variance + eps)  # (N, 1)
    centred *= rstd
    normalized = centred  # x̂
    if weight is None:
        y = normalized.copy() if bias is None else normalized + bias.reshape(-1)
    else:
        y = normalized * weight.reshape(-1)
        if bias is not None:
            y += bias.reshape(-1)  # y is fresh: no temporary
    return y, normalized, rstd


@reference("layer_norm_backward")
def layer_norm_backward(
    grad: Array, normalized: Array, rstd: Array, weight: Array | None, needs: tuple = (True, True, True)
) -> tuple:
    """(dL/dx, dL/dw, dL/db) of layer norm from g and x̂ (N, M), r (N, 1) and w (M values) or None; each
    gradient that `needs` (for x, w, b) does not ask for is None. dL/dw and dL/db are flat (M,)."""
    needs_x, needs_weight, needs_bias = needs
    xp = namespace_of(grad)
    size = grad.shape[1]
    g_x = grad * normalized  # g ⊙ x̂: its column sums are dL/dw, its row means (weighted by w) mean(ĝ x̂)
    grad_weight = column_sum(g_x) if needs_weight else None
    grad_bias = column_sum(grad) if needs_bias else None
    grad_x = None
    if needs_x:
        # mean(ĝ) = g·w/M and mean(ĝ x̂) = (g ⊙ x̂)·w/M: matrix-vector products, no ĝ pass needed for them
        w_over_m = (weight.reshape(-1) if weight is not None else xp.ones(size, dtype=grad.dtype)) * (1.0 / size)
        mean_g = (grad @ w_over_m)[:, None]  # (N, 1)
        mean_gx = (g_x @ w_over_m)[:, None]  # (N, 1)
        grad_x = grad * weight.reshape(-1) if weight is not None else grad.copy()  # ĝ, fresh: updated in place
        grad_x -= mean_g
        xp.multiply(normalized, mean_gx, out=g_x)  # reuse the buffer: x̂ · mean(ĝ x̂)
        grad_x -= g_x
        grad_x *= rstd
    return grad_x, grad_weight, grad_bias


class LayerNormOp(Op):
    """y = (x − μ)/√(σ² + ε) · w + b over rows.   dL/dx = r (ĝ − mean ĝ − x̂ mean(ĝ x̂)), ĝ = g w"""

    @staticmethod
    def forward(ctx, x, weight, bias, size, eps):
        y, normalized, rstd = layer_norm_forward(x.reshape(-1, size), weight, bias, eps)  # (..., M) -> (N, M)
        ctx.save_for_backward(normalized, rstd, weight)
        ctx.bias_shape = None if bias is None else bias.shape
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        normalized, rstd, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        g = grad.reshape(normalized.shape)  # (N, M)
        grad_x, grad_weight, grad_bias = layer_norm_backward(g, normalized, rstd, weight, needs)
        return (
            None if grad_x is None else grad_x.reshape(grad.shape),
            None if grad_weight is None else grad_weight.reshape(weight.shape),
            None if grad_bias is None else grad_bias.reshape(ctx.bias_shape),
            None,
            None,
        )

    @staticmethod
    def reference(ctx, x, weight, bias, size, eps):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        centred = rows - rows.mean(1, keepdim=True)
        normalized = centred / ((centred * centred).mean(1, keepdim=True) + eps).sqrt()  # x̂
        return _scale_and_shift(normalized, weight, bias).reshape(x.shape)


class RMSNormOp(Op):
    """y = x/√(mean x² + ε) · w over rows.   dL/dx = r (ĝ − x̂ mean(ĝ x̂)), ĝ = g w (module docstring)"""

    @staticmethod
    def forward(ctx, x, weight, size, eps):
        xp = namespace_of(x)
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        rstd = 1.0 / xp.sqrt(row_dot(rows, rows) * (1.0 / size) + eps)  # (N, 1)
        normalized = rows * rstd
        ctx.save_for_backward(normalized, rstd, weight)
        y = normalized * weight.reshape(-1) if weight is not None else normalized
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        normalized, rstd, weight = ctx.saved_tensors
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        size = normalized.shape[1]
        g = grad.reshape(-1, size)  # (N, M)
        grad_x = grad_weight = None
        if needs_weight:
            grad_weight = column_sum(g * normalized).reshape(weight.shape)
        if needs_x:
            g_hat = g * weight.reshape(-1) if weight is not None else g.copy()
            mean_gx = row_dot(g_hat, normalized) * (1.0 / size)  # (N, 1)
            g_hat -= normalized * mean_gx
            g_hat *= rstd
            grad_x = g_hat.reshape(grad.shape)
        return grad_x, grad_weight, None, None

    @staticmethod
    def reference(ctx, x, weight, size, eps):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        normalized = rows / ((rows * rows).mean(1, keepdim=True) + eps).sqrt()  # x̂
        return _scale_and_shift(normalized, weight, None).reshape(x.shape)


def _scale_and_shift(normalized: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """x̂ ⊙ w + b on (N, M) rows, for the references; weight and bias have normalized_shape (M values)."""
    y = normalized if weight is None else normalized * weight.reshape(-1)
    return y if bias is None else y + bias.reshape(-1)


# ---- batch norm and group norm: over channels (N, C, L) ------------------------------------------------------


class BatchNormOp(Op):
    """Training: y = γ ⊙ (x − μ_B)/√(σ²_B + ε) + β with batch statistics per channel, running stats updated.
    Evaluation: the same with the running statistics, an affine map per channel.

    dL/dx = γ/√(σ² + ε) · (g − mean(g) − x̂ · mean(g ⊙ x̂)) in training, γ/√(σ²_run + ε) · g in evaluation
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xp = namespace_of(x)
        x3 = _as_ncl(x)  # (N, C, L): L = 1 for (N, C) input
        count = x3.shape[0] * x3.shape[2]
        if training:
            mean = xp.einsum("ncl->c", x3) / count
            centered = x3 - mean[:, None]
            var = xp.einsum("ncl,ncl->c", centered, centered) / count  # biased, as used to normalise
            if running_mean is not None:
                # PyTorch's running estimate: an exponential average of the batch mean and *unbiased* variance.
                running_mean *= 1 - momentum
                running_mean += momentum * mean.astype(running_mean.dtype)
            if running_var is not None:
                unbiased = var * (count / max(count - 1, 1))
                running_var *= 1 - momentum
                running_var += momentum * unbiased.astype(running_var.dtype)
        else:
            centered = x3 - running_mean.astype(x.dtype, copy=False)[:, None]
            var = running_var.astype(x.dtype, copy=False)
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))  # (C,)
        x_hat = centered
        x_hat *= inv_std[:, None]  # in place: the centred values are not needed any more
        y = x_hat * weight[:, None] if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias[:, None]
        ctx.training = training
        ctx.save_for_backward(x_hat, inv_std, weight)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        xp = namespace_of(grad)
        g = _as_ncl(grad)  # (N, C, L)
        count = g.shape[0] * g.shape[2]
        sum_g = xp.einsum("ncl->c", g)  # dL/dβ
        sum_g_xhat = xp.einsum("ncl,ncl->c", g, x_hat)  # dL/dγ
        grad_x = None
        if needs_x:
            scale = inv_std if weight is None else weight * inv_std  # γ/√(σ² + ε)
            if ctx.training:
                grad_x = x_hat * (-sum_g_xhat / count)[:, None]
                grad_x += g
                grad_x -= (sum_g / count)[:, None]
                grad_x *= scale[:, None]
            else:  # the running statistics are constants
                grad_x = g * scale[:, None]
            grad_x = grad_x.reshape(grad.shape)
        return (
            grad_x,
            sum_g_xhat if needs_weight else None,
            sum_g if needs_bias else None,
            None,
            None,
            None,
            None,
            None,
        )

    @staticmethod
    def reference(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        # The running statistics are not updated again: forward already did.
        N, C, L = x.shape[0], x.shape[1], math.prod(x.shape[2:])  # spelled out: −1 is ambiguous for N = 0
        x3 = x.reshape(N, C, L)  # (N, C, L)
        if training:
            centred = x3 - x3.mean((0, 2), keepdim=True)
            variance = (centred * centred).mean((0, 2), keepdim=True)  # biased, as forward
        else:  # constants: forward's running statistics
            centred = x3 - Tensor(running_mean.astype(x3.array.dtype, copy=False)[:, None])
            variance = Tensor(running_var.astype(x3.array.dtype, copy=False)[:, None])
        x_hat = centred / (variance + eps).sqrt()
        return _per_channel_affine(x_hat, weight, bias).reshape(x.shape)


class GroupNormOp(Op):
    """y = γ ⊙ (x − μ_ng)/√(σ²_ng + ε) + β, statistics per sample n and channel group g.

    dL/dx = 1/√(σ² + ε) · (h − mean_g(h) − x̂ · mean_g(h ⊙ x̂)) with h = γ ⊙ g, means over each group
    """

    @staticmethod
    def forward(ctx, x, num_groups, weight, bias, eps):
        xp = namespace_of(x)
        N, C = x.shape[0], x.shape[1]
        xg = x.reshape(N, num_groups, C // num_groups * math.prod(x.shape[2:]))  # (N, G, C/G·L)
        mean = xg.mean(axis=2, keepdims=True)
        x_hat = xg - mean
        var = xp.einsum("ngk,ngk->ng", x_hat, x_hat)[:, :, None] / x_hat.shape[2]
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))  # (N, G, 1)
        x_hat *= inv_std
        x3 = _as_ncl(x_hat.reshape(x.shape))  # (N, C, L): the affine map is per channel
        y = x3 * weight[:, None] if weight is not None else x3.copy()
        if bias is not None:
            y += bias[:, None]
        ctx.save_for_backward(x_hat, inv_std, weight)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = (
            ctx.needs_input_grad[0],
            ctx.needs_input_grad[2],
            ctx.needs_input_grad[3],
        )
        xp = namespace_of(grad)
        g = _as_ncl(grad)  # (N, C, L)
        x3 = _as_ncl(x_hat.reshape(grad.shape))
        grad_x = grad_weight = grad_bias = None
        if needs_weight:
            grad_weight = xp.einsum("ncl,ncl->c", g, x3)
        if needs_bias:
            grad_bias = xp.einsum("ncl->c", g)
        if needs_x:
            h = (g * weight[:, None] if weight is not None else g).reshape(x_hat.shape)  # (N, G, K)
            size = x_hat.shape[2]
            mean_h = h.mean(axis=2, keepdims=True)
            mean_h_xhat = xp.einsum("ngk,ngk->ng", h, x_hat)[:, :, None] / size
            grad_x = (h - mean_h - x_hat * mean_h_xhat) * inv_std
            grad_x = grad_x.reshape(grad.shape)
        return grad_x, None, grad_weight, grad_bias, None

    @staticmethod
    def reference(ctx, x, num_groups, weight, bias, eps):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        N, C, L = x.shape[0], x.shape[1], math.prod(x.shape[2:])  # spelled out: −1 is ambiguous for N = 0
        xg = x.reshape(N, num_groups, C // num_groups * L)  # (N, G, C/G·L)
        centred = xg - xg.mean(2, keepdim=True)
        x_hat = centred / ((centred * centred).mean(2, keepdim=True) + eps).sqrt()
        return _per_channel_affine(x_hat.reshape(N, C, L), weight, bias).reshape(x.shape)  # (N, C, L)


def _per_channel_affine(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """γ ⊙ x̂ + β on (N, C, L), γ and β per channel, for the references."""
    y = x_hat if weight is None else x_hat * weight.reshape(-1, 1)
    return y if bias is None else y + bias.reshape(-1, 1)


def _as_ncl(x: Array) -> Array:
    """(N, C, *) viewed as (N, C, L), L the product of the rest (1 for (N, C)); spelled out, since with N = 0
    a −1 in reshape is ambiguous."""
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


# ---- argument handling ---------------------------------------------------------------------------------------


def _check_trailing(name: str, input: Tensor, normalized_shape: Any, params: dict) -> tuple[int, ...]:  # noqa: A002
    """normalized_shape as a tuple, after checking it is a suffix of input.shape and fits the parameters."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}; convert with .float()")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or any(not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"{name}: normalized_shape must be a positive int or a non-empty tuple of them, "
                         f"got {normalized_shape!r}")  # fmt: skip
    if tuple(input.shape[len(input.shape) - len(shape) :]) != shape or input.ndim < len(shape):
        raise ValueError(
            f"{name}: input of shape {input.shape} does not end in normalized_shape {shape}; "
            "normalized_shape names the trailing dims to normalise over, e.g. (C,) for an input (B, T, C)"
        )
    for label, tensor in params.items():
        if tensor is None:
            continue
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}: {label} must be a Tensor or None, got {type(tensor).__name__}")
        if tuple(tensor.shape) != shape:
            raise ValueError(f"{name}: {label} of shape {tensor.shape} should have normalized_shape {shape}")
        if tensor.dtype != input.dtype:
            raise TypeError(f"{name}: {label} is {tensor.dtype} but input is {input.dtype}; convert one of them")
    return shape


def _check_channels(name: str, input: Tensor, tensors: dict[str, Tensor | None], channels: int) -> None:  # noqa: A002
    for label, tensor in tensors.items():
        if tensor is None:
            continue
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}: {label} must be a tensor or None, got {type(tensor).__name__}")
        if tuple(tensor.shape) != (channels,):
            raise ValueError(
                f"{name}: {label} of shape {tensor.shape} does not fit input of shape {input.shape}; "
                f"expected ({channels},), one value per channel"
            )
        if tensor.dtype != input.dtype:  # NumPy would silently promote the result (PyTorch refuses)
            raise TypeError(
                f"{name}: {label} has dtype {tensor.dtype} but the input has {input.dtype}; convert the input, or "
                f"the module with .to({input.dtype})"
            )


def _check_channel_input(name: str, input: Tensor, shapes: str) -> None:  # noqa: A002
    """A floating tensor of at least 2 dims (N, C, *), for batch and group norm; `shapes` says which."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{name}: expected input of shape {shapes}, got input of shape {input.shape}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating-point input, got {input.dtype}; convert it with .float()")


# ---- the functions ---------------------------------------------------------------------------------------------


def layer_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    normalized_shape: int | tuple[int, ...] | list[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the trailing `normalized_shape` dims: y = (x − μ)/√(σ² + ε) · w + b.

    Shapes: input (*, *normalized_shape); weight and bias normalized_shape or None; output like input.
    Example: `F.layer_norm(gg.randn(2, 5, 8), (8,))` has mean 0 and (biased) variance 1 along dim −1.
    """
    shape = _check_trailing("layer_norm", input, normalized_shape, {"weight": weight, "bias": bias})
    return LayerNormOp.apply(input, weight, bias, math.prod(shape), float(eps))


def rms_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    normalized_shape: int | tuple[int, ...] | list[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalisation over the trailing dims: y = x / √(mean(x²) + ε) · w.

    `eps=None` uses the machine epsilon of the input's dtype, as PyTorch (`torch.finfo(dtype).eps`).
    """
    shape = _check_trailing("rms_norm", input, normalized_shape, {"weight": weight})
    epsilon = float(np.finfo(input.array.dtype).eps) if eps is None else float(eps)
    return RMSNormOp.apply(input, weight, math.prod(shape), epsilon)


def batch_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of (N, C) or (N, C, *) input per channel C, as torch.nn.functional.batch_norm.

    training=True normalises with the batch's mean and biased variance and, when given, updates the running
    statistics in place: running = (1 − momentum)·running + momentum·batch stat (the variance unbiased,
    ·M/(M−1), M = values per channel). training=False uses running_mean and running_var.
    Example: `F.batch_norm(x, None, None, training=True)` standardises each channel of x over its batch.
    """
    name = "batch_norm"
    _check_channel_input(name, input, "(N, C) or (N, C, *)")
    stats = {"running_mean": running_mean, "running_var": running_var}
    _check_channels(name, input, {**stats, "weight": weight, "bias": bias}, input.shape[1])
    if training:
        if input.shape[0] * math.prod(input.shape[2:]) == 1:  # PyTorch's test: one value (none is fine, below)
            raise ValueError(
                f"{name}: expected more than 1 value per channel when training, got input of shape "
                f"{input.shape}; use a batch of 2 or more, or eval mode"
            )
    elif running_mean is None or running_var is None:
        raise ValueError(
            f"{name}: running_mean and running_var are needed when training=False; pass them, or "
            "training=True to normalise with the batch's statistics"
        )
    if input.numel() == 0:
        return _affine_of_nothing(input, weight, bias)
    arrays = [t.array if t is not None else None for t in (running_mean, running_var)]
    for tensor in (running_mean, running_var):
        if tensor is not None and training:
            tensor._version_counter[0] += 1  # updated in place below, as PyTorch's version counter records
    return BatchNormOp.apply(input, weight, bias, arrays[0], arrays[1], bool(training), float(momentum), float(eps))


def _affine_of_nothing(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:  # noqa: A002
    """Batch norm of an input with no values, as PyTorch: no statistics to take, the running ones untouched.

    y = γ·x + β per channel on the empty input keeps weight and bias in the graph, so their gradients are
    zeros of their shape, as PyTorch's.
    """
    per_channel = (1, input.shape[1]) + (1,) * (input.ndim - 2)  # γ and β broadcast over (N, C, *)
    output = input * weight.reshape(per_channel) if weight is not None else input.clone()
    return output + bias.reshape(per_channel) if bias is not None else output


def group_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He 2018) of (N, C, *) input, as torch.nn.functional.group_norm.

    The C channels split into num_groups groups of C/num_groups; each sample's group is standardised over its
    channels and positions (biased variance), then scaled and shifted per channel by weight and bias.
    Example: `F.group_norm(gg.randn(8, 32, 14, 14), 4)` normalises 4 groups of 8 channels per sample.
    """
    name = "group_norm"
    _check_channel_input(name, input, "(N, C, *)")
    channels = input.shape[1]
    if not isinstance(num_groups, int) or num_groups < 1 or channels % num_groups:
        raise ValueError(
            f"{name}: the {channels} channels of input of shape {input.shape} must divide into "
            f"num_groups={num_groups!r} groups; choose num_groups dividing {channels}"
        )
    _check_channels(name, input, {"weight": weight, "bias": bias}, channels)
    return GroupNormOp.apply(input, num_groups, weight, bias, float(eps))
