"""Products and norms, as in torch: mm, bmm, mv, dot, outer, addmm, tensordot (all matmul or einsum with the
shape checks of the narrower functions) and norm (a vector norm over any dims: an Op of its own).
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..backend import namespace_of, to_dtype
from . import arithmetic
from . import matmul as matmul_ops
from .reduce import check_keepdim, expand_reduced, reduction_axes
from .rounding import StepOp
from .unary import tensor_input


def _check_ranks(name: str, *pairs: tuple[str, Any, int]) -> None:
    for label, tensor, ndim in pairs:
        tensor_input(name, tensor)
        if tensor.array.ndim != ndim:
            raise RuntimeError(f"{name}: {label} must be a {ndim}-D tensor, got shape {tuple(tensor.shape)}")


def mm(input: Any, mat2: Any) -> Any:
    """(n, m) @ (m, p) → (n, p)."""
    _check_ranks("mm", ("input", input, 2), ("mat2", mat2, 2))
    return matmul_ops.matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Any:
    """(b, n, m) @ (b, m, p) → (b, n, p); the batch sizes must be equal (no broadcasting, as PyTorch)."""
    _check_ranks("bmm", ("input", input, 3), ("mat2", mat2, 3))
    if input.array.shape[0] != mat2.array.shape[0]:
        raise RuntimeError(
            f"bmm: batch sizes differ: input {tuple(input.shape)} and mat2 {tuple(mat2.shape)}; bmm does not "
            "broadcast (use matmul)"
        )
    return matmul_ops.matmul(input, mat2)


def mv(input: Any, vec: Any) -> Any:
    """(n, m) @ (m,) → (n,)."""
    _check_ranks("mv", ("input", input, 2), ("vec", vec, 1))
    return matmul_ops.matmul(input, vec)


def dot(input: Any, tensor: Any) -> Any:
    """Σ aᵢbᵢ of two 1-D tensors of one size, a 0-d tensor."""
    _check_ranks("dot", ("input", input, 1), ("tensor", tensor, 1))
    if input.array.shape != tensor.array.shape:
        raise RuntimeError(
            f"dot: 1-D tensors must have the same size, got {input.array.shape[0]} and {tensor.array.shape[0]}"
        )
    return matmul_ops.matmul(input, tensor)


def outer(input: Any, vec2: Any) -> Any:
    """out[i, j] = a_i · b_j of two 1-D tensors."""
    _check_ranks("outer", ("input", input, 1), ("vec2", vec2, 1))
    return arithmetic.mul(input.reshape(-1, 1), vec2.reshape(1, -1))


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Any:
    """β · input + α · (mat1 @ mat2), input broadcast to the product's shape; β = 0 ignores input (even NaN)."""
    tensor_input("addmm", input)
    product = mm(mat1, mat2)
    arithmetic.check_broadcast("addmm", input.array.shape, product.array.shape)
    if alpha != 1:
        product = arithmetic.mul(product, alpha)
    if beta == 0:  # input is not read: a NaN in it stays out, as in PyTorch (its gradient is None, not 0)
        return product
    return arithmetic.add(product, input if beta == 1 else arithmetic.mul(input, beta))


def tensordot(a: Any, b: Any, dims: Any = 2) -> Any:
    """Sum over the last `dims` dims of a and the first of b, or over the listed pairs ([dims of a], [of b])."""
    tensor_input("tensordot", a)
    tensor_input("tensordot", b)
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0 or dims > min(a.array.ndim, b.array.ndim):
            raise RuntimeError(f"tensordot: dims {dims} out of range for shapes {tuple(a.shape)} and {tuple(b.shape)}")
        dims_a = list(range(a.array.ndim - int(dims), a.array.ndim))
        dims_b = list(range(int(dims)))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a = [d % max(a.array.ndim, 1) for d in dims_a]
    dims_b = [d % max(b.array.ndim, 1) for d in dims_b]
    if len(dims_a) != len(dims_b) or any(a.array.shape[i] != b.array.shape[j] for i, j in zip(dims_a, dims_b)):
        raise RuntimeError(
            f"tensordot: contracted dims {dims_a} of {tuple(a.shape)} and {dims_b} of {tuple(b.shape)} must "
            "pair up with equal sizes"
        )
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(a.array.ndim)]
    sub_b = [next(letters) for _ in range(b.array.ndim)]
    for i, j in zip(dims_a, dims_b):
        sub_b[j] = sub_a[i]
    kept = [c for k, c in enumerate(sub_a) if k not in dims_a] + [c for k, c in enumerate(sub_b) if k not in dims_b]
    return matmul_ops.einsum(f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(kept)}", a, b)


class VectorNormOp(Op):
    """y = ‖x‖_p over `axes` = (Σ |x|^p)^(1/p); p = inf: max |x|, −inf: min |x|, 0: the count of non-zeros.

    dy/dx = sign(x) · |x|^(p−1) / y^(p−1)   (p = 2: x / y;  p = 1: sign(x);  0 where y = 0, as PyTorch)
    p = ±inf: sign(x) / k at the k entries with |x| = y (ties share evenly), 0 elsewhere;  p = 0: 0.
    """

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = namespace_of(x)
        size = xp.abs(x)
        if p == 2:
            y = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
        elif p == 1:
            y = xp.sum(size, axis=axes, keepdims=True)
        elif p == math.inf:
            y = xp.max(size, axis=axes, keepdims=True)
        elif p == -math.inf:
            y = xp.min(size, axis=axes, keepdims=True)
        elif p == 0:
            y = xp.sum(x != 0, axis=axes, keepdims=True).astype(x.dtype)
        else:
            y = xp.sum(size**p, axis=axes, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        if p in (math.inf, -math.inf):  # which entries reach the extreme, and how many share it: constants
            ctx.at_extreme = size == y
            ctx.ties = xp.sum(ctx.at_extreme, axis=axes, keepdims=True).astype(x.dtype)
        result = y if keepdim else xp.squeeze(y, axis=axes)
        ctx.kept_shape = y.shape
        ctx.save_for_backward(x, result)  # the output itself: under create_graph it is the tensor on the graph
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        y = result.reshape(ctx.kept_shape)  # with the reduced axes kept, to broadcast against x
        xp = namespace_of(x)
        p = ctx.p
        g = expand_reduced(grad, x.shape, ctx.axes, ctx.keepdim)
        if p == 0:
            return xp.zeros_like(x), None, None, None
        sign = apply_or_forward(StepOp, x, "sign", 0)
        if p in (math.inf, -math.inf):
            return xp.where(ctx.at_extreme, g * sign / xp.asarray(ctx.ties), 0.0), None, None, None
        if p == 1:
            return g * sign, None, None, None
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                scale = xp.where(y == 0, 0.0, 1 / xp.where(y == 0, 1.0, y))
                return g * x * scale, None, None, None
            scale = xp.where(y == 0, 0.0, 1 / xp.where(y == 0, 1.0, y) ** (p - 1))
            return g * sign * xp.abs(x) ** (p - 1) * scale, None, None, None


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None, dtype: Any = None) -> Any:
    """torch.norm: a vector p-norm over dim (every dim when None); 'fro' is the 2-norm. ('nuc' is not supported.)"""
    tensor_input("norm", input)
    check_keepdim("norm", keepdim)
    if out is not None:
        raise TypeError("norm: out= is not supported; use the returned tensor")
    if dtype is not None:
        input = arithmetic.cast(input, to_dtype(dtype).np)
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"norm: expected a floating point input, got {input.array.dtype}; convert with .float()")
    if isinstance(p, str):
        if p != "fro":
            raise NotImplementedError(f"norm: p={p!r} is not supported; use p='fro' or a number")
        p = 2
    if not isinstance(p, (int, float, np.number)) or isinstance(p, bool):
        raise TypeError(f"norm: p must be a number, 'fro' or inf, got {type(p).__name__} {p!r}")
    axes = reduction_axes("norm", dim, input.array.ndim)
    if input.array.ndim == 0:  # one element: its norm is |x| (a 0-d result, with or without keepdim)
        return VectorNormOp.apply(input.reshape(1), float(p), (0,), False).reshape(())
    if abs(p) == math.inf and any(input.array.shape[a] == 0 for a in axes):
        raise RuntimeError(f"norm: p={p} of an empty reduction has no value (input {tuple(input.shape)})")
    return VectorNormOp.apply(input, float(p), axes, keepdim)

