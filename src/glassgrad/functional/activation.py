"""Activation functions: relu, leaky_relu, gelu, silu, softplus, elu, hardtanh, relu6, threshold, sigmoid, tanh,
softmax.

Each is one fused op with its derivative written out, so a layer costs one graph node. Where a derivative is
undefined (the kinks of relu, leaky_relu, elu, hardtanh) we choose PyTorch's subgradient, name it in the op's
docstring, and pin it in tests/functional/test_activation.py.

Forward takes branches with arithmetic instead of `where` on large arrays: `max(x, 0) + a·min(x, 0)` for the
piecewise-linear ones and `select` (see _special.py) elsewhere, because NumPy's `where` branches per element
and is several times slower on the unpredictable sign pattern of activations. Backward selects with `where`
(ops/_where.py, whose fast path is one parallel pass for float32): an upstream gradient may be ±inf or NaN, and
a 0/1 mask times inf is NaN where the branch is cut off (`select` is exact only for finite values). Where x is
NaN, each backward takes the branch that PyTorch's kernel takes (noted in the op). The exact GELU's two passes
are `gelu_forward` and `gelu_backward`, references at the seam (kernels/registry.py) for kernels/gelu.py.

`inplace=True` writes the result into the input's memory and returns the input, as PyTorch does. The ops
save what backward needs in fresh arrays (the output, a bool mask, σ), never the input, so overwriting the
input does not invalidate the graph.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from ..autograd.function import Function
from ..autograd.node import InPlaceWrite, Op
from ..backend import namespace_of
from ..kernels.registry import reference
from ..ops import select as select_ops
from ..ops import softmax as softmax_ops
from ..ops import unary
from ..ops._where import where
from ..tensor import Tensor
from ._special import blockwise, normal_cdf, select

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715  # the cubic coefficient of GELU's tanh approximation (Hendrycks & Gimpel 2016, §2)


class LeakyReluOp(Op):
    """y = x for x > 0, a·x otherwise.   dy/dx = 1 for x > 0, else a (PyTorch's choice: a at x = 0, and at NaN)"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        xp = namespace_of(x)
        ctx.negative_slope = negative_slope
        ctx.overwritten = _overwritten(x)  # inplace=True: y is written into x's memory
        # x too, unused by backward: PyTorch saves x, so an in-place write into x refuses the backward (not
        # with inplace=True, where x would have to be copied first: PyTorch's leaky_relu_ saves its result)
        ctx.save_for_backward(x > 0, None if ctx.overwritten else x)
        # max(x, 0) + a·min(x, 0): one of the two terms is exactly 0, so each branch is exact.
        y = xp.maximum(x, 0)
        y += negative_slope * xp.minimum(x, 0)
        return y

    @staticmethod
    def backward(ctx, grad):
        positive, _ = ctx.saved_tensors
        return where(positive, grad, grad * ctx.negative_slope), None

    @staticmethod
    def reference(ctx, x, negative_slope):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        if negative_slope < 0:  # y's sign is not x's: the select below needs the overwritten x
            _check_not_overwritten(ctx, "leaky_relu")
        return select_ops.where(x > 0, x, x * negative_slope)


class GeluOp(Op):
    """y = x·Φ(x), Φ the standard normal CDF (Hendrycks & Gimpel 2016).

    approximate='none':  dy/dx = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
    approximate='tanh':  y = ½x(1 + tanh u),  u = √(2/π)(x + 0.044715x³)
                         dy/dx = ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²)
    """

    @staticmethod
    def forward(ctx, x, approximate):
        xp = namespace_of(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            u = x * x
            u *= _GELU_CUBIC
            u += 1
            u *= x
            u *= _SQRT_2_OVER_PI  # u = √(2/π)(x + 0.044715x³)
            half_one_plus_t = xp.tanh(u, out=u)
            half_one_plus_t += 1
            half_one_plus_t *= 0.5  # ½(1 + tanh u)
            ctx.save_for_backward(x, half_one_plus_t)
            return x * half_one_plus_t
        y, cdf = gelu_forward(x)
        ctx.save_for_backward(x, cdf)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        if ctx.approximate == "tanh":
            half_one_plus_t = saved
            x_squared = x * x
            # ½(1 − tanh² u) = 2·h·(1 − h) with h = ½(1 + tanh u): no second tanh.
            slope = half_one_plus_t * (1 - half_one_plus_t)
            slope *= 2 * _SQRT_2_OVER_PI
            x_squared *= 3 * _GELU_CUBIC
            x_squared += 1
            slope *= x_squared
            slope *= x
            slope += half_one_plus_t
            slope *= grad
            return slope, None
        return gelu_backward(x, saved, grad), None

    @staticmethod
    def reference(ctx, x, approximate):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        if approximate == "tanh":
            u = (x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI
            return x * (u.tanh() + 1) * 0.5
        return x * NormalCdfOp.apply(x)


class NormalCdfOp(Function):
    """Φ(x), the standard normal CDF, as a tensor-level Function.   dΦ/dx = φ(x) = e^(−x²/2)/√(2π)

    The exact GELU's reference needs Φ as a differentiable function, and no primitive computes erf. Its
    backward is written with tensor ops, so a graph of it is recorded under create_graph=True and φ, a plain
    composition of exp, differentiates further.
    """

    @staticmethod
    def forward(ctx, x):
        # Saved, not kept as an attribute: under create_graph=True a saved input comes back as the input itself
        # (PyTorch's SavedVariable), whose graph carries the second derivative φ'(x) = −x·φ(x).
        ctx.save_for_backward(x)
        return Tensor(normal_cdf(x.array))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x * -0.5).exp() * _INV_SQRT_2PI


@reference("gelu_forward")  # fast path: kernels/gelu.py (one fused pass on every core)
def gelu_forward(x: Any) -> tuple[Any, Any]:
    """(x·Φ(x), Φ(x)): the exact GELU and the Φ its backward reuses."""
    cdf = blockwise(normal_cdf, x)
    return x * cdf, cdf


@reference("gelu_backward")  # fast path: kernels/gelu.py
def gelu_backward(x: Any, cdf: Any, grad: Any) -> Any:
    """grad · (Φ(x) + x·φ(x)), the exact GELU's backward, from forward's Φ(x)."""
    return blockwise(_gelu_slope, x, cdf, grad)


def _gelu_slope(x: Any, cdf: Any, grad: Any) -> Any:
    """grad · (Φ(x) + x·φ(x)) on one block."""
    slope = x * x
    slope *= -0.5
    namespace_of(x).exp(slope, out=slope)
    slope *= _INV_SQRT_2PI  # φ(x)
    slope *= x
    slope += cdf
    slope *= grad
    return slope


class SiluOp(Op):
    """y = x·σ(x) (SiLU, also called swish).   dy/dx = σ(x)(1 + x(1 − σ(x))) = σ + y(1 − σ)"""

    @staticmethod
    def forward(ctx, x):
        sigma = unary.sigmoid_of(x)
        y = x * sigma
        ctx.overwritten = _overwritten(x)
        # x, not y, as PyTorch saves: a write into y leaves backward valid, a write into x refuses it. With
        # inplace=True y (x's new contents): the original x would have to be copied
        ctx.save_for_backward(sigma, y if ctx.overwritten else x)
        return y

    @staticmethod
    def backward(ctx, grad):
        sigma, saved = ctx.saved_tensors
        slope = 1 - sigma
        slope *= saved if ctx.overwritten else saved * sigma  # y (x · σ, bit for bit as forward's)
        slope += sigma
        slope *= grad
        return slope

    @staticmethod
    def reference(ctx, x):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        _check_not_overwritten(ctx, "silu")
        return x * x.sigmoid()


class SoftplusOp(Op):
    """y = (1/β)·log(1 + e^(βx)), and y = x where βx > threshold.   dy/dx = σ(βx), and 1 where βx > threshold"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = namespace_of(x)
        z = x * beta
        linear = z > threshold
        # Each branch is evaluated on an argument clipped into its own side of the threshold: e^z cannot
        # overflow where it is unused, and `select` sees finite values on both sides (also for x = ±inf).
        z_soft = xp.clip(z, None, threshold)
        soft = xp.log1p(xp.exp(z_soft))
        soft /= beta
        edge = threshold / beta
        x_linear = xp.clip(x, edge, None) if beta > 0 else xp.clip(x, None, edge)
        # x too, unused by backward: PyTorch saves x, so an in-place write into x refuses the backward
        ctx.save_for_backward(z_soft, linear, x)
        return select(linear, x_linear, soft)

    @staticmethod
    def backward(ctx, grad):
        z_soft, linear, _ = ctx.saved_tensors
        sigma = unary.sigmoid_of(z_soft)  # σ(βx)
        return where(linear, grad, grad * sigma), None, None

    @staticmethod
    def reference(ctx, x, beta, threshold):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        z = x * beta
        # exp sees βx clipped to the threshold, as in forward: an inf in the unused branch would turn its zero
        # gradient into 0·inf = nan.
        soft = z.clamp(max=threshold).exp().log1p() / beta
        return select_ops.where(z > threshold, x, soft)


class EluOp(Op):
    """y = x for x > 0, α(eˣ − 1) otherwise.   dy/dx = α·eˣ = y + α for x ≤ 0 (α at x = 0, as PyTorch), else 1

    Where x is NaN the gradient is g, as in PyTorch's `elu_backward` formula (`x <= 0 ? g·α·eˣ : g`, NaN ≤ 0 is
    false), which its CUDA kernel and its CPU scalar loop compute; its CPU vectorised body (blocks of 32 float32
    or 16 float64 elements) gives NaN instead, an accident of its blend that we do not copy.
    """

    @staticmethod
    def forward(ctx, x, alpha):
        xp = namespace_of(x)
        ctx.alpha = alpha
        # max(x, 0) + α·expm1(min(x, 0)): each branch exact, and expm1 keeps precision near 0.
        y = xp.expm1(xp.minimum(x, 0))
        y *= alpha
        y += xp.maximum(x, 0)
        ctx.overwritten = _overwritten(x)
        # x, not y, as PyTorch saves: a write into y leaves backward valid, a write into x refuses it. With
        # inplace=True the mask and y (x's new contents), as PyTorch's elu_: the original x would need a copy
        ctx.save_for_backward(*((x <= 0, y) if ctx.overwritten else (x,)))
        return y

    @staticmethod
    def backward(ctx, grad):
        alpha = ctx.alpha
        if ctx.overwritten:
            exponential, y = ctx.saved_tensors
            return where(exponential, grad * (y + alpha), grad), None
        (x,) = ctx.saved_tensors
        xp = namespace_of(x)
        slope = xp.expm1(xp.minimum(x, 0))  # y + α = α·eˣ where x ≤ 0, computed as forward's y, bit for bit
        slope *= alpha
        slope += alpha
        # x ≤ 0, not ¬(x > 0): a NaN takes the identity branch and passes g (PyTorch's formula)
        return where(x <= 0, grad * slope, grad), None

    @staticmethod
    def reference(ctx, x, alpha):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        _check_not_overwritten(ctx, "elu")
        # min(x, 0) inside exp keeps the unused branch finite for large x (forward does the same).
        return select_ops.where(x <= 0, (x.clamp(max=0).exp() - 1) * alpha, x)


class HardtanhOp(Op):
    """y = min(max(x, low), high).   dy/dx = 1 for low < x < high, else 0 (PyTorch: 0 at both bounds)

    Where x is NaN the gradient is 0, as clamp's. PyTorch's own answer there depends on the element's position
    (its vectorised body gives 0, its scalar tail passes g), so we take the body's.
    """

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward((x > low) & (x < high))
        return namespace_of(x).clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return where(inside, grad, 0), None, None

    @staticmethod
    def reference(ctx, x, low, high):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        # The clipped values are constants: the gradient is 0 outside and at the bounds, as in backward.
        return select_ops.where((x > low) & (x < high), x, x.detach().clamp(low, high))


class ThresholdOp(Op):
    """y = x where x > threshold, else value.   dy/dx = 1 where x > threshold, else 0 (0 at the threshold)

    A NaN x is not ≤ threshold: it passes through with its gradient, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, threshold, value):
        xp = namespace_of(x)
        cut = x <= threshold
        ctx.save_for_backward(cut)
        return xp.where(cut, xp.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (cut,) = ctx.saved_tensors
        return where(cut, 0, grad), None, None

    @staticmethod
    def reference(ctx, x, threshold, value):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        return select_ops.where(x <= threshold, value, x)


def _check_not_overwritten(ctx: Any, name: str) -> None:
    """A reference differentiates the op at its input; after inplace=True that memory holds the output."""
    if ctx.overwritten:
        raise RuntimeError(
            f"{name}(inplace=True): create_graph=True differentiates {name} again at its input, which the "
            f"in-place write replaced by the output; use {name}(..., inplace=False) (nn layers: inplace=False)"
        )


# ---- functions -----------------------------------------------------------------------------------------------


def _require_float(name: str, input: Any) -> None:  # noqa: A002 - PyTorch's name
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if input.array.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a floating point tensor, got {input.dtype} of shape {input.shape}; "
            "convert with .float() first"
        )


