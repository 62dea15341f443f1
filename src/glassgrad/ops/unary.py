"""Elementwise math of one tensor: exp, log, sqrt, trigonometry, tanh, sigmoid, relu, abs, clamp.

Each backward reuses what forward computed where the derivative is a function of the output
(exp, sqrt, tanh, sigmoid), so no transcendental function is evaluated twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of
from ..kernels import fits
from ..kernels import relu as relu_kernel
from .arithmetic import cast


class Exp(Op):
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


class Log(Op):
    """y = ln x.   dy/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Op):
    """y = ln(1 + x), accurate for small x.   dy/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x)


class Sqrt(Op):
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


class Rsqrt(Op):
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


class Sin(Op):
    """y = sin x.   dy/dx = cos x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).cos(x)


class Cos(Op):
    """y = cos x.   dy/dx = −sin x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * namespace_of(x).sin(x)


class Tanh(Op):
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


class Sigmoid(Op):
    """y = σ(x) = 1/(1 + e⁻ˣ).   dy/dx = y(1 − y)"""

    @staticmethod
    def forward(ctx, x):
        xp = namespace_of(x)
        # With e = exp(−|x|) ≤ 1 nothing overflows: σ(x) = 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0.
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1, e) / (1 + e)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Op):
    """y = max(x, 0).   dy/dx = 1 where x > 0, else 0 (PyTorch's subgradient 0 at x = 0)"""

    @staticmethod
    def forward(ctx, x):
        y = relu_kernel.relu_forward(x) if fits(x) else namespace_of(x).maximum(x, 0)  # kernels/relu.py
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if fits(y, grad) and y.shape == grad.shape:
            return relu_kernel.relu_backward(y, grad)  # kernels/relu.py: one select per element
        return grad * (y > 0)


class Abs(Op):
    """y = |x|.   dy/dx = sign(x) (0 at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        xp = namespace_of(x)
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).sign(x)


class Clamp(Op):
    """y = min(max(x, low), high).   dy/dx = 1 where low ≤ x ≤ high, else 0 (PyTorch's choice at the bounds)"""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low = low
        ctx.high = high
        return namespace_of(x).clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = np.True_
        if ctx.low is not None:
            inside = x >= ctx.low
        if ctx.high is not None:
            inside = namespace_of(x).logical_and(inside, x <= ctx.high)
        return grad * inside, None, None


def float_input(name: str, x: Any) -> Any:
    """Float math on an integer or bool tensor computes in float32, as in PyTorch."""
    kind = x.array.dtype.kind
    if kind == "f":
        return x
    return cast(x, np.dtype(np.float32))


def exp(x: Any) -> Any:
    return Exp.apply(float_input("exp", x))


def log(x: Any) -> Any:
    return Log.apply(float_input("log", x))


def log1p(x: Any) -> Any:
    return Log1p.apply(float_input("log1p", x))


def sqrt(x: Any) -> Any:
    return Sqrt.apply(float_input("sqrt", x))


def rsqrt(x: Any) -> Any:
    return Rsqrt.apply(float_input("rsqrt", x))


def sin(x: Any) -> Any:
    return Sin.apply(float_input("sin", x))


def cos(x: Any) -> Any:
    return Cos.apply(float_input("cos", x))


def tanh(x: Any) -> Any:
    return Tanh.apply(float_input("tanh", x))


def sigmoid(x: Any) -> Any:
    return Sigmoid.apply(float_input("sigmoid", x))


def relu(x: Any) -> Any:
    if x.array.dtype.kind == "b":
        raise TypeError("relu: not defined for bool tensors; convert with .float() first")
    return Relu.apply(x)


def abs(x: Any) -> Any:  # noqa: A001 - torch.abs
    return Abs.apply(x)


def clamp(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - torch's argument names
    """Limit x to [min, max]; either bound may be None, a number, or a tensor."""
    from .select import where

    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if hasattr(min, "grad_fn") or hasattr(max, "grad_fn"):
        # Built from where (not maximum/minimum, which split ties ½) so the gradient is PyTorch's: x gets it
        # where min ≤ x ≤ max (inclusive, as with number bounds), min where x < min, max where x > max.
        result = x if min is None else where(x < min, min, x)
        return result if max is None else where(result > max, max, result)
    if x.array.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = cast(x, np.dtype(np.float32))
    return Clamp.apply(x, min, max)
