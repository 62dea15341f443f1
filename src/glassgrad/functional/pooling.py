"""Pooling over (N, C, H, W) maps: F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, and their 1-D forms.

Max and average pooling read the input through one strided window view (kh, kw, N, C, Ho, Wo) of the padded
input, [i, j, n, c, h, w] = Xp[n, c, h·sh + i·dh, w·sw + j·dw], copy it once into a contiguous array (for a
2×2/2 pool, the input de-interleaved), and reduce over the kernel offsets with one vectorised pass per offset.
Measured on the benchmark shapes (NumPy, one core): arithmetic on strided views is ~9x slower than on
contiguous ones, and reducing a short trailing window axis (argmax over (..., kh·kw)) is slower still, so
the one copy pays for itself several times. Backward writes each offset's share back through the same view;
when the windows do not overlap (stride ≥ reach, the usual 2×2/2) it writes instead of adding.
Max pooling's two passes are references at the seam (kernels/registry.py): float32 NumPy input with 2×2
windows, no padding or dilation (MaxPool2d(2)) runs kernels/pooling.py, one pass per plane with no window copy,
the same maxima and offsets (tests/kernels/test_fused_conv.py).

    max:  y = max over the window;     dL/dx = g at the window's first maximum (row-major; its last NaN if it
                                       holds one, as PyTorch), 0 elsewhere
    avg:  y = Σ window / divisor;      dL/dx = Σ over windows containing x of g / divisor
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import Array, namespace_of
from ..kernels.registry import reference
from ..ops._where import where
from ..tensor import Tensor
from ._windows import windows


class _Windows:
    """Geometry of a pooling of (N, C, H, W) into (N, C, Ho, Wo), and the size of the padded buffer it reads."""

    def __init__(
        self, x_shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, output_size: tuple
    ) -> None:
        self.N, self.C, self.H, self.W = x_shape
        self.kh, self.kw = kernel
        self.sh, self.sw = stride
        self.ph, self.pw = padding
        self.dh, self.dw = dilation
        self.Ho, self.Wo = output_size
        # ceil_mode may let the last window hang past the padded input: the buffer reaches that far.
        self.rows = max(self.H + 2 * self.ph, (self.Ho - 1) * self.sh + self.dh * (self.kh - 1) + 1)
        self.cols = max(self.W + 2 * self.pw, (self.Wo - 1) * self.sw + self.dw * (self.kw - 1) + 1)
        self.direct = (self.rows, self.cols) == (self.H, self.W)  # no padding buffer needed
        # Windows of one offset never overlap; windows of different offsets overlap only if stride < reach.
        self.disjoint = self.sh >= self.dh * (self.kh - 1) + 1 and self.sw >= self.dw * (self.kw - 1) + 1

    def buffer(self, x: Array, fill: float) -> Array:
        """x inside a (N, C, rows, cols) buffer of `fill` (−inf for max, 0 for avg), or x itself without padding."""
        if self.direct:
            return x
        xp = namespace_of(x)
        buffer = xp.full((self.N, self.C, self.rows, self.cols), fill, dtype=x.dtype)
        buffer[:, :, self.ph : self.ph + self.H, self.pw : self.pw + self.W] = x
        return buffer

    def view(self, buffer: Array) -> Array:
        """(kh, kw, N, C, Ho, Wo) strided view: [i, j, n, c, h, w] = buffer[n, c, h·sh + i·dh, w·sw + j·dw]."""
        xp = namespace_of(buffer)
        stride_n, stride_c, stride_h, stride_w = buffer.strides
        return xp.lib.stride_tricks.as_strided(
            buffer,
            shape=(self.kh, self.kw, buffer.shape[0], buffer.shape[1], self.Ho, self.Wo),
            strides=(
                self.dh * stride_h,
                self.dw * stride_w,
                stride_n,
                stride_c,
                self.sh * stride_h,
                self.sw * stride_w,
            ),
        )

    def scatter(self, shares: Any, dtype: Any, xp: Any) -> Array:
        """dL/dx from `shares(i, j)`, the gradient each output sends to its window's offset (i, j)."""
        buffer = xp.zeros((self.N, self.C, self.rows, self.cols), dtype=dtype)
        view = self.view(buffer)
        for i in range(self.kh):
            for j in range(self.kw):
                target = view[i, j]  # (N, C, Ho, Wo) view into the buffer
                if self.disjoint:
                    shares(i, j, target)  # nothing else writes there: store directly
                else:
                    target += shares(i, j, None)
        if self.direct:
            return buffer
        return buffer[:, :, self.ph : self.ph + self.H, self.pw : self.pw + self.W]


