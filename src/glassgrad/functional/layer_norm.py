"""F.layer_norm and F.rms_norm, each one fused op with a hand-derived backward.

Both normalise over the last M = prod(normalized_shape) elements of the input, flattened to rows (N, M).

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

Forward keeps x̂ and r (one row value) for backward, so backward is a few passes over (N, M) arrays and reads
neither x nor μ again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of
from ..kernels import fits
from ..kernels import layer_norm as layer_norm_kernel
from ..tensor import Tensor


def _row_mean(xp: Any, a: Any) -> Any:
    """mean of each row of a contiguous (N, M) array, as (N, 1): one BLAS matrix-vector product with a vector of
    1/M, several times faster than NumPy's mean along a short contiguous axis."""
    if xp is np and a.flags.c_contiguous:
        return (a @ np.full(a.shape[1], 1.0 / a.shape[1], dtype=a.dtype))[:, None]
    return a.mean(axis=1, keepdims=True)


def _column_sum(xp: Any, a: Any) -> Any:
    """Σᵢ aᵢⱼ per column of an (N, M) array, as (M,), by a vector-matrix product with ones on NumPy."""
    if xp is np:
        return np.ones(a.shape[0], dtype=a.dtype) @ a
    return a.sum(axis=0)


def _row_dot(xp: Any, a: Any, b: Any) -> Any:
    """Σⱼ aᵢⱼ bᵢⱼ per row of two (N, M) arrays, as (N, 1), without the (N, M) temporary of (a * b).sum()."""
    if xp is np:
        return np.einsum("ij,ij->i", a, b)[:, None]
    return (a * b).sum(axis=1, keepdims=True)


class LayerNorm(Op):
    """y = (x − μ)/√(σ² + ε) · w + b over rows.   dL/dx = r (ĝ − mean ĝ − x̂ mean(ĝ x̂)), ĝ = g w"""

    @staticmethod
    def forward(ctx, x, weight, bias, size, eps):
        xp = namespace_of(x)
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        if weight is not None and fits(rows, weight, *([] if bias is None else [bias])):
            y, normalized, rstd = layer_norm_kernel.layer_norm_forward(rows, weight, bias, eps)  # kernels/
            ctx.save_for_backward(normalized, rstd, weight)
            return y.reshape(x.shape)
        mean = _row_mean(xp, rows)  # (N, 1)
        centred = rows - mean  # a fresh (N, M) array: normalised in place below
        variance = _row_dot(xp, centred, centred) * (1.0 / size)  # biased, as PyTorch
        rstd = 1.0 / xp.sqrt(variance + eps)  # (N, 1)
        centred *= rstd  # now x̂
        normalized = centred
        ctx.save_for_backward(normalized, rstd, weight)
        if weight is None:
            y = normalized.copy() if bias is None else normalized + bias.reshape(-1)
        else:
            y = normalized * weight.reshape(-1)
            if bias is not None:
                y += bias.reshape(-1)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        normalized, rstd, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        xp = namespace_of(grad)
        size = normalized.shape[1]
        g = grad.reshape(-1, size)  # (N, M)
        if needs_x and weight is not None and fits(g, normalized, rstd, weight):
            grad_x, grad_weight, grad_bias = layer_norm_kernel.layer_norm_backward(g, normalized, rstd, weight)
            grad_weight = grad_weight.reshape(weight.shape) if needs_weight else None  # kernels/layer_norm.py
            grad_bias = grad_bias.reshape(ctx.inputs[2].shape) if needs_bias else None
            return grad_x.reshape(grad.shape), grad_weight, grad_bias, None, None
        g_x = g * normalized  # g ⊙ x̂: its column sums are dL/dw, its row means (weighted by w) mean(ĝ x̂)
        grad_x = grad_weight = grad_bias = None
        if needs_weight:
            grad_weight = _column_sum(xp, g_x).reshape(weight.shape)
        if needs_bias:
            grad_bias = _column_sum(xp, g).reshape(ctx.inputs[2].shape)
        if needs_x:
            # mean(ĝ) = g·w/M and mean(ĝ x̂) = (g ⊙ x̂)·w/M: matrix-vector products, no ĝ pass needed for them
            w_over_m = (weight.reshape(-1) if weight is not None else xp.ones(size, dtype=g.dtype)) * (1.0 / size)
            mean_g = _matvec(xp, g, w_over_m)  # (N, 1)
            mean_gx = _matvec(xp, g_x, w_over_m)  # (N, 1)
            grad_x = g * weight.reshape(-1) if weight is not None else g.copy()  # ĝ, fresh: updated in place
            grad_x -= mean_g
            xp.multiply(normalized, mean_gx, out=g_x)  # reuse the buffer: x̂ · mean(ĝ x̂)
            grad_x -= g_x
            grad_x *= rstd
            grad_x = grad_x.reshape(grad.shape)
        return grad_x, grad_weight, grad_bias, None, None

    @staticmethod
    def reference(ctx, x, weight, bias, size, eps):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        centred = rows - rows.mean(1, keepdim=True)
        normalized = centred / ((centred * centred).mean(1, keepdim=True) + eps).sqrt()  # x̂
        return _scale_and_shift(normalized, weight, bias).reshape(x.shape)


