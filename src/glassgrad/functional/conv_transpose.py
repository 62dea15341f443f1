r"""F.conv_transpose1d and F.conv_transpose2d: the adjoint (transpose) of conv, built from conv's own pieces.

A convolution Z ↦ conv(Z, W) is linear in Z; its transpose maps the other way, X ↦ convᵀ(X, W), and is what
conv's backward computes for dL/dZ. So, with W (C_in, C_out/G, kh, kw) read as the weight of a conv from
C_out to C_in channels (stride s, padding p, dilation d, groups G):

    Y = convᵀ(X, W) + b   =  the input-gradient of that conv, at output-gradient X     (col2im(Wᵀ · X))
    dL/dX = conv(dL/dY, W)                                       (a conv forward: im2col, then W · cols)
    dL/dW = the conv's weight-gradient with input dL/dY and output-gradient X           (cols(dL/dY) · Xᵀ)
    dL/db = Σ_{n,h,w} dL/dY

Output size per spatial axis: (H − 1)·s − 2p + d·(k − 1) + output_padding + 1, with output_padding < s or < d
(it picks among the input sizes that a strided conv maps to the same H). No im2col of its own: the three
array pieces (col2im, im2col, the products) are conv.py's.
"""

from __future__ import annotations

from typing import Any

from ..autograd.node import Op
from ..backend import namespace_of
from ..tensor import Tensor
from .conv import ConvolutionOp, _grad_input, _pair, _Plan, channels_last, im2col, to_images