def _geometry(
    x_shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool
) -> _Windows:
    """The `_Windows` of a pooling, its output size by PyTorch's formula (with ceil_mode)."""
    output_size = tuple(
        _output_size(size, k, s, p, d, ceil_mode)
        for size, k, s, p, d in zip(x_shape[2:], kernel, stride, padding, dilation)
    )
    return _Windows(x_shape, kernel, stride, padding, dilation, output_size)


def _output_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: floor (or ceil) of the window count; a ceil window must start inside."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


@reference("max_pool_forward")
def max_pool_forward(
    x: Array, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple, output_size: tuple,
    index_dtype: Any,
) -> tuple:
    """(y, k*) of shape (N, C, Ho, Wo) for x (N, C, H, W): each window's maximum and its offset k* = i·kw + j
    (the first maximum, row-major; the last NaN of a window holding one), k* in the integer `index_dtype`."""
    xp = namespace_of(x)
    geometry = _Windows(x.shape, kernel_size, stride, padding, dilation, output_size)
    count = geometry.kh * geometry.kw
    index = np.dtype(index_dtype).type
    windows = xp.ascontiguousarray(geometry.view(geometry.buffer(x, -math.inf)))  # (kh, kw, N, C, Ho, Wo)
    windows = windows.reshape((count,) + windows.shape[2:])  # (kh·kw, N, C, Ho, Wo)
    best = windows[0].copy()
    offset = xp.zeros(best.shape, dtype=index)
    for k in range(1, count):
        candidate = windows[k]
        better = candidate > best  # strict: a tie keeps the earlier offset
        xp.maximum(best, candidate, out=best)  # maximum propagates NaN, as PyTorch's max pool does
        # where(better, k, offset) as max(offset, k·better): offsets only grow with k, and NumPy's masked
        # writes (copyto(where=), putmask) are ~50x slower than this plain integer arithmetic.
        xp.maximum(offset, better.astype(index) * index(k), out=offset)
    if bool((best != best).any()):  # best != best: NaN (windows holding one are rare: redone apart)
        _point_at_last_nan(windows, offset, index)
    return best, offset


@reference("max_pool_backward")
def max_pool_backward(
    grad: Array, offset: Array, input_shape: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
    dilation: tuple,
) -> Array:
    """dL/dx (N, C, H, W) from g and k* (N, C, Ho, Wo): each g goes to its window's element k*, 0 elsewhere."""
    geometry = _Windows(input_shape, kernel_size, stride, padding, dilation, grad.shape[2:])

    def share(i: int, j: int, out: Array | None) -> Array:
        # selected, not multiplied by the 0/1 mask: an infinite g must leave the other offsets at 0
        chosen = where(offset == i * geometry.kw + j, grad, 0)  # kernels/select.py for float32
        if out is None:
            return chosen
        out[...] = chosen
        return out

    return geometry.scatter(share, grad.dtype, namespace_of(grad))


