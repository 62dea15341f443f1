"""Arithmetic: + − × ÷ ** and casts, with PyTorch's type promotion and NumPy's broadcasting.

Each op's backward returns gradients of the broadcast shape; the engine sums them back to each input's shape.
The functions at the bottom (`add`, `mul`, ...) promote dtypes and check shapes, then apply the ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import float_errors, namespace_of
from .promote import category, result_dtype


class CastOp(Op):
    """y = x converted to another dtype.   dy/dx = 1 (the engine casts the gradient back to x's dtype)"""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class AddOp(Op):
    """z = x + y.   dz/dx = 1, dz/dy = 1"""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class SubOp(Op):
    """z = x − y.   dz/dx = 1, dz/dy = −1"""

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class MulOp(Op):
    """z = x · y.   dz/dx = y, dz/dy = x"""

    @staticmethod
    def forward(ctx, x, y):
        # Save only what a needed gradient reads: x·y needs y for dx and x for dy.
        ctx.save_for_backward(y if ctx.needs_input_grad[0] else None, x if ctx.needs_input_grad[1] else None)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        return (grad * y if ctx.needs_input_grad[0] else None), (grad * x if ctx.needs_input_grad[1] else None)


class DivOp(Op):
    """z = x / y.   dz/dx = 1/y, dz/dy = −x/y² = −z/y"""

    @staticmethod
    def forward(ctx, x, y):
        # x (for dz/dy), not z, as PyTorch saves: an in-place write into the output leaves backward valid
        ctx.save_for_backward(y, x if ctx.needs_input_grad[1] else None)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        grad_x = grad / y if ctx.needs_input_grad[0] else None
        grad_y = -grad * (x / y) / y if ctx.needs_input_grad[1] else None  # (x / y): z, bit for bit
        return grad_x, grad_y


class ReciprocalOp(Op):
    """y = 1 / x.   dy/dx = −1/x² = −y²

    `c / x` for a number c is c · (1 / x), as in PyTorch: backward saves only y (not x), so an in-place write
    into x afterwards leaves the backward valid, as PyTorch's does.
    """

    tensor_backward = True  # the backward below runs on Tensors too (create_graph=True)

    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * (y * y)


class NegOp(Op):
    """y = −x.   dy/dx = −1"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowOp(Op):
    """z = x ** p.   dz/dx = p · x^(p−1),  dz/dp = z · ln x

    Backward is PyTorch's formulas (derivatives.yaml: pow_backward, pow_backward_self, pow_backward_exponent),
    order of products included, so the special values agree:
      dz/dx = 0 where p = 0 (selected: also for an infinite upstream gradient or x = 0, where p · x^(p−1)
              would be 0 · inf = nan), else g · (p · x^(p−1));
      dz/dp = g · (0 where x = 0 and p ≥ 0, else z · ln x): at x = 0, p < 0 that is g · (inf · −inf) = −g · inf
              (PyTorch's choice: the limit as x → +0), and the upstream gradient multiplies outside the
              selection, so an infinite g at x = 0, p ≥ 0 gives nan there, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, p):
        z = x**p
        # What PyTorch saves: x and p always, the output z only for dz/dp (so a write into z is fine when p
        # needs no gradient, and refused when it does)
        ctx.save_for_backward(x, p, z if ctx.needs_input_grad[1] else None)
        return z

    @staticmethod
    def backward(ctx, grad):
        x, p, z = ctx.saved_tensors
        xp = namespace_of(grad)
        grad_x = grad_p = None
        if ctx.needs_input_grad[0]:
            if isinstance(p, (int, float)):  # pow_backward: a number exponent
                grad_x = xp.zeros_like(x) if p == 0 else grad * (p * x ** (p - 1))
            else:  # pow_backward_self
                grad_x = xp.where(p == 0, 0, grad * (p * x ** (p - 1)))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):  # ln 0 = −inf and ln of x < 0 = nan, as PyTorch
                log_x = float(np.log(x)) if isinstance(x, (int, float)) else xp.log(x)  # a number base stays one
            grad_p = grad * xp.where(xp.logical_and(x == 0, p >= 0), 0, z * log_x)
        return grad_x, grad_p



# ---- functions with type promotion and shape checks -------------------------------------------------------


def cast(x: Any, dtype: np.dtype) -> Any:
    """x as `dtype` (differentiable between float types); returns x itself when it already has that dtype."""
    if x.array.dtype == dtype:
        return x
    return CastOp.apply(x, dtype)


def promote_operands(name: str, a: Any, b: Any, floating: bool = False) -> tuple[Any, Any]:
    """Give a binary op operands of one dtype (PyTorch's promotion) and check that their shapes broadcast.

    `floating=True` promotes integer results to float32 (true division, float-only math).
    """
    if is_tensor(a) and is_tensor(b):
        if a.array.shape != b.array.shape:
            check_broadcast(name, a.array.shape, b.array.shape)
        if a.array.dtype == b.array.dtype and (not floating or a.array.dtype.kind == "f"):
            return a, b
    elif type(b) is float and is_tensor(a) and a.array.dtype.kind == "f":
        return a, b  # the common `x * 0.5`: a Python float never changes a float tensor's dtype
    elif type(a) is float and is_tensor(b) and b.array.dtype.kind == "f":
        return a, b
    elif not is_tensor(a) and not is_tensor(b):
        raise TypeError(f"{name}: expected at least one tensor, got {type(a).__name__} and {type(b).__name__}")
    try:
        dtype = result_dtype(a, b)
    except TypeError as error:  # an operand that is neither a tensor nor a number: name the op
        raise TypeError(f"{name}: {error}") from None
    if floating and category(dtype) < 2:
        dtype = np.dtype(np.float32)
    return _operand_as(a, dtype), _operand_as(b, dtype)


