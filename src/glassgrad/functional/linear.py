"""F.linear: y = x Wᵀ + b as one fused op, with a hand-written backward of one matrix product per gradient."""

from __future__ import annotations

import math

from ..autograd.node import Op
from ..tensor import Tensor


class LinearOp(Op):
    """y = x Wᵀ + b over the last dim of x (any leading batch dims).

    With G = dL/dy and X, G flattened to 2-D (N, in) and (N, out):
    dL/dx = G W,   dL/dW = Gᵀ X,   dL/db = Σₙ G
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        needs_x, needs_weight = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        # dx reads W and dW reads x: save only what a needed gradient uses.
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None)
        out_features, in_features = weight.shape
        rows = math.prod(x.shape[:-1])  # N, spelled out: reshape(-1, ...) fails on empty inputs
        x2 = x.reshape(rows, in_features)  # (..., in) -> (N, in): one BLAS call for every batch dim
        y = x2 @ weight.T  # (N, out); BLAS reads Wᵀ through strides, no copy
        if bias is not None:
            y += bias  # y is fresh, so adding in place saves a temporary
        return y.reshape(x.shape[:-1] + (out_features,))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows = math.prod(grad.shape[:-1])
        grad2 = grad.reshape(rows, grad.shape[-1])  # (..., out) -> (N, out)
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            grad_x = (grad2 @ weight).reshape(grad.shape[:-1] + (weight.shape[1],))  # (N, in) -> (..., in)
        if needs_weight:
            grad_weight = grad2.T @ x.reshape(rows, x.shape[-1])  # (out, N) @ (N, in) = (out, in)
        if needs_bias:
            grad_bias = grad2.sum(axis=0)  # (out,)
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def reference(ctx, x, weight, bias):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        y = x @ weight.t()  # (..., in) @ (in, out) -> (..., out)
        return y if bias is None else y + bias


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """Apply y = x Wᵀ + b to the last dim of `input`.

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,) or None;
    output (*, out_features). Example: `F.linear(gg.randn(8, 3), gg.randn(4, 3))` has shape (8, 4).
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"linear: input and weight must be tensors, got {type(input).__name__} and "
            f"{type(weight).__name__}"
        )
    # Checks read the raw arrays: this runs once per layer and step, so it stays cheap.
    x, w = input.array, weight.array
    b = None if bias is None else bias.array
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape}: the input's "
            "last dim must equal in_features = weight.shape[1] (weight is (out_features, in_features))"
        )
    if b is not None and b.shape != (w.shape[0],) and b.shape != ():
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}; "
            f"expected ({weight.shape[0]},)"
        )
    if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        raise TypeError(
            f"linear: input, weight and bias must have one dtype, got {input.dtype}, {weight.dtype}"
            f"{'' if bias is None else ', ' + str(bias.dtype)}; convert them, e.g. input.float() or "
            "model.double()"
        )
    return LinearOp.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = Σ_ij x1[..., i]·A[o, i, j]·x2[..., j] + b[o], as torch.nn.functional.bilinear.

    x1 (*, in1), x2 (*, in2), A (out, in1, in2), b (out,) → y (*, out). One einsum, whose backward gives
    dL/dx1 = Σ_o g_o·A_o·x2, dL/dx2 = Σ_o g_o·A_oᵀ·x1, dL/dA_o = Σ over * of g_o·x1·x2ᵀ.
    """
    from ..ops.matmul import einsum

    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or input2.shape[-1:] != weight.shape[2:3]:
        raise ValueError(
            f"bilinear: expected input1 (*, in1), input2 (*, in2) and weight (out, in1, in2), got input1 "
            f"{input1.shape}, input2 {input2.shape}, weight {weight.shape}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: input1 {input1.shape} and input2 {input2.shape} must have the same batch "
                         "dims (all but the last)")
    y = einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias
