"""2×2 max pooling, forward and backward, one (image, channel) plane per task: the fast paths of the references
`max_pool_forward` and `max_pool_backward` in functional/pooling.py (kernels/registry.py).

The kernels serve the common case, MaxPool2d(2): 2×2 windows, no padding or dilation, every window inside the
input, any stride (`_two_by_two`). Other windows take the reference. With the window's offsets k = 0, 1, 2, 3 for
(0, 0), (0, 1), (1, 0), (1, 1):

    forward:   y[h, w] = max of the window,   k*[h, w] = the first offset (row-major) holding it
    backward:  dL/dx[h·sh + k*//2, w·sw + k*%2] += g[h, w]

A fixed window lets the compiler unroll it into branch-free selects; a loop over kh·kw offsets with
runtime sizes measured 5-10x slower, slower than the NumPy path.

NaN: as NumPy's `maximum` and the NumPy path, a NaN wins and stays, and k* is the window's last NaN (PyTorch's
`val > max || isnan(val)`, so the gradient reaches the NaN). Windows holding a NaN are rare, so they are redone
apart; the test is on the bits, since fastmath lets the compiler assume that a float compare never sees a NaN.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    require_float32,
    require_integers,
    require_ndim,
    require_non_negative,
    require_positive,
    require_same_shape,
)
from ._numba import ENABLED, fits, inline, kernel, prange
from .registry import fast_path

if ENABLED:

    @inline
    def _is_nan(value):  # pragma: no cover - compiled
        return (np.float32(value).view(np.int32) & np.int32(0x7FFFFFFF)) > np.int32(0x7F800000)

    @inline
    def _nan_step(best, k, value, k_value):  # pragma: no cover - compiled
        """One offset of the NumPy path: best = maximum(best, value), k = k_value if value > best or value is NaN."""
        wins = ((value > best) & ~_is_nan(best)) | _is_nan(value)
        return (value if wins else best), (k_value if wins else k)

    @inline
    def _window(x, plane, h, w):  # pragma: no cover - compiled
        """(max, k*) of the 2×2 window at x[plane, h, w]."""
        a = x[plane, h, w]
        b = x[plane, h, w + 1]
        c = x[plane, h + 1, w]
        d = x[plane, h + 1, w + 1]
        best = a
        k = 0
        k = 1 if b > best else k  # strict: a tie keeps the earlier offset
        best = b if b > best else best
        k = 2 if c > best else k
        best = c if c > best else best
        k = 3 if d > best else k
        best = d if d > best else best
        if _is_nan(a) | _is_nan(b) | _is_nan(c) | _is_nan(d):
            best, k = _nan_step(a, 0, b, 1)
            best, k = _nan_step(best, k, c, 2)
            best, k = _nan_step(best, k, d, 3)
        return best, k

    @kernel
    def _forward(x, sh, sw, y, offset):  # pragma: no cover - compiled
        P, Ho, Wo = y.shape
        for plane in prange(P):
            for ho in range(Ho):
                h = ho * sh
                if sw == 2:  # the usual stride, a constant here: the loop vectorises (2x, measured)
                    for wo in range(Wo):
                        best, k = _window(x, plane, h, 2 * wo)
                        y[plane, ho, wo] = best
                        offset[plane, ho, wo] = k
                else:
                    for wo in range(Wo):
                        best, k = _window(x, plane, h, wo * sw)
                        y[plane, ho, wo] = best
                        offset[plane, ho, wo] = k

    @kernel
    def _backward(grad, offset, sh, sw, grad_x):  # pragma: no cover - compiled
        P, H, W = grad_x.shape
        _, Ho, Wo = grad.shape
        for plane in prange(P):
            for h in range(H):
                for w in range(W):
                    grad_x[plane, h, w] = 0
            for ho in range(Ho):
                for wo in range(Wo):
                    k = offset[plane, ho, wo] & 3  # a window's offset is 0..3: the mask keeps any k inside it
                    grad_x[plane, ho * sh + (k >> 1), wo * sw + (k & 1)] += grad[plane, ho, wo]


def _two_by_two(input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                output_size: tuple) -> bool:
    """Whether a max pooling of this geometry has a kernel here: 2×2 windows, no padding or dilation, and every
    window inside the (H, W) input."""
    return (
        tuple(kernel_size) == (2, 2) and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
        and all(count == 0 or (count - 1) * step + 2 <= size
                for size, count, step in zip(input_size, output_size, stride))
    )  # fmt: skip


def _require_two_by_two(name: str, kernel_size: tuple, padding: tuple, dilation: tuple) -> None:
    if (tuple(kernel_size), tuple(padding), tuple(dilation)) != ((2, 2), (0, 0), (1, 1)):
        raise ValueError(
            f"{name}: the kernel serves 2×2 windows without padding or dilation, but got kernel_size "
            f"{tuple(kernel_size)}, padding {tuple(padding)}, dilation {tuple(dilation)}; other windows take the "
            "reference in functional/pooling.py"
        )


def _require_windows_inside(name: str, input_size: tuple, output_size: tuple, stride: tuple) -> None:
    """Every 2×2 window lies inside the (H, W) input: (Ho − 1)·sh + 2 ≤ H and (Wo − 1)·sw + 2 ≤ W."""
    require_positive(name, stride=tuple(stride))
    require_non_negative(name, output_size=tuple(output_size))
    if len(stride) != 2 or len(output_size) != 2:
        raise ValueError(f"{name}: stride and output_size must be pairs, but got {stride!r} and {output_size!r}")
    for size, count, step in zip(input_size, output_size, stride):
        if count > 0 and (count - 1) * step + 2 > size:
            raise ValueError(
                f"{name}: an output of {tuple(output_size)} with stride {tuple(stride)} has 2×2 windows outside "
                f"an input of {tuple(input_size)}; the kernel serves only windows that lie inside"
            )


def _planes(seed=0):
    """(2, 3, 9, 11) planes in quarter steps (ties inside windows), with a NaN: the examples."""
    x = np.round(np.random.default_rng(seed).standard_normal((2, 3, 9, 11)) * 4).astype(np.float32) / 4
    x[0, 0, 0, 1] = np.nan
    return x


def _offsets_of(x):
    return max_pool_forward(x, (2, 2), (2, 3), (0, 0), (1, 1), (4, 4), np.dtype(np.int8))[1]


@fast_path(
    "max_pool_forward",
    when=lambda x, kernel_size, stride, padding, dilation, output_size, index_dtype: (
        fits(x) and x.ndim == 4 and _two_by_two(x.shape[2:], kernel_size, stride, padding, dilation, output_size)
    ),
    example=lambda: (_planes(), (2, 2), (2, 3), (0, 0), (1, 1), (4, 4), np.dtype(np.int8)),
)
def max_pool_forward(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                     output_size: tuple, index_dtype: np.dtype):
    """(y, k*) of shape (N, C, Ho, Wo) for float32 C-order x (N, C, H, W) and 2×2 windows; k* in `index_dtype`."""
    name = "kernels.pooling.max_pool_forward"
    require_float32(name, "x", x)
    _require_two_by_two(name, kernel_size, padding, dilation)
    require_ndim(name, "x", x, 4, "(N, C, H, W)")
    if np.dtype(index_dtype).kind not in "iu":
        raise TypeError(f"{name}: index_dtype must be an integer dtype, but got {np.dtype(index_dtype)}")
    N, C, H, W = x.shape
    Ho, Wo = output_size
    _require_windows_inside(name, (H, W), output_size, stride)
    y = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    offset = np.empty((N, C, Ho, Wo), dtype=index_dtype)
    _forward(x.reshape(N * C, H, W), stride[0], stride[1], y.reshape(N * C, Ho, Wo), offset.reshape(N * C, Ho, Wo))
    return y, offset


@fast_path(
    "max_pool_backward",
    when=lambda grad, offset, input_shape, kernel_size, stride, padding, dilation: (
        fits(grad) and grad.ndim == 4 and type(offset) is np.ndarray and offset.flags.c_contiguous
        and offset.shape == grad.shape
        and _two_by_two(input_shape[2:], kernel_size, stride, padding, dilation, grad.shape[2:])
    ),  # fmt: skip
    example=lambda: (np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32),
                     _offsets_of(_planes()), (2, 3, 9, 11), (2, 2), (2, 3), (0, 0), (1, 1)),
)
def max_pool_backward(grad: np.ndarray, offset: np.ndarray, input_shape: tuple, kernel_size: tuple, stride: tuple,
                      padding: tuple, dilation: tuple) -> np.ndarray:
    """dL/dx (N, C, H, W) from C-order g and k* (N, C, Ho, Wo), for 2×2 windows."""
    name = "kernels.pooling.max_pool_backward"
    require_float32(name, "grad", grad)
    _require_two_by_two(name, kernel_size, padding, dilation)
    require_integers(name, "offset", offset)
    require_ndim(name, "grad", grad, 4, "(N, C, Ho, Wo)")
    require_same_shape(name, "grad, offset", grad, offset)
    require_non_negative(name, input_shape=tuple(input_shape))
    N, C, H, W = input_shape
    Ho, Wo = grad.shape[2:]
    if grad.shape[:2] != (N, C):
        raise ValueError(f"{name}: grad of shape {grad.shape} is not of N, C = {(N, C)} from input_shape")
    _require_windows_inside(name, (H, W), (Ho, Wo), stride)
    grad_x = np.empty(input_shape, dtype=grad.dtype)
    _backward(grad.reshape(N * C, Ho, Wo), offset.reshape(N * C, Ho, Wo), stride[0], stride[1],
              grad_x.reshape(N * C, H, W))
    return grad_x