def _operand_as(value: Any, dtype: np.dtype) -> Any:
    if is_tensor(value):
        return cast(value, dtype)
    if isinstance(value, np.generic):
        return value.item()
    if dtype.kind == "f" and not isinstance(value, float):
        return float(value)  # a Python float keeps NumPy from widening float32 (NEP 50 weak scalars)
    return value


def check_broadcast(name: str, shape_a: tuple, shape_b: tuple) -> None:
    for size_a, size_b in zip(reversed(shape_a), reversed(shape_b)):
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise ValueError(
                f"{name}: shapes {tuple(shape_a)} and {tuple(shape_b)} cannot be broadcast together: sizes "
                f"{size_a} and {size_b} differ and neither is 1. Reshape one operand, or add a dimension of "
                "size 1 with unsqueeze()"
            )


def add(a: Any, b: Any, alpha: float = 1) -> Any:
    a, b = promote_operands("add", a, b)
    if alpha != 1:
        b = mul(b, alpha) if is_tensor(b) else b * alpha
    return AddOp.apply(a, b)


def sub(a: Any, b: Any, alpha: float = 1) -> Any:
    a, b = promote_operands("sub", a, b)
    if alpha != 1:
        b = mul(b, alpha) if is_tensor(b) else b * alpha
    return SubOp.apply(a, b)


def mul(a: Any, b: Any) -> Any:
    a, b = promote_operands("mul", a, b)
    return MulOp.apply(a, b)


def div(a: Any, b: Any, rounding_mode: str | None = None) -> Any:
    if rounding_mode is not None:
        return floor_divide(a, b) if rounding_mode == "floor" else _trunc_divide(a, b)
    a, b = promote_operands("div", a, b, floating=True)
    return DivOp.apply(a, b)


def rdiv(number: Any, b: Any) -> Any:
    """number / b for a Python number: number · (1 / b), as PyTorch's __rtruediv__ (see ReciprocalOp)."""
    if isinstance(number, (int, float)) and not isinstance(number, bool) and b.array.dtype.kind == "f":
        return mul(ReciprocalOp.apply(b), number)
    return div(number, b)


def neg(a: Any) -> Any:
    if not is_tensor(a):
        raise TypeError(f"neg: expected a Tensor, got {type(a).__name__}; wrap the data with gg.tensor(...) first")
    if a.array.dtype.kind == "b":
        raise TypeError("neg: negation of a bool tensor is not supported; use logical_not() or ~ instead")
    return NegOp.apply(a)


def pow(a: Any, b: Any) -> Any:  # noqa: A001 - torch.pow
    a, b = promote_operands("pow", a, b)
    if is_tensor(b) and b.array.dtype.kind in "iu" and b.array.size and int(b.array.min()) < 0:
        raise ValueError(
            f"pow: integers to negative integer powers are not supported (exponent tensor of dtype {b.array.dtype} "
            "holds negative values); convert the base with .float() first"
        )
    return PowOp.apply(a, b)


@float_errors.quietly  # x // 0.0 is ±inf (or nan), silently, as PyTorch
def floor_divide(a: Any, b: Any) -> Any:
    """⌊a / b⌋ elementwise. Not differentiable (its derivative is 0 almost everywhere), as in PyTorch."""
    a, b = promote_operands("floor_divide", a, b)
    _check_integer_divisor("floor_divide", b)
    xp = namespace_of(a.array if is_tensor(a) else b.array)
    return make_tensor(xp.floor_divide(_raw(a), _raw(b)))


@float_errors.quietly
def _trunc_divide(a: Any, b: Any) -> Any:
    a, b = promote_operands("div", a, b)
    xp = namespace_of(a.array if is_tensor(a) else b.array)
    quotient = xp.trunc(xp.true_divide(_raw(a), _raw(b)))
    return make_tensor(quotient.astype(result_dtype(a, b)))


def remainder(a: Any, b: Any) -> Any:
    """a mod b with the sign of b (Python's and PyTorch's %). Differentiable in a: d/da = 1."""
    a, b = promote_operands("remainder", a, b)
    _check_integer_divisor("remainder", b)
    quotient = floor_divide(a, b)
    return sub(a, mul(quotient, b))


def _check_integer_divisor(name: str, b: Any) -> None:
    """Integer division by zero has no answer: PyTorch raises, NumPy would warn and give 0."""
    array = b.array if is_tensor(b) else np.asarray(b)
    if array.dtype.kind in "biu" and not array.all():
        raise RuntimeError(f"{name}: integer division by zero; convert to float for ±inf, or mask the zeros")


def _raw(value: Any) -> Any:
    return value.array if is_tensor(value) else value


def comparison(name: str, a: Any, b: Any) -> Any:
    """Elementwise comparison (==, <, ...) of promoted operands; a bool tensor, never part of the graph."""
    a, b = promote_operands(name, a, b)
    if name.startswith("bitwise") and result_dtype(a, b).kind not in "biu":
        raise TypeError(
            f"{name}: only defined for bool and integer tensors, got {result_dtype(a, b)}; compare first "
            "(e.g. (x > 0) & (y > 0))"
        )
    xp = namespace_of(a.array if is_tensor(a) else b.array)
    return make_tensor(getattr(xp, name)(_raw(a), _raw(b)))