def _apply(name: str, input: Tensor, inplace: bool, compute: Callable[[Tensor], Tensor]) -> Tensor:  # noqa: A002
    """compute(input), or, with inplace=True, the same written into input's memory (input is returned)."""
    if inplace:
        return input._write_in_place(name + "_", compute)
    return compute(input)


def _overwritten(x: Any) -> bool:
    """Is forward's x the memory that inplace=True writes the result into? (x itself, or the (1,) view that
    `_fused` makes of a 0-d x.)"""
    target = InPlaceWrite.target
    return target is not None and (x is target or x.base is target)


def _fused(op: type[Op], input: Tensor, *args: Any) -> Tensor:  # noqa: A002
    """op.apply(input, *args). A 0-d input runs as shape (1,): these ops compute in place (`out=`, `+=`) on
    NumPy arrays, and NumPy makes a product of 0-d arrays a scalar, which has no memory to write into."""
    if input.ndim == 0:
        return op.apply(input.reshape(1), *args).reshape(())
    return op.apply(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """max(x, 0) elementwise; the gradient at x = 0 is 0, as in PyTorch."""
    return _apply("relu", input, inplace, unary.relu)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6) elementwise (hardtanh from 0 to 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, negative_slope·x otherwise: `F.leaky_relu(gg.tensor([-2.0, 3.0]), 0.5)` is [-1.0, 3.0]."""
    _require_float("leaky_relu", input)
    return _apply("leaky_relu", input, inplace, lambda t: _fused(LeakyReluOp, t, float(negative_slope)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x·Φ(x) with Φ the normal CDF (exact, through erf), or its tanh approximation with approximate='tanh'."""
    _require_float("gelu", input)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _fused(GeluOp, input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x·σ(x) elementwise (also called swish)."""
    _require_float("silu", input)
    return _apply("silu", input, inplace, lambda t: _fused(SiluOp, t))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """(1/β)·log(1 + exp(βx)), switching to the identity where βx > threshold for numerical stability."""
    _require_float("softplus", input)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the function divides by it), got 0")
    return _fused(SoftplusOp, input, float(beta), float(threshold))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, α(exp(x) − 1) otherwise."""
    _require_float("elu", input)
    return _apply("elu", input, inplace, lambda t: _fused(EluOp, t, float(alpha)))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x clamped to [min_val, max_val]; the gradient is 0 at the bounds, as in PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"hardtanh: expected a Tensor, got {type(input).__name__}")
    if input.array.dtype.kind == "b":  # NumPy would clip the bools into float64
        raise TypeError("hardtanh: bool inputs are not supported (as in PyTorch); convert with .float() first")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _apply("hardtanh", input, inplace, lambda t: HardtanhOp.apply(t, min_val, max_val))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > threshold, else value: `F.threshold(gg.tensor([-1.0, 2.0]), 0.5, 9.0)` is [9.0, 2.0]."""
    _require_float("threshold", input)
    return _apply("threshold", input, inplace, lambda t: ThresholdOp.apply(t, float(threshold), float(value)))


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1/(1 + exp(−x)) elementwise, computed without overflow."""
    return unary.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """tanh(x) elementwise."""
    return unary.tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    # PyTorch's legacy choice when dim is omitted: dim 0 for 0-, 1- and 3-d input, dim 1 otherwise.
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
        "argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """e^x / Σ e^x along `dim` (max-shifted, so exp never overflows); `dtype` casts the input first."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return softmax_ops.softmax(input, dim, _dtype(dtype))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """x − log Σ e^x along `dim`, computed in one stable pass (never log of a softmax)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return softmax_ops.log_softmax(input, dim, _dtype(dtype))


def _dtype(dtype: Any) -> np.dtype | None:
    from ..backend import to_dtype

    return None if dtype is None else to_dtype(dtype).np