class ConvTransposeOp(Op):
    """Y = convᵀ(X, W) + b in G groups (the module docstring has the derivatives: conv and its weight-gradient)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, output_size):
        N, Cin = x.shape[:2]
        Cout = weight.shape[1] * groups
        pads = (padding[0], padding[0], padding[1], padding[1])
        plan = _Plan((N, Cout) + output_size, weight.shape, stride, pads, dilation)  # the conv Y-shaped → X-shaped
        x_rows, _ = channels_last(x)  # (N·H·W, C_in): X as the conv's output-gradient
        x_groups = x_rows.reshape(-1, groups, Cin // groups).transpose(1, 0, 2)
        y = _grad_input(plan, groups, weight, x_rows, x_groups)  # (N, C_out, Ho, Wo)
        if bias is not None:
            y += bias.reshape(Cout, 1, 1)
        ctx.plan, ctx.groups, ctx.pads = plan, groups, pads
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, weight if ctx.needs_input_grad[0] else None)
        return y

    @staticmethod
    def backward(ctx, grad):
        plan, G = ctx.plan, ctx.groups
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        Cin, N, H, W = plan.O, plan.N, plan.Ho, plan.Wo
        K = plan.C // G * plan.kh * plan.kw
        # the conv's windows of dL/dY: (G, C_out/G·kh·kw, N·H·W)
        cols = im2col(grad, (plan.kh, plan.kw), (plan.sh, plan.sw), (plan.top, plan.left), (plan.dh, plan.dw),
                      (H, W)).reshape(G, K, N * H * W)
        grad_x = grad_weight = None
        if needs_x:  # dL/dX = conv(dL/dY, W): (G, C_in/G, K) @ (G, K, N·H·W)
            product = (weight.reshape(G, Cin // G, K) @ cols).reshape(Cin, N * H * W)
            grad_x = to_images(product, None, (N, Cin, H, W))
        if needs_weight:  # dL/dW = (cols(dL/dY) · X_rows)ᵀ per group
            x_rows, _ = channels_last(x)
            x_groups = x_rows.reshape(-1, G, Cin // G).transpose(1, 0, 2)
            grad_weight = (cols @ x_groups).transpose(0, 2, 1).reshape(Cin, plan.C // G, plan.kh, plan.kw)
        grad_bias = namespace_of(grad).sum(grad, axis=(0, 2, 3)) if needs_bias else None
        return grad_x, grad_weight, grad_bias, None, None, None, None, None

    @staticmethod
    def reference(ctx, x, weight, bias, stride, padding, dilation, groups, output_size):
        """The same math from differentiable primitives (what create_graph=True differentiates): the
        vector-Jacobian product of a conv at X, which is linear in X and W, taken with create_graph."""
        from ..autograd import grad as autograd_grad
        from ..creation import zeros

        plan = ctx.plan
        z = zeros((plan.N, plan.C) + output_size, dtype=x.dtype, requires_grad=True)
        out = ConvolutionOp.apply(z, weight, None, stride, ctx.pads, dilation, groups)
        (y,) = autograd_grad(out, z, grad_outputs=x, create_graph=True)
        return y if bias is None else y + bias.reshape(-1, 1, 1)


def _conv_transpose(name: str, spatial: int, input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
                    stride: Any, padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    """Check the arguments, handle unbatched and 1-D input (as height 1), and apply ConvTransposeOp."""
    if input.ndim not in (spatial + 1, spatial + 2) or weight.ndim != spatial + 2:
        raise ValueError(
            f"{name}: expected {spatial + 1}-D or {spatial + 2}-D input and a {spatial + 2}-D weight (in_channels, "
            f"out_channels/groups, *kernel_size), got input of shape {input.shape} and weight of shape {weight.shape}"
        )
    if input.ndim == spatial + 1:  # unbatched: a batch of one, as PyTorch
        return _conv_transpose(name, spatial, input.unsqueeze(0), weight, bias, stride, padding, output_padding,
                               groups, dilation).squeeze(0)
    if not isinstance(groups, int) or groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"{name}: groups={groups!r} must be a positive int dividing in_channels={weight.shape[0]}")
    if input.shape[1] != weight.shape[0]:
        raise ValueError(
            f"{name}: weight of shape {weight.shape} expects input with {weight.shape[0]} channels, but input of "
            f"shape {input.shape} has {input.shape[1]}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[1] * groups,):
        raise ValueError(f"{name}: expected a bias of shape ({weight.shape[1] * groups},), got {bias.shape}")
    s, p, op, d = (_pair(name, what, v, spatial) for what, v in
                   (("stride", stride), ("padding", padding), ("output_padding", output_padding),
                    ("dilation", dilation)))
    if any(v < 1 for v in s + d) or any(v < 0 for v in p + op):
        raise ValueError(f"{name}: stride and dilation must be positive, padding and output_padding >= 0")
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(
            f"{name}: output padding must be smaller than either stride or dilation, got output_padding={op}, "
            f"stride={s}, dilation={d}"
        )
    kernel = tuple(weight.shape[2:])
    size = tuple((n - 1) * si - 2 * pi + di * (k - 1) + oi + 1
                 for n, si, pi, di, k, oi in zip(input.shape[2:], s, p, d, kernel, op))
    if any(v < 1 for v in size):
        raise ValueError(f"{name}: the output size {size} is not positive (input {input.shape}, padding {p})")
    if spatial == 1:  # as conv1d: a conv_transpose2d over a height of 1
        out = ConvTransposeOp.apply(input.unsqueeze(2), weight.unsqueeze(2), bias, (1,) + s, (0,) + p, (1,) + d,
                                    groups, (1,) + size)
        return out.squeeze(2)
    return ConvTransposeOp.apply(input, weight, bias, s, p, d, groups, size)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution over (N, C_in, H, W) (or unbatched), as torch.nn.functional.conv_transpose2d.

    weight (C_in, C_out/groups, kh, kw), bias (C_out,) or None; output (N, C_out, Ho, Wo) with
    Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1 (Wo alike).

    Example: `F.conv_transpose2d(gg.randn(8, 16, 7, 7), gg.randn(16, 3, 4, 4), stride=2, padding=1)` has shape
    (8, 3, 14, 14).
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution over (N, C_in, L) (or unbatched), as torch.nn.functional.conv_transpose1d.

    weight (C_in, C_out/groups, k); output length (L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)