class MaxPoolOp(Op):
    """y = max of each window.   dL/dx = g at the first maximal element of each window (row-major), else 0

    Ties give the whole gradient to the first maximum, as PyTorch does (after a ReLU, all-zero windows are
    common). A NaN wins its window, and the window's last NaN gets the gradient: PyTorch's `val > max || isnan(val)`.
    A window's index is kept as the kernel offset k = i·kw + j of its maximum (int8 for ≤ 127 offsets).
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, with_offsets):
        geometry = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        index_dtype = np.dtype(np.int8 if geometry.kh * geometry.kw <= 127 else np.int32)
        output_size = (geometry.Ho, geometry.Wo)
        best, offset = max_pool_forward(x, kernel, stride, padding, dilation, output_size, index_dtype)
        ctx.geometry = geometry
        ctx.save_for_backward(offset)
        return (best, offset) if with_offsets else best

    @staticmethod
    def backward(ctx, grad, *unused_grad_offset):
        (offset,) = ctx.saved_tensors
        g = ctx.geometry
        grad_x = max_pool_backward(grad, offset, (g.N, g.C, g.H, g.W), (g.kh, g.kw), (g.sh, g.sw), (g.ph, g.pw),
                                   (g.dh, g.dw))  # fmt: skip
        return grad_x, None, None, None, None, None, None

    @staticmethod
    def reference(ctx, x, kernel, stride, padding, dilation, ceil_mode, with_offsets):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        g = ctx.geometry
        window = windows(x, kernel, stride, padding, dilation, (g.Ho, g.Wo), -math.inf)  # (N, C, kh, kw, Ho, Wo)
        window = window.reshape(g.N, g.C, g.kh * g.kw, g.Ho, g.Wo)
        offset = _argmax_offsets(window.array)[:, :, None]  # (N, C, 1, Ho, Wo)
        best = window.gather(2, Tensor(offset)).squeeze(2)  # a gather of each window's arg-max
        if with_offsets:
            return best, Tensor(offset[:, :, 0].astype(np.int8 if g.kh * g.kw <= 127 else np.int32))
        return best


def _argmax_offsets(window: Array) -> Array:
    """The offset in each window (N, C, kh·kw, Ho, Wo) that max pooling picks: the first maximum, and for a
    window holding a NaN its last NaN (PyTorch's `val > max || isnan(val)`)."""
    offset = window.argmax(axis=2)
    nan = window != window
    if nan.any():
        last_nan = window.shape[2] - 1 - nan[:, :, ::-1].argmax(axis=2)
        offset = np.where(nan.any(axis=2), last_nan, offset)
    return offset


def _point_at_last_nan(windows: Array, offset: Array, index_dtype: Any) -> None:
    """Move each NaN window's offset to its last NaN, as PyTorch's `val > max || isnan(val)` does.

    After the loop above, a NaN window's offset is its maximum before the first NaN (no value beats a NaN), which
    is below any NaN's offset, so max(offset, k·isnan) over all k lands on the last NaN; other windows hold none.
    """
    xp = namespace_of(windows)
    for k in range(1, windows.shape[0]):
        is_nan = windows[k] != windows[k]
        xp.maximum(offset, is_nan.astype(index_dtype) * index_dtype(k), out=offset)


class AvgPoolOp(Op):
    """y = Σ window / divisor.   dL/dx = Σ over the windows holding x of g / divisor

    divisor: the window size clipped to the padded input (count_include_pad=True, as PyTorch), the number of
    real (non-padding) elements in the window (count_include_pad=False), or divisor_override.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        xp = namespace_of(x)
        geometry = _geometry(x.shape, kernel, stride, padding, (1, 1), ceil_mode)
        windows = xp.ascontiguousarray(geometry.view(geometry.buffer(x, 0.0)))  # (kh, kw, N, C, Ho, Wo)
        total = windows.sum(axis=(0, 1))  # contiguous adds of whole (N, C, Ho, Wo) slabs
        divisor = _divisor(geometry, count_include_pad, divisor_override, x.dtype, xp)
        ctx.geometry = geometry
        ctx.divisor = divisor
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        geometry = ctx.geometry
        xp = namespace_of(grad)
        per_element = grad / ctx.divisor

        def share(i: int, j: int, out: Array | None) -> Array:
            if out is None:
                return per_element
            out[...] = per_element
            return out

        return geometry.scatter(share, grad.dtype, xp), None, None, None, None, None, None

    @staticmethod
    def reference(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        g = ctx.geometry
        window = windows(x, kernel, stride, padding, (1, 1), (g.Ho, g.Wo), 0.0)  # (N, C, kh, kw, Ho, Wo)
        return window.sum((2, 3)) / Tensor(np.asarray(ctx.divisor))


def _divisor(
    geometry: _Windows, count_include_pad: bool, divisor_override: int | None, dtype: Any, xp: Any
) -> Any:
    """Per-output divisor (Ho, Wo): the window sum of a map of the cells that count (or a constant)."""
    if divisor_override is not None:
        return dtype.type(divisor_override)
    counted = xp.zeros((1, 1, geometry.rows, geometry.cols), dtype=dtype)
    if count_include_pad:  # padding counts, the ceil_mode overhang past the padded input does not
        counted[:, :, : geometry.H + 2 * geometry.ph, : geometry.W + 2 * geometry.pw] = 1
    else:
        counted[:, :, geometry.ph : geometry.ph + geometry.H, geometry.pw : geometry.pw + geometry.W] = 1
    cells = geometry.view(counted).sum(axis=(0, 1))[0, 0]  # (Ho, Wo): the map is one (1, 1) plane
    if not count_include_pad and not geometry.direct and bool((cells == 0).any()):
        cells = xp.maximum(cells, 1)  # a window entirely in padding averages nothing: 0 / 1 = 0
    return cells.astype(dtype)


class AdaptiveAvgPoolOp(Op):
    """y = A_h · x · A_wᵀ per (n, c), with A[i, k] = 1/|bin i| for k in bin i = [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉).

    dL/dx = A_hᵀ · g · A_w   (adaptive average pooling is a linear map, separable in H and W)
    """

    @staticmethod
    def forward(ctx, x, output_size):
        xp = namespace_of(x)
        N, C, H, W = x.shape
        Ho, Wo = output_size
        rows, cols = _bins(H, Ho, x.dtype, xp), _bins(W, Wo, x.dtype, xp)
        ctx.save_for_backward(rows, cols)
        y = x.reshape(N * C * H, W) @ cols.T  # (N·C·H, Wo): one BLAS call over every row
        y = rows @ y.reshape(N * C, H, Wo)  # (N·C, Ho, Wo)
        return y.reshape(N, C, Ho, Wo)

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.saved_tensors
        N, C, Ho, Wo = grad.shape
        H, W = rows.shape[1], cols.shape[1]
        grad_rows = rows.T @ grad.reshape(N * C, Ho, Wo)  # (N·C, H, Wo)
        return (grad_rows.reshape(N * C * H, Wo) @ cols).reshape(N, C, H, W), None

    @staticmethod
    def reference(ctx, x, output_size):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        H, W = x.shape[2], x.shape[3]
        rows = Tensor(_bins(H, output_size[0], x.array.dtype, np))  # (Ho, H)
        cols = Tensor(_bins(W, output_size[1], x.array.dtype, np).T)  # (W, Wo)
        return rows @ x @ cols  # (Ho, H) @ (N, C, H, W) @ (W, Wo) -> (N, C, Ho, Wo)


def _bins(size: int, out: int, dtype: Any, xp: Any) -> Array:
    """The (out, size) averaging matrix of adaptive pooling: row i averages [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    index = np.arange(out)
    start = (index * size) // out
    end = -((-(index + 1) * size) // out)  # ceil division
    position = np.arange(size)
    member = (position >= start[:, None]) & (position < end[:, None])
    return xp.asarray(member / (end - start)[:, None], dtype=dtype)


# ---- argument handling ---------------------------------------------------------------------------------------


def _tuple(name: str, what: str, value: Any, size: int) -> tuple[int, ...]:
    values = (value,) * size if isinstance(value, int) else tuple(value)
    if len(values) == 1 and size > 1:
        values = values * size
    if len(values) != size or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name}: {what} must be an int or a tuple of {size} ints, got {value!r}")
    return values


def _pool_arguments(
    name: str,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,  # noqa: A002
    dilation: Any,
    spatial: int,
) -> tuple:
    """Checked (kernel, stride, padding, dilation) tuples for a pooling of `spatial` dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2) or 0 in input.shape[1:]:
        raise ValueError(
            f"{name}: expected a non-empty {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) "
            f"input, got input of shape {input.shape}"
        )
    if not input.dtype.is_floating_point:
        raise TypeError(
            f"{name}: expected a floating-point input, got {input.dtype}; convert it with .float()"
        )
    kernel = _tuple(name, "kernel_size", kernel_size, spatial)
    stride = (
        kernel if stride is None or stride == () or stride == [] else _tuple(name, "stride", stride, spatial)
    )
    padding = _tuple(name, "padding", padding, spatial)
    dilation = _tuple(name, "dilation", dilation, spatial)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(
            f"{name}: kernel_size, stride and dilation must be positive and padding non-negative, got "
            f"kernel_size={kernel}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{name}: padding should be at most half of kernel_size, got padding={padding} for "
            f"kernel_size={kernel}"
        )
    return kernel, stride, padding, dilation


def _check_output(name: str, input: Tensor, geometry: _Windows) -> None:  # noqa: A002
    if geometry.Ho < 1 or geometry.Wo < 1:
        raise ValueError(
            f"{name}: input of shape {input.shape} is too small for kernel_size ({geometry.kh}, {geometry.kw}) "
            f"with padding ({geometry.ph}, {geometry.pw}) and dilation ({geometry.dh}, {geometry.dw}): the output "
            f"would be {geometry.Ho}x{geometry.Wo}"
        )


def _batched(input: Tensor, spatial: int) -> tuple[Tensor, bool]:  # noqa: A002
    """(N, C, H, W) from a batched, unbatched or 1-D-pooling input, and whether to squeeze the result back."""
    unbatched = input.ndim == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    if spatial == 1:
        x = x.unsqueeze(2)  # (N, C, L) -> (N, C, 1, L)
    return x, unbatched


def _restore(y: Tensor, unbatched: bool, spatial: int) -> Tensor:
    if spatial == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def _max_pool(
    name: str,
    spatial: int,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,  # noqa: A002
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    kernel, stride, padding, dilation = _pool_arguments(
        name, input, kernel_size, stride, padding, dilation, spatial
    )
    x, unbatched = _batched(input, spatial)
    if spatial == 1:
        kernel, stride, padding, dilation = (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation
    geometry = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
    _check_output(name, input, geometry)
    if not return_indices:
        return _restore(
            MaxPoolOp.apply(x, kernel, stride, padding, dilation, bool(ceil_mode), False), unbatched, spatial
        )
    y, offset = MaxPoolOp.apply(x, kernel, stride, padding, dilation, bool(ceil_mode), True)
    return _restore(y, unbatched, spatial), _restore(
        _flat_indices(geometry, offset.array), unbatched, spatial
    )


def _flat_indices(geometry: _Windows, offset: Array) -> Tensor:
    """PyTorch's indices: the position of each maximum in its (H, W) plane, h·W + w, as int64."""
    xp = namespace_of(offset)
    g = geometry
    i, j = offset // g.kw, offset % g.kw
    h = xp.arange(g.Ho).reshape(-1, 1) * g.sh - g.ph + i.astype(np.int64) * g.dh
    w = xp.arange(g.Wo) * g.sw - g.pw + j.astype(np.int64) * g.dw
    return Tensor(h * g.W + w)


def max_pool2d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over (kh, kw) windows of (N, C, H, W) (or unbatched (C, H, W)) input, as torch's max_pool2d.

    stride defaults to kernel_size; padding (at most half the kernel) pads with −inf; ceil_mode rounds the
    output size up (a last, partial window must start inside the input or its left padding). With
    return_indices=True also returns the int64 index h·W + w of each maximum in its input plane.
    Example: `F.max_pool2d(gg.randn(8, 16, 28, 28), 2)` has shape (8, 16, 14, 14).
    """
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool1d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of length kernel_size of (N, C, L) (or (C, L)) input, as torch's max_pool1d."""
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _avg_pool(
    name: str,
    spatial: int,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,  # noqa: A002
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    kernel, stride, padding, _ = _pool_arguments(name, input, kernel_size, stride, padding, 1, spatial)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        raise ValueError(f"{name}: divisor_override must be a non-zero int or None, got {divisor_override!r}")
    x, unbatched = _batched(input, spatial)
    if spatial == 1:
        kernel, stride, padding = (1,) + kernel, (1,) + stride, (0,) + padding
    _check_output(name, input, _geometry(x.shape, kernel, stride, padding, (1, 1), ceil_mode))
    y = AvgPoolOp.apply(x, kernel, stride, padding, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return _restore(y, unbatched, spatial)


def avg_pool2d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over (kh, kw) windows of (N, C, H, W) (or (C, H, W)) input, as torch's avg_pool2d.

    Zero padding; count_include_pad=True divides by the window size (clipped to the padded input in
    ceil_mode), False by the number of real elements; divisor_override replaces the divisor.
    Example: `F.avg_pool2d(gg.randn(8, 16, 28, 28), 2)` has shape (8, 16, 14, 14).
    """
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def avg_pool1d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of length kernel_size of (N, C, L) (or (C, L)) input, as torch's avg_pool1d."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def adaptive_avg_pool2d(input: Tensor, output_size: int | None | tuple[int | None, int | None]) -> Tensor:  # noqa: A002
    """Average (N, C, H, W) (or (C, H, W)) input into an output_size grid of bins, as torch's adaptive_avg_pool2d.

    Bin i along H covers [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉), so bins may overlap by one row when Ho does not divide H.
    A None in output_size keeps that input size. Example: `F.adaptive_avg_pool2d(x, 1)` is the global average.
    """
    name = "adaptive_avg_pool2d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4) or 0 in input.shape[-2:]:
        raise ValueError(
            f"{name}: expected a 3-D (unbatched) or 4-D (batched) input with non-empty H and W, got "
            f"input of shape {input.shape}"
        )
    if not input.dtype.is_floating_point:
        raise TypeError(
            f"{name}: expected a floating-point input, got {input.dtype}; convert it with .float()"
        )
    sizes = (
        (output_size, output_size)
        if output_size is None or isinstance(output_size, int)
        else tuple(output_size)
    )
    if len(sizes) != 2 or not all(s is None or (isinstance(s, int) and s > 0) for s in sizes):
        raise ValueError(
            f"{name}: output_size must be a positive int or a pair of positive ints/None, got {output_size!r}"
        )
    x, unbatched = _batched(input, 2)
    size = tuple(x.shape[2 + k] if s is None else s for k, s in enumerate(sizes))
    y = AdaptiveAvgPoolOp.apply(x, size)
    return y.squeeze(0) if unbatched else y
