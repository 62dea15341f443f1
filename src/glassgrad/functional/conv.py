"""F.conv1d and F.conv2d: convolution as strided windows (im2col) and one matrix product per call.

Cross-correlation, as in PyTorch, of an input X (N, C, H, W) with a weight W (O, C/G, kh, kw) in G groups:

    Y[n, o, h, w] = b[o] + Σ_{c in o's group, i, j} W[o, c, i, j] · Xp[n, c, h·sh + i·dh, w·sw + j·dw]

where Xp is X zero-padded. Written with the window matrix ("cols", one column per output pixel, one row per
(c, i, j)), it is one matrix product per group:  Y = W₂ · cols  with W₂ = W viewed (O, C/G·kh·kw). So

    dL/dW₂ = G · colsᵀ,    dL/dcols = W₂ᵀ · G,    dL/db = Σ_{n,h,w} G,

and dL/dX is dL/dcols scattered back onto the windows they came from ("col2im": one strided add per kernel
offset (i, j), since the windows of one offset never overlap each other).

Layout choices, measured on the benchmark shapes (see bench/workloads/cnn.py):
- cols is (C·kh·kw, N·L): every image in one matrix, so the forward, dL/dW and dL/dcols are each one large
  BLAS call (a batched product over N is ~30% slower there); the (O, N, ...) result is copied to (N, O, ...).
- backward takes G channels last, (N·L, O): dL/dW = (cols · G)ᵀ and dL/dcols = G · W₂ are then the faster
  orientation of the same products (~20% on one core), and col2im adds whole pixels (C values) at a time.

The four copies around the products (im2col, the product to images with the bias, G channels last with dL/db,
col2im) are references at the seam (kernels/registry.py): float32 NumPy arrays run kernels/conv.py, one
parallel pass each, with the same layouts (tests/kernels/test_fused_conv.py).
"""

from __future__ import annotations

from typing import Any

from ..autograd.node import Op
from ..backend import Array, namespace_of
from ..backend.sums import column_sum
from ..kernels.registry import reference
from ..tensor import Tensor
from ._windows import windows


