"""The copies around a convolution's matrix products, each one parallel pass: the fast paths of the references
`im2col`, `to_images`, `channels_last` and `col2im` in functional/conv.py (kernels/registry.py), for float32.

Notation as in functional/conv.py: input X (N, C, H, W), weight (O, C/G, kh, kw) in G groups, output
(N, O, Ho, Wo) with L = Ho·Wo pixels per image; stride (sh, sw), padding (top, left), dilation (dh, dw).

    im2col:         cols[c, i, j, n, h, w] = X[n, c, h·sh + i·dh − top, w·sw + j·dw − left]   (0 outside X)
    to_images:      Y[n, o, l] = P[o, n, l] + b[o]                (P = W₂·cols, the (O, N·L) product)
    channels_last:  G_rows[n, l, o] = G[n, o, l],  and dL/db[o] = Σ_{n,l} G[n, o, l]
    col2im:         dX[n, c, h, w] = Σ dcols[g, n, h', w', i, j, c'] over the (h', w', i, j) whose window
                    reads X[n, c, h, w]   (c = g·C/G + c'; dcols channels last, as the backward product gives it)

The references pad a copy of X with zeros and read it through a strided view; im2col here tests the bounds
instead, so it needs no padded copy.

Indices that are an offset plus a loop counter are computed as unsigned (`_u`): Numba checks every signed
index for a negative value to wrap, and that check per element kept these loops scalar (2-3x slower, measured).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import require_float32, require_ndim, require_non_negative, require_positive, require_shape
from ._numba import ENABLED, fits, inline, kernel, prange
from .fastmath import f32
from .registry import fast_path

_u = np.uint64  # an index known to be ≥ 0

if ENABLED:

    @inline
    def _inside(offset, stride, size, count):  # pragma: no cover - compiled
        """[lo, hi): the output positions p < count whose input position p·stride + offset lies in [0, size)."""
        lo = -(offset // stride)  # ceil(−offset / stride)
        hi = -((offset - size) // stride)  # ceil((size − offset) / stride)
        return min(max(lo, 0), count), min(max(hi, 0), count)

    @kernel
    def _im2col(x, cols, sh, sw, top, left, dh, dw):  # pragma: no cover - compiled
        N, C, H, W = x.shape
        _, kh, kw, _, Ho, Wo = cols.shape
        x_flat = x.reshape(-1)
        cols_flat = cols.reshape(-1)
        for task in prange(C * kh * kw * N):  # cols in memory order: each task writes one run of Ho·Wo values
            n = task % N
            c = task // (N * kw * kh)
            i = (task // (N * kw)) % kh
            j = (task // N) % kw
            h_lo, h_hi = _inside(i * dh - top, sh, H, Ho)
            w_offset = j * dw - left
            w_lo, w_hi = _inside(w_offset, sw, W, Wo)
            plane = (n * C + c) * H * W
            for ho in range(Ho):
                out = _u((task * Ho + ho) * Wo)
                if ho < h_lo or ho >= h_hi:  # the whole window row lies in the padding
                    for wo in range(Wo):
                        cols_flat[out + _u(wo)] = f32(0.0)
                    continue
                for wo in range(w_lo):
                    cols_flat[out + _u(wo)] = f32(0.0)
                start = _u(plane + (ho * sh + i * dh - top) * W + w_lo * sw + w_offset)  # X[n, c, h, w_lo·sw + …]
                run = out + _u(w_lo)
                if sw == 1:  # contiguous on both sides: vector loads
                    for k in range(w_hi - w_lo):
                        cols_flat[run + _u(k)] = x_flat[start + _u(k)]
                else:
                    for k in range(w_hi - w_lo):
                        cols_flat[run + _u(k)] = x_flat[start + _u(k * sw)]
                for wo in range(w_hi, Wo):
                    cols_flat[out + _u(wo)] = f32(0.0)

    @kernel
    def _to_images(product, bias, has_bias, y):  # pragma: no cover - compiled
        N, O, L = y.shape
        for task in prange(N * O):
            n = task // O
            o = task % O
            b = bias[o] if has_bias else f32(0.0)
            for p in range(L):
                y[n, o, p] = product[o, n, p] + b

    @kernel
    def _channels_last(grad, rows, sums):  # pragma: no cover - compiled
        N, O, L = grad.shape
        for n in prange(N):
            for o in range(O):
                total = f32(0.0)
                for p in range(L):
                    total += grad[n, o, p]
                sums[n, o] = total
            # Writes in order, reads strided within the image (in cache): 2x faster than the other order.
            for p in range(L):
                for o in range(O):
                    rows[n, p, o] = grad[n, o, p]

    @kernel
    def _col2im(grad_cols, sh, sw, top, left, dh, dw, grad_x):  # pragma: no cover - compiled
        G, N, Ho, Wo, kh, kw, Cg = grad_cols.shape
        _, C, H, W = grad_x.shape
        for n in prange(N):
            # Add in a channels-last (H, W, C) image: each (h', w', i, j) adds C contiguous values (vector adds);
            # one transpose to (C, H, W) at the end.
            pixels = np.zeros(H * W * C, dtype=np.float32)
            for ho in range(Ho):
                for i in range(kh):
                    h = ho * sh + i * dh - top
                    if h < 0 or h >= H:
                        continue
                    for wo in range(Wo):
                        for j in range(kw):
                            w = wo * sw + j * dw - left
                            if w < 0 or w >= W:
                                continue
                            pixel = _u((h * W + w) * C)
                            for g in range(G):
                                group = pixel + _u(g * Cg)
                                for c in range(Cg):
                                    pixels[group + _u(c)] += grad_cols[g, n, ho, wo, i, j, c]
            for c in range(C):
                for h in range(H):
                    for w in range(W):
                        grad_x[n, c, h, w] = pixels[_u((h * W + w) * C + c)]


def _pair(name: str, label: str, value: tuple) -> tuple:
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"{name}: {label} must be a pair (height, width), but got {value!r}")
    return value


def _require_geometry(name: str, **geometry: tuple) -> None:
    """kernel_size, stride and dilation pairs of integers >= 1 (the loops divide by the strides), padding >= 0."""
    for label, value in geometry.items():
        pair = _pair(name, label, value)
        if label == "padding":
            require_non_negative(name, padding=pair)
        else:
            require_positive(name, **{label: pair})


def _noise(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# The examples: a 3×3 kernel with stride (2, 1), padding (1, 0) and dilation (1, 2) over (2, 4, 6, 7) images,
# in 2 groups: a (3, 3) output per image.
_GEOMETRY = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))


@fast_path(
    "conv_im2col",
    when=lambda x, kernel_size, stride, padding, dilation, output_size: fits(x) and x.ndim == 4,
    example=lambda: (_noise(2, 4, 6, 7), (3, 3), *_GEOMETRY.values(), (3, 3)),
)
def im2col(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
           output_size: tuple) -> np.ndarray:
    """cols (C·kh·kw, N·Ho·Wo) of float32 C-order x (N, C, H, W); padding is (top, left)."""
    name = "kernels.conv.im2col"
    require_float32(name, "x", x)
    require_ndim(name, "x", x, 4, "(N, C, H, W)")
    _require_geometry(name, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    require_non_negative(name, output_size=_pair(name, "output_size", output_size))
    N, C = x.shape[:2]
    kh, kw = kernel_size
    Ho, Wo = output_size
    cols = np.empty((C, kh, kw, N, Ho, Wo), dtype=x.dtype)
    _im2col(x, cols, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1])
    return cols.reshape(C * kh * kw, N * Ho * Wo)  # (C, kh, kw, N, Ho, Wo) -> (C·kh·kw, N·L)


@fast_path(
    "conv_to_images",
    when=lambda product, bias, output_shape: (
        fits(product) and (bias is None or fits(bias)) and product.size == math.prod(output_shape)
    ),
    example=lambda: (_noise(4, 2 * 3 * 5), _noise(4, seed=1), (2, 4, 3, 5)),
)
def to_images(product: np.ndarray, bias: np.ndarray | None, output_shape: tuple) -> np.ndarray:
    """Y (N, O, Ho, Wo) from the C-order product (O, N·Ho·Wo), plus bias (O,) if given."""
    name = "kernels.conv.to_images"
    require_float32(name, "product", product)
    require_non_negative(name, output_shape=tuple(output_shape))
    N, O, Ho, Wo = output_shape
    if product.size != O * N * Ho * Wo:
        raise ValueError(
            f"{name}: product must hold (O, N·Ho·Wo) = ({O}, {N * Ho * Wo}) values for output shape "
            f"{tuple(output_shape)}, but has shape {product.shape}"
        )
    if bias is not None:
        require_float32(name, "bias", bias)
        require_shape(name, "bias", bias, (O,), "one per output channel")
    y = np.empty(output_shape, dtype=product.dtype)
    no_bias = np.zeros(O, dtype=product.dtype)  # read by no one: has_bias is False
    _to_images(product.reshape(O, N, Ho * Wo), no_bias if bias is None else bias, bias is not None,
               y.reshape(N, O, Ho * Wo))
    return y


@fast_path("conv_channels_last", when=lambda grad: fits(grad) and grad.ndim == 4,
           example=lambda: (_noise(2, 4, 3, 5),))
def channels_last(grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G_rows (N·Ho·Wo, O), dL/db (O,)) from the C-order output gradient G (N, O, Ho, Wo)."""
    require_float32("kernels.conv.channels_last", "grad", grad)
    require_ndim("kernels.conv.channels_last", "grad", grad, 4, "(N, O, Ho, Wo)")
    N, O, Ho, Wo = grad.shape
    rows = np.empty((N, Ho * Wo, O), dtype=grad.dtype)
    sums = np.empty((N, O), dtype=grad.dtype)  # one row per image: the parallel loop never shares one
    _channels_last(grad.reshape(N, O, Ho * Wo), rows, sums)
    return rows.reshape(N * Ho * Wo, O), sums.sum(axis=0)


@fast_path(
    "conv_col2im",
    when=lambda grad_cols, input_shape, stride, padding, dilation: fits(grad_cols) and grad_cols.ndim == 7,
    example=lambda: (_noise(2, 2, 3, 3, 3, 3, 2), (2, 4, 6, 7), *_GEOMETRY.values()),
)
def col2im(grad_cols: np.ndarray, input_shape: tuple, stride: tuple, padding: tuple,
           dilation: tuple) -> np.ndarray:
    """dL/dX (N, C, H, W) from C-order dL/dcols (G, N, Ho, Wo, kh, kw, C/G); padding is (top, left)."""
    name = "kernels.conv.col2im"
    require_float32(name, "grad_cols", grad_cols)
    require_ndim(name, "grad_cols", grad_cols, 7, "(G, N, Ho, Wo, kh, kw, C/G)")
    _require_geometry(name, stride=stride, padding=padding, dilation=dilation)
    require_non_negative(name, input_shape=tuple(input_shape))
    if len(input_shape) != 4:
        raise ValueError(f"{name}: input_shape must be (N, C, H, W), but got {tuple(input_shape)}")
    G, N, *_, Cg = grad_cols.shape
    # The loop adds image n's channels g·C/G + c' into an (H, W, C) buffer and writes grad_x[n].
    if (N, G * Cg) != (input_shape[0], input_shape[1]):
        raise ValueError(
            f"{name}: grad_cols of shape {grad_cols.shape} holds N = {N} images of G·C/G = {G * Cg} channels, "
            f"but input_shape is {tuple(input_shape)}"
        )
    grad_x = np.empty(input_shape, dtype=grad_cols.dtype)
    _col2im(grad_cols, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], grad_x)
    return grad_x
