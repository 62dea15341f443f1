"""More elementwise math, as in torch: erf, erfc, expm1, log2, log10, exp2, sinh, cosh, tan, asin, acos, atan,
atan2, hypot, and the compositions lerp, reciprocal, clamp_min/clamp_max and nan_to_num.

Each Op's backward is written with `namespace_of` (NumPy's names), and calls the ops of this file through
`apply_or_forward`, so it runs on Tensors too (`tensor_backward = True`): second derivatives come for free.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of
from . import arithmetic, select
from .arithmetic import ReciprocalOp, promote_operands
from .unary import clamp, float_input, tensor_input


def _special() -> Any:
    """functional/_special.py (Cody's erf and erfc), imported when first used: functional/ sits above ops/."""
    from ..functional import _special as special

    return special


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class ErfOp(Op):
    """y = erf x = 2/√π ∫₀ˣ e^(−t²) dt.   dy/dx = 2/√π · e^(−x²)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _special().erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (_TWO_OVER_SQRT_PI * namespace_of(x).exp(-(x * x)))


class ErfcOp(Op):
    """y = erfc x = 1 − erf x (no cancellation for large x).   dy/dx = −2/√π · e^(−x²)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _special().erfc(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (-_TWO_OVER_SQRT_PI * namespace_of(x).exp(-(x * x)))


class Expm1Op(Op):
    """y = eˣ − 1, accurate for small x.   dy/dx = eˣ = y + 1"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


class Exp2Op(Op):
    """y = 2ˣ.   dy/dx = 2ˣ · ln 2 = y · ln 2"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * _LN2)


class LogBaseOp(Op):
    """y = log_b x for b = 2 or 10 (NumPy's exact log2 / log10).   dy/dx = 1 / (x · ln b)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, base):
        ctx.save_for_backward(x)
        ctx.base = base
        xp = namespace_of(x)
        return xp.log2(x) if base == 2 else xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * (_LN2 if ctx.base == 2 else _LN10)), None


class SinhOp(Op):
    """y = sinh x.   dy/dx = cosh x"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * apply_or_forward(CoshOp, x)


class CoshOp(Op):
    """y = cosh x.   dy/dx = sinh x"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * apply_or_forward(SinhOp, x)


class TanOp(Op):
    """y = tan x.   dy/dx = 1 + tan² x = 1 + y²"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = namespace_of(x).tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class AsinOp(Op):
    """y = arcsin x.   dy/dx = 1 / √(1 − x²)  (±inf at x = ±1, NaN outside [−1, 1], as in PyTorch)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / namespace_of(x).sqrt(1 - x * x)


class AcosOp(Op):
    """y = arccos x.   dy/dx = −1 / √(1 − x²)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / namespace_of(x).sqrt(1 - x * x)


class AtanOp(Op):
    """y = arctan x.   dy/dx = 1 / (1 + x²)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace_of(x).arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


class Atan2Op(Op):
    """z = atan2(y, x), the angle of the point (x, y).   dz/dy = x / (x² + y²),  dz/dx = −y / (x² + y²)"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return namespace_of(y).arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        scaled = grad / (x * x + y * y)
        return scaled * x, -scaled * y  # the engine sums broadcast dims away


class HypotOp(Op):
    """h = √(a² + b²) without overflow.   dh/da = a / h,  dh/db = b / h"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        h = namespace_of(a).hypot(a, b)
        ctx.save_for_backward(a, b, h)
        return h

    @staticmethod
    def backward(ctx, grad):
        a, b, h = ctx.saved_tensors
        scaled = grad / h
        return scaled * a, scaled * b


# ---- the functions (torch's names and arguments) ---------------------------------------------------------


def erf(input: Any) -> Any:
    return ErfOp.apply(float_input("erf", input))


def erfc(input: Any) -> Any:
    return ErfcOp.apply(float_input("erfc", input))


def expm1(input: Any) -> Any:
    return Expm1Op.apply(float_input("expm1", input))


def exp2(input: Any) -> Any:
    return Exp2Op.apply(float_input("exp2", input))


def log2(input: Any) -> Any:
    return LogBaseOp.apply(float_input("log2", input), 2)


def log10(input: Any) -> Any:
    return LogBaseOp.apply(float_input("log10", input), 10)


def sinh(input: Any) -> Any:
    return SinhOp.apply(float_input("sinh", input))


def cosh(input: Any) -> Any:
    return CoshOp.apply(float_input("cosh", input))


def tan(input: Any) -> Any:
    return TanOp.apply(float_input("tan", input))


def asin(input: Any) -> Any:
    return AsinOp.apply(float_input("asin", input))


def acos(input: Any) -> Any:
    return AcosOp.apply(float_input("acos", input))


def atan(input: Any) -> Any:
    return AtanOp.apply(float_input("atan", input))


def atan2(input: Any, other: Any) -> Any:
    tensor_input("atan2", input)
    return Atan2Op.apply(*_float_pair("atan2", input, other))


def hypot(input: Any, other: Any) -> Any:
    tensor_input("hypot", input)
    return HypotOp.apply(*_float_pair("hypot", input, other))


def _float_pair(name: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands as tensors of one float dtype (PyTorch's promotion; integers compute in float32)."""
    if not is_tensor(b):
        raise TypeError(f"{name}: other must be a Tensor, got {type(b).__name__}; wrap it with gg.tensor(...)")
    return promote_operands(name, a, b, floating=True)


def reciprocal(input: Any) -> Any:
    """1 / x, as a float (PyTorch's reciprocal of an integer tensor is float32)."""
    return ReciprocalOp.apply(float_input("reciprocal", input))


def clamp_min(input: Any, min: Any) -> Any:  # noqa: A002 - torch's argument name
    """max(x, min) elementwise. dy/dx = 1 where x ≥ min, else 0."""
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Any:  # noqa: A002 - torch's argument name
    """min(x, max) elementwise. dy/dx = 1 where x ≤ max, else 0."""
    return clamp(input, max=max)


def lerp(input: Any, end: Any, weight: Any) -> Any:
    """start + weight · (end − start).   d/dstart = 1 − weight,  d/dend = weight,  d/dweight = end − start

    PyTorch switches to end − (end − start)(1 − weight) for |weight| ≥ ½, which differs by rounding only.
    """
    tensor_input("lerp", input)
    if not is_tensor(end):
        raise TypeError(f"lerp: end must be a Tensor, got {type(end).__name__}")
    if not (is_tensor(weight) or isinstance(weight, (int, float, np.number))):
        raise TypeError(f"lerp: weight must be a number or a Tensor, got {type(weight).__name__}")
    if input.array.dtype.kind != "f" or end.array.dtype != input.array.dtype:
        raise TypeError(
            f"lerp: start and end must be float tensors of one dtype, got {input.array.dtype} and {end.array.dtype}"
        )
    return arithmetic.add(input, arithmetic.mul(weight, arithmetic.sub(end, input)))


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """NaN → `nan`, +inf → `posinf`, −inf → `neginf` (by default the largest and smallest finite values of the
    dtype). Integer tensors come back unchanged. The gradient passes where x is finite and is 0 elsewhere."""
    tensor_input("nan_to_num", input)
    x = input.array
    if x.dtype.kind != "f":
        return input.clone()
    xp = namespace_of(x)
    finfo = np.finfo(x.dtype)
    posinf = float(finfo.max) if posinf is None else posinf
    neginf = float(finfo.min) if neginf is None else neginf
    replacement = xp.where(xp.isnan(x), nan, xp.where(x > 0, posinf, neginf)).astype(x.dtype)
    return select.where(make_tensor(xp.isfinite(x)), input, make_tensor(replacement))