def _matvec(xp: Any, a: Any, v: Any) -> Any:
    """a @ v for an (N, M) array and an (M,) vector, as (N, 1)."""
    return (a @ v)[:, None]


class RMSNorm(Op):
    """y = x/√(mean x² + ε) · w over rows.   dL/dx = r (ĝ − x̂ mean(ĝ x̂)), ĝ = g w (module docstring)"""

    @staticmethod
    def forward(ctx, x, weight, size, eps):
        xp = namespace_of(x)
        rows = x.reshape(-1, size)  # (..., *normalized_shape) -> (N, M)
        rstd = 1.0 / xp.sqrt(_row_dot(xp, rows, rows) * (1.0 / size) + eps)  # (N, 1)
        normalized = rows * rstd
        ctx.save_for_backward(normalized, rstd, weight)
        y = normalized * weight.reshape(-1) if weight is not None else normalized
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        normalized, rstd, weight = ctx.saved_tensors
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        xp = namespace_of(grad)
        size = normalized.shape[1]
        g = grad.reshape(-1, size)  # (N, M)
        grad_x = grad_weight = None
        if needs_weight:
            grad_weight = _column_dot(xp, g, normalized).reshape(weight.shape)
        if needs_x:
            g_hat = g * weight.reshape(-1) if weight is not None else g.copy()
            mean_gx = _row_dot(xp, g_hat, normalized) * (1.0 / size)  # (N, 1)
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


def _column_dot(xp: Any, a: Any, b: Any) -> Any:
    """Σᵢ aᵢⱼ bᵢⱼ per column of two (N, M) arrays, as (M,)."""
    if xp is np:
        return np.einsum("ij,ij->j", a, b)
    return (a * b).sum(axis=0)


def _check(name: str, input: Tensor, normalized_shape: Any, params: dict) -> tuple[int, ...]:  # noqa: A002
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
    shape = _check("layer_norm", input, normalized_shape, {"weight": weight, "bias": bias})
    return LayerNorm.apply(input, weight, bias, math.prod(shape), float(eps))


def rms_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    normalized_shape: int | tuple[int, ...] | list[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalisation over the trailing dims: y = x / √(mean(x²) + ε) · w.

    `eps=None` uses the machine epsilon of the input's dtype, as PyTorch (`torch.finfo(dtype).eps`).
    """
    shape = _check("rms_norm", input, normalized_shape, {"weight": weight})
    epsilon = float(np.finfo(input.array.dtype).eps) if eps is None else float(eps)
    return RMSNorm.apply(input, weight, math.prod(shape), epsilon)