class _Plan:
    """Shapes of one convolution: input (N, C, H, W), weight (O, C/G, kh, kw), output (N, O, Ho, Wo)."""

    def __init__(self, x_shape: tuple, w_shape: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
        self.N, self.C, self.H, self.W = x_shape
        self.O, _, self.kh, self.kw = w_shape
        self.sh, self.sw = stride
        self.top, bottom, self.left, right = padding
        self.dh, self.dw = dilation
        self.Ho = (self.H + self.top + bottom - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.Wo = (self.W + self.left + right - self.dw * (self.kw - 1) - 1) // self.sw + 1
        self.L = self.Ho * self.Wo  # output pixels per image: columns of cols per image


# ---- the copies around the products: references of kernels/conv.py --------------------------------------------


def _padded_size(size: int, start: int, count: int, stride: int, dilation: int, kernel: int) -> int:
    """Length of a padded axis that holds the input from `start` on and every window of `count` outputs."""
    return max(start + size, (count - 1) * stride + dilation * (kernel - 1) + 1)


@reference("conv_im2col")
def im2col(x: Array, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple, output_size: tuple) -> Array:
    """cols (C·kh·kw, N·Ho·Wo) of x (N, C, H, W): cols[(c, i, j), (n, h, w)] = Xp[n, c, h·sh + i·dh, w·sw + j·dw],
    Xp being x zero-padded by `padding` = (top, left) (and wherever a window reaches past the bottom/right)."""
    xp = namespace_of(x)
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (top, left), (dh, dw), (Ho, Wo) = kernel_size, stride, padding, dilation, output_size
    rows, columns = _padded_size(H, top, Ho, sh, dh, kh), _padded_size(W, left, Wo, sw, dw, kw)
    padded = xp.zeros((N, C, rows, columns), dtype=x.dtype)
    padded[:, :, top : top + H, left : left + W] = x
    item = padded.itemsize
    row = columns * item
    view = xp.lib.stride_tricks.as_strided(  # (C, kh, kw, N, Ho, Wo): the windows, in the order of cols
        padded,
        shape=(C, kh, kw, N, Ho, Wo),
        strides=(padded.strides[1], dh * row, dw * item, padded.strides[0], sh * row, sw * item),
    )
    return xp.ascontiguousarray(view).reshape(C * kh * kw, N * Ho * Wo)


@reference("conv_to_images")
def to_images(product: Array, bias: Array | None, output_shape: tuple) -> Array:
    """Y (N, O, Ho, Wo) from the product W₂·cols (O, N·Ho·Wo), plus the bias (O,) if given."""
    xp = namespace_of(product)
    N, O, Ho, Wo = output_shape
    y = xp.empty(output_shape, dtype=product.dtype)
    y[...] = product.reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3)  # (O, N, Ho, Wo) -> (N, O, Ho, Wo)
    if bias is not None:
        y += bias.reshape(O, 1, 1)  # on the fresh copy: one contiguous pass
    return y


@reference("conv_channels_last")
def channels_last(grad: Array) -> tuple:
    """(G_rows (N·Ho·Wo, O), dL/db (O,)) from the output gradient G (N, O, Ho, Wo): G channels last, and its sum
    over the batch and the pixels."""
    xp = namespace_of(grad)
    N, O, Ho, Wo = grad.shape
    rows = xp.ascontiguousarray(grad.transpose(0, 2, 3, 1)).reshape(N * Ho * Wo, O)  # spelled out: N or O may be 0
    return rows, column_sum(rows)


@reference("conv_col2im")
def col2im(grad_cols: Array, input_shape: tuple, stride: tuple, padding: tuple, dilation: tuple) -> Array:
    """dL/dX (N, C, H, W) from dL/dcols (G, N, Ho, Wo, kh, kw, C/G): each window's values added back onto the
    pixels it read. `padding` is (top, left); the channels of group g are g·C/G + c'."""
    xp = namespace_of(grad_cols)
    G, N, Ho, Wo, kh, kw, Cg = grad_cols.shape
    _, C, H, W = input_shape
    (sh, sw), (top, left), (dh, dw) = stride, padding, dilation
    rows, columns = _padded_size(H, top, Ho, sh, dh, kh), _padded_size(W, left, Wo, sw, dw, kw)
    # A padded channels-last buffer (N, rows, columns, C): each offset's add reads and writes runs of whole pixels.
    padded = xp.zeros((N, rows, columns, C), dtype=grad_cols.dtype)
    item = padded.itemsize
    pixel = C * item
    row = columns * pixel
    view = xp.lib.stride_tricks.as_strided(  # (kh, kw, N, Ho, Wo, C): the windows over the buffer
        padded,
        shape=(kh, kw, N, Ho, Wo, C),
        strides=(dh * row, dw * pixel, padded.strides[0], sh * row, sw * pixel, item),
    )
    grad_cols = grad_cols.transpose(1, 2, 3, 4, 5, 0, 6)  # (N, Ho, Wo, kh, kw, G, C/G): a view, no copy
    for i in range(kh):  # kh·kw strided adds: within one offset the windows never overlap
        for j in range(kw):
            target = view[i, j].reshape(N, Ho, Wo, G, Cg)  # a view into the buffer
            xp.add(target, grad_cols[:, :, :, i, j], out=target)
    interior = padded[:, top : top + H, left : left + W]  # (N, H, W, C)
    return xp.ascontiguousarray(interior.transpose(0, 3, 1, 2))  # (N, C, H, W)


# ---- the op ----------------------------------------------------------------------------------------------------


class ConvolutionOp(Op):
    """Y = conv(X, W) + b in G groups (the module docstring has the formula).

    dL/dW = G·colsᵀ,  dL/dX = col2im(Wᵀ·G),  dL/db = Σ G over batch and pixels
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        unit_height = x.ndim == 3  # conv1d: (N, C, L) runs as a conv2d over (N, C, 1, L)
        if unit_height:
            x = x[:, :, None, :]
            weight = weight[:, :, None, :]
        plan = _Plan(x.shape, weight.shape, stride, padding, dilation)
        O, N, NL = plan.O, plan.N, plan.N * plan.L
        # 1. im2col: the windows copied into one matrix (G, C/G·kh·kw, N·L), each row one output pixel's window.
        cols = im2col(x, (plan.kh, plan.kw), stride, (plan.top, plan.left), dilation, (plan.Ho, plan.Wo))
        K = plan.C // groups * plan.kh * plan.kw  # rows of cols per group (spelled out: N may be 0)
        cols = cols.reshape(groups, K, NL)  # (G, K, N·L)
        # 2. one product per group: (G, O/G, K) @ (G, K, N·L) -> (O, N·L)
        weight_matrix = weight.reshape(groups, O // groups, K)
        product = (weight_matrix[0] @ cols[0] if groups == 1 else weight_matrix @ cols).reshape(O, NL)
        # 3. (O, N·L) -> (N, O, Ho, Wo), plus the bias
        y = to_images(product, bias, (N, O, plan.Ho, plan.Wo))
        ctx.plan = plan
        ctx.groups = groups
        ctx.unit_height = unit_height
        needs_x, needs_weight = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(cols if needs_weight else None, weight if needs_x else None)
        return y[:, :, 0, :] if unit_height else y

    @staticmethod
    def backward(ctx, grad):
        plan, groups = ctx.plan, ctx.groups
        cols, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        if ctx.unit_height:
            grad = grad[:, :, None, :]
        O, NL = plan.O, plan.N * plan.L
        # G as an (N·L, O) matrix, channels last: then dW = (cols · G)ᵀ and dcols = G · W₂ both run in the
        # faster orientation for BLAS (~20% on the benchmark shapes).
        grad_rows, grad_bias = channels_last(grad)  # (N·L, O), and dL/db on the way
        # Per group g, G_g is the (N·L, O/G) block of columns: (G, N·L, O/G) as a view.
        grad_groups = grad_rows.reshape(NL, groups, O // groups).transpose(1, 0, 2)
        grad_x = grad_weight = None
        if needs_weight:
            # dW₂ = (cols · G)ᵀ: (G, K, N·L) @ (G, N·L, O/G) -> (G, K, O/G) -> (G, O/G, K)
            if groups == 1:
                grad_weight = (cols[0] @ grad_rows).T
            else:
                grad_weight = (cols @ grad_groups).transpose(0, 2, 1)
            grad_weight = grad_weight.reshape(O, plan.C // groups, plan.kh, plan.kw)
            if ctx.unit_height:
                grad_weight = grad_weight[:, :, 0, :]
        if needs_x:
            grad_x = _grad_input(plan, groups, weight, grad_rows, grad_groups)
            if ctx.unit_height:
                grad_x = grad_x[:, :, 0, :]
        return grad_x, grad_weight, grad_bias if needs_bias else None, None, None, None, None

    @staticmethod
    def reference(ctx, x, weight, bias, stride, padding, dilation, groups):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        plan = ctx.plan
        if ctx.unit_height:  # conv1d: (N, C, L) as (N, C, 1, L), as forward
            x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        N, O, G = plan.N, plan.O, groups
        # im2col by indexing: (N, C, kh, kw, Ho, Wo) -> (N, G, K, L), K = C/G·kh·kw (c, i, j as W's rows)
        cols = windows(x, (plan.kh, plan.kw), stride, (plan.top, plan.left), dilation, (plan.Ho, plan.Wo), 0.0)
        K = plan.C // G * plan.kh * plan.kw  # spelled out: with N = 0 a −1 in reshape is ambiguous
        cols = cols.reshape(N, G, K, plan.L)
        y = weight.reshape(G, O // G, K) @ cols  # (G, O/G, K) @ (N, G, K, L) -> (N, G, O/G, L)
        y = y.reshape(N, O, plan.Ho, plan.Wo)
        if bias is not None:
            y = y + bias.reshape(O, 1, 1)
        return y.squeeze(2) if ctx.unit_height else y


def _grad_input(plan: _Plan, groups: int, weight: Array, grad_rows: Array, grad_groups: Array) -> Array:
    """dL/dX: dL/dcols = G · W₂ (channels last), each kernel offset's values added back onto its windows."""
    C, kh, kw, G = plan.C, plan.kh, plan.kw, groups
    # W₂ with rows (o) and columns (i, j, c) per group: (G, O/G, kh·kw·C/G)
    # (O, C/G, kh, kw) -> (G, O/G, kh, kw, C/G) -> (G, O/G, kh·kw·C/G)
    weight_rows = weight.reshape(G, plan.O // G, C // G, kh, kw).transpose(0, 1, 3, 4, 2)
    weight_rows = weight_rows.reshape(G, plan.O // G, -1)
    if G == 1:
        grad_cols = (grad_rows @ weight_rows[0])[None]  # (1, N·L, kh·kw·C)
    else:
        grad_cols = grad_groups @ weight_rows  # (G, N·L, kh·kw·C/G)
    grad_cols = grad_cols.reshape(G, plan.N, plan.Ho, plan.Wo, kh, kw, C // G)
    x_shape = (plan.N, C, plan.H, plan.W)
    return col2im(grad_cols, x_shape, (plan.sh, plan.sw), (plan.top, plan.left), (plan.dh, plan.dw))


# ---- argument handling ---------------------------------------------------------------------------------------


def _pair(name: str, what: str, value: Any, size: int) -> tuple[int, ...]:
    """An int or a tuple of `size` ints (stride, dilation, padding) as a tuple, checked."""
    values = (value,) * size if isinstance(value, int) else tuple(value)
    if len(values) != size or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name}: {what} must be an int or a tuple of {size} ints, got {value!r}")
    return values


def _padding(name: str, padding: Any, kernel: tuple, stride: tuple, dilation: tuple) -> tuple[int, ...]:
    """padding as (before, after) per spatial dim, flattened: int, tuple, 'valid' or 'same' (as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * len(kernel))
        if padding != "same":
            raise ValueError(
                f"{name}: invalid padding string {padding!r}; use 'same', 'valid', an int or a tuple"
            )
        if any(s != 1 for s in stride):
            raise ValueError(
                f"{name}: padding='same' is not supported for strided convolutions (stride={stride})"
            )
        pads: list[int] = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # PyTorch puts the odd one on the right/bottom
        return tuple(pads)
    values = _pair(name, "padding", padding, len(kernel))
    if any(v < 0 for v in values):
        raise ValueError(f"{name}: negative padding is not supported, got padding={padding!r}")
    return tuple(v for v in values for _ in range(2))


def _convolution(
    name: str,
    spatial: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,  # noqa: A002
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    """Check the arguments of conv{spatial}d, handle unbatched input, and apply the ConvolutionOp op."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"{name}: input and weight must be tensors, got {type(input).__name__} and "
            f"{type(weight).__name__}"
        )
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{name}: expected {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, got "
            f"input of shape {input.shape}"
        )
    if weight.ndim != spatial + 2:
        raise ValueError(
            f"{name}: expected a {spatial + 2}-D weight (out_channels, in_channels/groups, "
            f"*kernel_size), got weight of shape {weight.shape}"
        )
    if input.ndim == spatial + 1:  # unbatched: run as a batch of one, as PyTorch does
        return _convolution(
            name, spatial, input.unsqueeze(0), weight, bias, stride, padding, dilation, groups
        ).squeeze(0)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    out_channels, channels_per_group = weight.shape[0], weight.shape[1]
    if out_channels % groups:
        raise ValueError(
            f"{name}: weight of shape {weight.shape} has {out_channels} output channels, not "
            f"divisible by groups={groups}"
        )
    if input.shape[1] != channels_per_group * groups:
        raise ValueError(
            f"{name}: with groups={groups}, weight of shape {weight.shape} expects input with "
            f"{channels_per_group * groups} channels, but input of shape {input.shape} has {input.shape[1]} channels"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(
            f"{name}: weight of shape {weight.shape} expects a bias of shape ({out_channels},), "
            f"got bias of shape {bias.shape}"
        )
    dtypes = {input.dtype, weight.dtype} | ({bias.dtype} if bias is not None else set())
    if len(dtypes) != 1 or not input.dtype.is_floating_point:
        raise TypeError(
            f"{name}: input, weight and bias must have one floating dtype, got {input.dtype}, "
            f"{weight.dtype}{'' if bias is None else ', ' + str(bias.dtype)}; convert them, e.g. "
            "input.float()"
        )
    kernel = tuple(weight.shape[2:])
    stride = _pair(name, "stride", stride, spatial)
    dilation = _pair(name, "dilation", dilation, spatial)
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(
            f"{name}: stride and dilation must be positive, got stride={stride}, dilation={dilation}"
        )
    pads = _padding(name, padding, kernel, stride, dilation)
    padded = tuple(size + pads[2 * k] + pads[2 * k + 1] for k, size in enumerate(input.shape[2:]))
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(r > p for r, p in zip(reach, padded)):
        raise ValueError(
            f"{name}: the kernel (size {kernel}, dilation {dilation}, reach {reach}) is larger than the padded "
            f"input {padded} (input of shape {input.shape}, padding {padding!r}); use a smaller kernel or more padding"
        )
    if spatial == 1:  # the op computes conv1d as conv2d over a height of 1
        stride, dilation, pads = (1,) + stride, (1,) + dilation, (0, 0) + pads
    return ConvolutionOp.apply(input, weight, bias, stride, pads, dilation, groups)


def conv2d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation over (N, C, H, W) (or unbatched (C, H, W)) input, as torch.nn.functional.conv2d.

    Shapes: weight (O, C/groups, kh, kw), bias (O,) or None; output (N, O, Ho, Wo) with
    Ho = ⌊(H + pad_top + pad_bottom − dilation·(kh − 1) − 1) / stride⌋ + 1 (Wo alike). `padding` is an int, a pair,
    'valid' (no padding) or 'same' (output size = input size; stride 1 only; an odd total pad puts the extra row
    or column at the bottom/right, as PyTorch).

    Example: `F.conv2d(gg.randn(8, 3, 32, 32), gg.randn(16, 3, 3, 3), padding=1)` has shape (8, 16, 32, 32).
    """
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation over (N, C, L) (or unbatched (C, L)) input, as torch.nn.functional.conv1d.

    Shapes: weight (O, C/groups, k), bias (O,) or None; output (N, O, Lo) with
    Lo = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1; `padding` as in conv2d.

    Example: `F.conv1d(gg.randn(8, 4, 100), gg.randn(6, 4, 5), padding='same')` has shape (8, 6, 100).
    """
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)
