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
- "wide" rows for stride 1: the padded image is stored with rows of length R = padded width, and an output row
  is computed for all R columns (the last (kw−1)·dw are garbage and dropped). Then a window row of every output
  row lies at one constant flat offset, so each (c, i, j) row of cols is a single contiguous run of Ho·R values
  and col2im is nine long contiguous adds instead of many runs of W values (3–4× faster in NumPy). The price
  is R/Wo more columns in the products (16/14 for a padded 14×14 map). Strided convolutions use exact rows.
- float32 NumPy arrays (`kernels.fits`) take the kernels of kernels/conv.py for the copies around the three
  products: im2col reads X with bounds tests (no padded copy, exact rows), the product is written out as
  (N, O, Ho, Wo) with the bias in the same pass, G is turned channels last with dL/db summed on the way, and
  col2im adds whole pixels per image in parallel. Same layouts and products as here, so the NumPy code below
  is their reference (tests/kernels/test_fused_conv.py).
"""

from __future__ import annotations

from typing import Any

from ..autograd.node import Op
from ..backend import Array, namespace_of
from ..kernels import conv as conv_kernel
from ..kernels import fits
from ..tensor import Tensor
from ._windows import windows


class _Plan:
    """Shapes of one convolution: the padded buffer, the window view over it, and the output."""

    def __init__(
        self, x_shape: tuple, w_shape: tuple, stride: tuple, padding: tuple, dilation: tuple, wide: bool
    ) -> None:
        self.N, self.C, self.H, self.W = x_shape
        self.O, _, self.kh, self.kw = w_shape
        self.sh, self.sw = stride
        self.top, bottom, self.left, right = padding
        self.dh, self.dw = dilation
        padded_h = self.H + self.top + bottom
        padded_w = self.W + self.left + right
        self.Ho = (padded_h - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.Wo = (padded_w - self.dw * (self.kw - 1) - 1) // self.sw + 1
        self.R = padded_w  # row length of the padded buffer
        self.wide = wide and self.sh == 1 and self.sw == 1  # the kernels (wide=False) need no wide rows
        self.Lw = self.R if self.wide else self.Wo  # columns computed per output row
        # In wide mode the garbage columns of the last output row read up to (kw−1)·dw values past the padded
        # image: one extra zero row keeps those reads inside the buffer.
        self.rows = padded_h + (1 if self.wide and self.Lw > self.Wo else 0)
        self.L = self.Ho * self.Lw  # columns of cols per image

    def padded(self, x: Array) -> Array:
        """x (N, C, H, W) copied into a zeroed buffer (N, C, rows, R) at the padding offset."""
        xp = namespace_of(x)
        buffer = xp.zeros((self.N, self.C, self.rows, self.R), dtype=x.dtype)
        buffer[:, :, self.top : self.top + self.H, self.left : self.left + self.W] = x
        return buffer

    def windows(self, buffer: Array) -> Array:
        """A strided view (C, kh, kw, N, Ho, Lw) of the buffer: [c, i, j, n, h, w] = buffer[n, c, h·sh+i·dh, w·sw+j·dw].

        For a fixed (i, j) the view touches each buffer element at most once (so col2im may add into it).
        """
        xp = namespace_of(buffer)
        item = buffer.itemsize
        stride_n, stride_c = buffer.strides[0], buffer.strides[1]
        row = self.R * item
        return xp.lib.stride_tricks.as_strided(
            buffer,
            shape=(self.C, self.kh, self.kw, self.N, self.Ho, self.Lw),
            strides=(stride_c, self.dh * row, self.dw * item, stride_n, self.sh * row, self.sw * item),
        )

    def windows_last(self, buffer: Array) -> Array:
        """The same windows over a channels-last buffer (N, rows, R, C): a view (kh, kw, N, Ho, Lw, C)."""
        xp = namespace_of(buffer)
        item = buffer.itemsize
        pixel = self.C * item
        row = self.R * pixel
        return xp.lib.stride_tricks.as_strided(
            buffer,
            shape=(self.kh, self.kw, self.N, self.Ho, self.Lw, self.C),
            strides=(self.dh * row, self.dw * pixel, buffer.strides[0], self.sh * row, self.sw * pixel, item),
        )

    def output_view(self, out: Array) -> Array:
        """(O, N·L) product -> (N, O, Ho, Wo) view, dropping the garbage columns of wide mode."""
        out = out.reshape(self.O, self.N, self.Ho, self.Lw)[:, :, :, : self.Wo]  # (O, N, Ho, Wo)
        return out.transpose(1, 0, 2, 3)  # (N, O, Ho, Wo)


class Convolution(Op):
    """Y = conv(X, W) + b in G groups (the module docstring has the formula).

    dL/dW = G·colsᵀ,  dL/dX = col2im(Wᵀ·G),  dL/db = Σ G over batch and pixels
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        xp = namespace_of(x)
        unit_height = x.ndim == 3  # conv1d: (N, C, L) runs as a conv2d over (N, C, 1, L)
        if unit_height:
            x = x[:, :, None, :]
            weight = weight[:, :, None, :]
        fast = fits(x, weight) and (bias is None or fits(bias))  # the kernels of kernels/conv.py
        plan = _Plan(x.shape, weight.shape, stride, padding, dilation, wide=not fast)
        O, N = plan.O, plan.N
        # 1. im2col: the windows copied into one matrix (G, C/G·kh·kw, N·L), each row one contiguous run.
        if fast:
            cols = conv_kernel.im2col(
                x, (plan.kh, plan.kw), stride, (plan.top, plan.left), dilation, (plan.Ho, plan.Wo)
            )
        else:
            cols = xp.ascontiguousarray(plan.windows(plan.padded(x)))  # (C, kh, kw, N, Ho, Lw)
        K = plan.C // groups * plan.kh * plan.kw  # rows of cols per group (spelled out: N may be 0)
        cols = cols.reshape(groups, K, N * plan.L)  # (G, K, N·L)
        # 2. one product per group: (G, O/G, K) @ (G, K, N·L) -> (O, N·L)
        weight_matrix = weight.reshape(groups, O // groups, K)
        out = (weight_matrix[0] @ cols[0] if groups == 1 else weight_matrix @ cols).reshape(O, N * plan.L)
        # 3. add the bias to the fresh product in place (a contiguous pass: 2-3x faster than adding it
        #    during the transposing copy), then (O, N, Ho, Wo) -> (N, O, Ho, Wo).
        if fast:
            y = conv_kernel.to_images(out, bias, (N, O, plan.Ho, plan.Wo))  # both in one parallel pass
        else:
            if bias is not None:
                out += bias.reshape(O, 1)
            y = xp.empty((N, O, plan.Ho, plan.Wo), dtype=out.dtype)
            y[...] = plan.output_view(out)
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
        xp = namespace_of(grad)
        if ctx.unit_height:
            grad = grad[:, :, None, :]
        O, N, NL = plan.O, plan.N, plan.N * plan.L
        if not plan.wide:  # forward took the kernels (or a strided NumPy path): they read G in C order
            grad = xp.ascontiguousarray(grad)
        fast = not plan.wide and fits(grad)  # the kernels of kernels/conv.py
        grad_bias = None
        # G as an (N·L, O) matrix, channels last: then dW = (cols · G)ᵀ and dcols = G · W₂ both run in the
        # faster orientation for BLAS (~20% on the benchmark shapes). In wide mode G is zero in the garbage
        # columns, so they add nothing to dW and scatter nothing but zeros in col2im.
        if fast:
            grad_rows, grad_bias = conv_kernel.channels_last(grad)  # (N·L, O), and dL/db on the way
        elif plan.Lw == plan.Wo:
            grad_rows = xp.ascontiguousarray(grad.transpose(0, 2, 3, 1))  # (N, Ho, Wo, O)
        else:
            grad_rows = xp.zeros((N, plan.Ho, plan.Lw, O), dtype=grad.dtype)
            grad_rows[:, :, : plan.Wo] = grad.transpose(0, 2, 3, 1)
        grad_rows = grad_rows.reshape(NL, O)
        # Per group g, G_g is the (N·L, O/G) block of columns: (G, N·L, O/G) as a view.
        grad_groups = grad_rows.reshape(NL, groups, O // groups).transpose(1, 0, 2)

        grad_x = grad_weight = None
        if not needs_bias:
            grad_bias = None
        elif grad_bias is None:
            grad_bias = xp.einsum("lo->o", grad_rows)  # (O,); einsum: ~3x faster than sum(axis=0) here
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
            grad_x = _col2im(plan, groups, weight, grad_rows, grad_groups, fast)
            if ctx.unit_height:
                grad_x = grad_x[:, :, 0, :]
        return grad_x, grad_weight, grad_bias, None, None, None, None

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
        cols = cols.reshape(N, G, K, plan.Ho * plan.Wo)
        y = weight.reshape(G, O // G, K) @ cols  # (G, O/G, K) @ (N, G, K, L) -> (N, G, O/G, L)
        y = y.reshape(N, O, plan.Ho, plan.Wo)
        if bias is not None:
            y = y + bias.reshape(O, 1, 1)
        return y.squeeze(2) if ctx.unit_height else y


def _col2im(
    plan: _Plan, groups: int, weight: Array, grad_rows: Array, grad_groups: Array, fast: bool
) -> Array:
    """dL/dX: dL/dcols = G · W₂ (channels last), each kernel offset's values added back onto its windows."""
    xp = namespace_of(grad_rows)
    C, kh, kw, G = plan.C, plan.kh, plan.kw, groups
    # W₂ with rows (o) and columns (i, j, c) per group: (G, O/G, kh·kw·C/G)
    # (O, C/G, kh, kw) -> (G, O/G, kh, kw, C/G) -> (G, O/G, kh·kw·C/G)
    weight_rows = weight.reshape(G, plan.O // G, C // G, kh, kw).transpose(0, 1, 3, 4, 2)
    weight_rows = weight_rows.reshape(G, plan.O // G, -1)
    if G == 1:
        grad_cols = (grad_rows @ weight_rows[0])[None]  # (1, N·L, kh·kw·C)
    else:
        grad_cols = grad_groups @ weight_rows  # (G, N·L, kh·kw·C/G)
    if fast:  # kernels/conv.py: the same adds, one image per thread
        grad_cols = grad_cols.reshape(G, plan.N, plan.Ho, plan.Wo, kh, kw, C // G)
        x_shape = (plan.N, C, plan.H, plan.W)
        return conv_kernel.col2im(grad_cols, x_shape, (plan.sh, plan.sw), (plan.top, plan.left), (plan.dh, plan.dw))
    # (G, N, Ho, Lw, kh, kw, C/G) -> (N, Ho, Lw, kh, kw, G, C/G): a view, no copy
    grad_cols = grad_cols.reshape(G, plan.N, plan.Ho, plan.Lw, kh, kw, C // G).transpose(1, 2, 3, 4, 5, 0, 6)
    # A channels-last buffer (N, rows, R, C): each offset's add reads and writes runs of whole pixels.
    buffer = xp.zeros((plan.N, plan.rows, plan.R, C), dtype=grad_rows.dtype)
    windows = plan.windows_last(buffer)  # (kh, kw, N, Ho, Lw, C)
    for i in range(kh):  # kh·kw strided adds: within one offset the windows never overlap
        for j in range(kw):
            target = windows[i, j].reshape(plan.N, plan.Ho, plan.Lw, G, C // G)  # a view into the buffer
            xp.add(target, grad_cols[:, :, :, i, j], out=target)
    interior = buffer[:, plan.top : plan.top + plan.H, plan.left : plan.left + plan.W]  # (N, H, W, C)
    return xp.ascontiguousarray(interior.transpose(0, 3, 1, 2))  # (N, C, H, W)


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
    """Check the arguments of conv{spatial}d, handle unbatched input, and apply the Convolution op."""
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
    return Convolution.apply(input, weight, bias, stride, pads, dilation, groups)


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
