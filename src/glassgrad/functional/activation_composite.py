"""Activations composed from differentiable pieces: mish, selu, celu, logsigmoid, hardswish, hardsigmoid,
softmin, softsign, glu, prelu, tanhshrink, hardshrink, softshrink, and the in-place `F.*_` forms.

Each is a short composition of primitives (ops/) and the fused ops of activation.py, so it needs no backward of
its own: the derivative written in each docstring is what the composition differentiates to, and the op table
(tests/ops/layer_cases.py) checks it against finite differences and PyTorch, to second order. Where a
derivative is undefined (the kinks of hardswish, hardsigmoid and the shrinks), the `where` masks are chosen so
that the subgradient is PyTorch's, noted in the docstring.
"""

from __future__ import annotations

from typing import Any

from ..ops import select as select_ops
from ..ops import softmax as softmax_ops
from ..tensor import Tensor
from .activation import _apply, _require_float, _softmax_dim, elu, hardtanh, leaky_relu, relu, softplus
from .activation import threshold as _threshold

# SELU's constants (Klambauer et al. 2017, eq. 14), the values PyTorch uses.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """x·tanh(softplus(x)) (Misra 2019).   dy/dx = tanh(sp) + x·σ(x)·(1 − tanh²(sp)),  sp = softplus(x)"""
    _require_float("mish", input)
    return _apply("mish", input, inplace, lambda x: x * softplus(x).tanh())


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale·elu(x, α) with PyTorch's α ≈ 1.6733, scale ≈ 1.0507.   dy/dx = scale, or scale·α·eˣ for x ≤ 0"""
    _require_float("selu", input)
    return _apply("selu", input, inplace, lambda x: elu(x, _SELU_ALPHA) * _SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, α(e^(x/α) − 1)) = α·elu(x/α).   dy/dx = 1 for x > 0, e^(x/α) otherwise (1 at 0)"""
    _require_float("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha must be nonzero (the input is divided by it), got 0")
    return _apply("celu", input, inplace, lambda x: elu(x * (1.0 / alpha), 1.0) * alpha)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log σ(x) = −softplus(−x), stable for large |x|.   dy/dx = σ(−x) = 1 − σ(x)"""
    _require_float("logsigmoid", input)
    return -softplus(-input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x·relu6(x + 3)/6 (Howard et al. 2019).   dy/dx = 0 for x ≤ −3, x/3 + ½ for −3 < x < 3, 1 for x ≥ 3

    Composed as x·hardtanh(x + 3, 0, 6)/6, whose zero hardtanh slope at both bounds gives PyTorch's subgradient at
    the kinks: the outer branch's slope (0 at x = −3, 1 at x = 3).
    """
    _require_float("hardswish", input)
    return _apply("hardswish", input, inplace, lambda x: x * (hardtanh(x + 3.0, 0.0, 6.0) / 6.0))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3)/6.   dy/dx = 1/6 for −3 < x < 3, else 0 (0 at both kinks, as PyTorch)"""
    _require_float("hardsigmoid", input)
    return _apply("hardsigmoid", input, inplace, lambda x: hardtanh(x + 3.0, 0.0, 6.0) / 6.0)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """softmax(−x) along `dim`: e^(−x)/Σ e^(−x).   dy/dx = −(diag(y) − y·yᵀ)"""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:  # PyTorch casts before negating
        input = input.to(dtype=dtype)
    return softmax_ops.softmax(-input, dim)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x/(1 + |x|).   dy/dx = 1/(1 + |x|)²"""
    _require_float("softsign", input)
    return input / (input.abs() + 1.0)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a·σ(b), with a and b the two halves of `input` along `dim` (Dauphin et al. 2017).

    dy/da = σ(b),  dy/db = a·σ(b)(1 − σ(b)). The output has half the size of `input` along `dim`.
    """
    _require_float("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for an input of shape {input.shape}")
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"glu: halving dimension must be even, but dimension {dim % input.ndim} is size {input.shape[dim]} "
            f"(input shape {input.shape})"
        )
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x for x > 0, w·x otherwise, with one w per channel (dim 1) or one w for all.

    dy/dx = 1 for x > 0, else w (w at x = 0, as PyTorch);  dy/dw = x where x ≤ 0, summed over the channel.
    """
    _require_float("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(
            f"prelu: the number of weights ({weight.numel()}) must be 1 or the number of channels (dim 1) of "
            f"the input ({channels}); input shape {input.shape}, weight shape {weight.shape}"
        )
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        slope = weight.reshape((channels,) + (1,) * (input.ndim - 2))  # (C, 1, ..., 1): broadcasts over dim 1
    return select_ops.where(input > 0, input, input * slope)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x − tanh(x).   dy/dx = tanh²(x)"""
    _require_float("tanhshrink", input)
    return input - input.tanh()


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > λ, else 0.   dy/dx = 1 where |x| > λ, else 0 (0 at ±λ, as PyTorch)"""
    _require_float("hardshrink", input)
    return select_ops.where(input.abs() > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x − λ for x > λ, x + λ for x < −λ, else 0.   dy/dx = 1 where |x| > λ, else 0 (0 at ±λ, as PyTorch)"""
    _require_float("softshrink", input)
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be greater or equal to 0, got {lambd}")
    return select_ops.where(input > lambd, input - lambd, select_ops.where(input < -lambd, input + lambd, 0.0))


# ---- in-place forms (PyTorch's F.relu_ & co: the function with inplace=True) --------------------------------


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """relu(x) written into x's memory; returns x."""
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """elu(x, alpha) written into x's memory; returns x."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """leaky_relu(x, negative_slope) written into x's memory; returns x."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """hardtanh(x, min_val, max_val) written into x's memory; returns x."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """threshold(x, threshold, value) written into x's memory; returns x."""
    return _threshold(input, threshold, value, inplace=True)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """selu(x) written into x's memory; returns x."""
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """celu(x, alpha) written into x's memory; returns x."""
    return celu(input, alpha, inplace=True)

