"""Elementwise math of one tensor: exp, log, sqrt, trigonometry, tanh, sigmoid, relu, abs, clamp.

Each backward reuses what forward computed where the derivative is a function of the output
(exp, sqrt, tanh, sigmoid), so no transcendental function is evaluated twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor
from ..backend import namespace_of
from ..kernels.registry import reference
from ._where import where
from .arithmetic import cast, promote_operands


class ExpOp(Op):
    """y = eˣ.   dy/dx = eˣ = y"""

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class LogOp(Op):
    """y = ln x.   dy/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1pOp(Op):
    """y = ln(1 + x), accurate for small x.   dy/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x)


class SqrtOp(Op):
    """y = √x.   dy/dx = 1/(2√x) = 1/(2y)"""

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class RsqrtOp(Op):
    """y = 1/√x.   dy/dx = −½ x^(−3/2) = −½ y³"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / namespace_of(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -0.5 * grad * y * y * y


class SinOp(Op):
    """y = sin x.   dy/dx = cos x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).cos(x)


class CosOp(Op):
    """y = cos x.   dy/dx = −sin x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * namespace_of(x).sin(x)


class TanhOp(Op):
    """y = tanh x.   dy/dx = 1 − y²  (backward reuses the saved y; no second tanh)"""

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class SigmoidOp(Op):
    """y = σ(x) = 1/(1 + e⁻ˣ).   dy/dx = y(1 − y)"""

    @staticmethod
    def forward(ctx, x):
        y = sigmoid_of(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


def sigmoid_of(x: Any) -> Any:
    """σ(x) = 1/(1 + e⁻ˣ) of an array: the one sigmoid of the array math (SigmoidOp, silu, softplus's slope).

    For x < −88.7 (float32) e⁻ˣ overflows to inf and σ is exactly 0, its limit, as in PyTorch's kernel (the same
    formula): four passes, where the overflow-free e^(−|x|) form needs a `where` that runs 5x slower on the
    random signs of activations. float16 computes in float32, as PyTorch's CPU kernel does: its e⁻ˣ overflows
    already below x = −11, where σ ≈ 1.7e-5 is still a float16.
    """
    xp = namespace_of(x)
    x_wide = x.astype(np.float32) if x.dtype.itemsize < 4 else x
    with np.errstate(over="ignore"):
        e = xp.exp(-x_wide)
    return (1 / (1 + e)).astype(x.dtype, copy=False)


@reference("relu_forward")  # fast path: kernels/relu.py
def relu_forward(x: Any) -> Any:
    """max(x, 0); NaN stays NaN."""
    return namespace_of(x).maximum(x, 0)


@reference("relu_backward")  # fast path: kernels/relu.py
def relu_backward(y: Any, grad: Any) -> Any:
    """0 where y ≤ 0, else g (g also where y is NaN)."""
    return where(y <= 0, 0, grad)


class ReluOp(Op):
    """y = max(x, 0).   dy/dx = 1 where x > 0, else 0 (PyTorch's subgradient 0 at x = 0)

    Backward selects (0 where y ≤ 0, else g) instead of multiplying by a 0/1 mask, so an infinite upstream
    gradient stays out of the cut-off half (inf·0 would be NaN). Where y is NaN the gradient passes, as PyTorch's
    `threshold_backward` does (NaN ≤ 0 is false).
    """

    @staticmethod
    def forward(ctx, x):
        y = relu_forward(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return relu_backward(y, grad)


class AbsOp(Op):
    """y = |x|.   dy/dx = sign(x) (0 at x = 0 and at NaN, as PyTorch)

    Backward multiplies by sign(x) as PyTorch does, so an infinite gradient at x = 0 gives NaN there in both.
    """

    @staticmethod
    def forward(ctx, x):
        xp = namespace_of(x)
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign_of(x)


def sign_of(x: Any) -> Any:
    """sign(x) with PyTorch's 0 at NaN (NumPy's sign(NaN) is NaN): the slope of |x|, also in l1_loss."""
    xp = namespace_of(x)
    return xp.where(x == x, xp.sign(x), 0)  # x == x: not NaN


class ClampOp(Op):
    """y = min(max(x, low), high); either bound may be None, a number or an array.

    dy/dx    = 1 where low ≤ x ≤ high, else 0 (inclusive, PyTorch's choice at the bounds; 0 where x is NaN)
    dy/dlow  = 1 where x < low < high (x < low when high is None)
    dy/dhigh = 1 where x > high or high < low (x > high when low is None)

    These are PyTorch's `clamp_backward` and `clamp_backward_min_max`, copied with their quirk: where
    low = high > x every gradient is 0. Each is a selection, so an infinite gradient never meets a 0 (inf·0 = NaN):
    sqrt(clamp(d², min=0)) at d² < 0 has gradient 0, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x, low, high)
        # clip is max(x, low) then min(·, high) in one pass: a NaN in x or in a bound propagates, and high wins
        # where low > high, as in PyTorch.
        return namespace_of(x).clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        grad_x = grad_low = grad_high = None
        if ctx.needs_input_grad[0]:
            grad_x = where(_clamp_inside(x, low, high), grad, 0)
        if ctx.needs_input_grad[1]:
            below = x < low if high is None else (x < low) & (low < high)
            grad_low = where(below, grad, 0)
        if ctx.needs_input_grad[2]:
            above = x > high if low is None else (x > high) | (high < low)
            grad_high = where(above, grad, 0)
        return grad_x, grad_low, grad_high


def _clamp_inside(x: Any, low: Any, high: Any) -> Any:
    """low ≤ x ≤ high, skipping a bound that is None (False where x or a bound is NaN)."""
    if low is None:
        return x <= high
    if high is None:
        return x >= low
    return (x >= low) & (x <= high)


def float_input(name: str, x: Any) -> Any:
    """Float math on an integer or bool tensor computes in float32, as in PyTorch."""
    tensor_input(name, x)
    kind = x.array.dtype.kind
    if kind == "f":
        return x
    return cast(x, np.dtype(np.float32))


def tensor_input(name: str, x: Any) -> None:
    if not is_tensor(x):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}; wrap the data with gg.tensor(...) first")


def exp(x: Any) -> Any:
    return ExpOp.apply(float_input("exp", x))


def log(x: Any) -> Any:
    return LogOp.apply(float_input("log", x))


def log1p(x: Any) -> Any:
    return Log1pOp.apply(float_input("log1p", x))


def sqrt(x: Any) -> Any:
    return SqrtOp.apply(float_input("sqrt", x))


def rsqrt(x: Any) -> Any:
    return RsqrtOp.apply(float_input("rsqrt", x))


def sin(x: Any) -> Any:
    return SinOp.apply(float_input("sin", x))


def cos(x: Any) -> Any:
    return CosOp.apply(float_input("cos", x))


def tanh(x: Any) -> Any:
    return TanhOp.apply(float_input("tanh", x))


def sigmoid(x: Any) -> Any:
    return SigmoidOp.apply(float_input("sigmoid", x))


def relu(x: Any) -> Any:
    tensor_input("relu", x)
    if x.array.dtype.kind == "b":
        raise TypeError("relu: not defined for bool tensors; convert with .float() first")
    return ReluOp.apply(x)


def abs(x: Any) -> Any:  # noqa: A001 - torch.abs
    tensor_input("abs", x)
    return AbsOp.apply(x)


def clamp(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - torch's argument names
    """Limit x to [min, max]; either bound may be None, a number, or a tensor."""
    tensor_input("clamp", x)
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    for label, bound in (("min", min), ("max", max)):
        if not (bound is None or is_tensor(bound) or isinstance(bound, (int, float, np.number))):
            raise TypeError(f"clamp: {label} must be a number, a tensor or None, got {type(bound).__name__} {bound!r}")
    if x.array.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = cast(x, np.dtype(np.float32))
    if is_tensor(min):
        x, min = promote_operands("clamp", x, min)
    if is_tensor(max):
        x, max = promote_operands("clamp", x, max)
    if is_tensor(min) and min.array.dtype != x.array.dtype:
        min = cast(min, x.array.dtype)  # promoting x with max widened it past min's dtype
    return ClampOp.apply(x, min, max)
