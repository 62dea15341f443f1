"""Resampling of (N, C, *spatial) maps: F.interpolate (nearest, nearest-exact, linear, bilinear, trilinear),
F.upsample (its old name), and F.pixel_shuffle / F.pixel_unshuffle.

All are compositions of differentiable primitives, so none has a backward of its own. Interpolation is
separable: each spatial dim in turn is resampled by gathering input positions along it (an integer index
array, whose gradient `getitem` scatters back with additions) and, for the linear modes, blending two
neighbours. The source positions and weights are computed as PyTorch's CPU kernels compute them (in the
input's float type, with its clamps), so the same pixels are picked and blended:

    nearest:  y[o] = x[min(⌊o·s⌋, L − 1)]                        s = 1/scale_factor, or L/L_out
    linear:   y[o] = (1 − λ)·x[i] + λ·x[min(i + 1, L − 1)],     r = s·(o + ½) − ½ clamped at 0 (align_corners:
              i = min(⌊r⌋, L − 1), λ = r − i                    r = o·(L − 1)/(L_out − 1))
    dL/dx[k] = Σ over outputs o that read k of g[o]·(its weight of k)

pixel_shuffle moves r×r channel groups into space: (*, C·r², H, W) → (*, C, H·r, W·r) with
y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w] (a reshape and a permute); pixel_unshuffle inverts it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..backend import namespace_of
from ..tensor import Tensor

_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}  # the spatial dims each needs
_MODES = ("nearest", "nearest-exact", *_LINEAR_MODES)


def _output_sizes(input: Tensor, size: Any, scale_factor: Any, spatial: int) -> tuple[list[int], list[Any]]:  # noqa: A002
    """(output sizes, the scale of each dim given to the kernels: 1/scale_factor, or None for L/L_out)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined" if size is not None
                         else "interpolate: either size or scale_factor should be defined")
    if size is not None:
        sizes = [size] * spatial if isinstance(size, int) else list(size)
        if len(sizes) != spatial:
            raise ValueError(
                f"interpolate: input and output must have the same number of spatial dimensions, but got input "
                f"with spatial dimensions of {list(input.shape[2:])} and output size of {size!r}; give "
                f"{spatial} sizes for an input of shape {input.shape}"
            )
        return [int(s) for s in sizes], [None] * spatial
    factors = [scale_factor] * spatial if isinstance(scale_factor, (int, float)) else list(scale_factor)
    if len(factors) != spatial:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} must give one factor per spatial dim "
                         f"({spatial} for an input of shape {input.shape})")
    sizes = [math.floor(float(length) * float(f)) for length, f in zip(input.shape[2:], factors)]
    return sizes, [float(f) for f in factors]


def _nearest_source(length: int, out: int, scale: Any, exact: bool) -> np.ndarray:
    """The input index each output position copies, as PyTorch's nearest_idx / nearest_exact_idx."""
    positions = np.arange(out)
    if out == length:
        return positions
    if out == 2 * length and not exact:
        return positions >> 1
    step = np.float32(1.0 / scale) if scale is not None else np.float32(length) / np.float32(out)
    offset = 0.5 if exact else 0.0
    return np.minimum(np.floor(((positions + offset) * step).astype(np.float32)).astype(np.int64), length - 1)


def _linear_source(length: int, out: int, scale: Any, align_corners: bool, dtype: Any) -> tuple:
    """(i, i + 1 clamped, λ) per output position, as PyTorch's compute_indices_weights_linear, in `dtype`."""
    positions = np.arange(out, dtype=dtype)
    if align_corners:
        step = dtype.type((length - 1) / (out - 1)) if out > 1 else dtype.type(0)
        source = positions * step
    else:
        step = dtype.type(1.0 / scale) if scale is not None and scale > 0 else dtype.type(length) / dtype.type(out)
        source = np.maximum(step * (positions + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    low = np.minimum(np.floor(source).astype(np.int64), length - 1)
    weight = np.clip(source - low, 0, 1).astype(dtype)
    high = low + (low < length - 1)
    return low, high, weight


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """x indexed by `index` along `axis` (differentiable: getitem's backward adds into repeated positions)."""
    return x[(slice(None),) * axis + (Tensor(namespace_of(x.array).asarray(index)),)]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) input to `size`, or by `scale_factor`, as torch's interpolate.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D), 'trilinear' (5-D); align_corners
    (linear modes only, default False) maps the corner pixels' centres onto each other. recompute_scale_factor
    =True resamples with L/L_out instead of 1/scale_factor. Example: `F.interpolate(x, scale_factor=2)`.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; glassgrad has {list(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported; use antialias=False")
    if mode in _LINEAR_MODES:
        if input.ndim != _LINEAR_MODES[mode] + 2:
            raise NotImplementedError(
                f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode] + 2}D input (N, C, *spatial)"
            )
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: expected a 3-D, 4-D or 5-D (N, C, *spatial) input, got shape "
                                  f"{input.shape}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"interpolate: expected a floating-point input, got {input.dtype}; convert with .float()")
    spatial = input.ndim - 2
    sizes, scales = _output_sizes(input, size, scale_factor, spatial)
    if recompute_scale_factor:
        scales = [None] * spatial
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: the output size {tuple(sizes)} must be positive (input shape {input.shape})")
    y = input
    for d, (out, scale) in enumerate(zip(sizes, scales)):
        axis, length = 2 + d, input.shape[2 + d]
        if mode in _LINEAR_MODES:
            low, high, weight = _linear_source(length, out, scale, bool(align_corners), input.array.dtype)
            # λ along `axis`, broadcast over the dims after it: shape (out, 1, ..., 1)
            weight = Tensor(namespace_of(input.array).asarray(weight.reshape((out,) + (1,) * (spatial - 1 - d))))
            y = _take(y, axis, low) * (1 - weight) + _take(y, axis, high) * weight
        else:
            y = _take(y, axis, _nearest_source(length, out, scale, mode == "nearest-exact"))
    return y


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """The old name of interpolate (PyTorch's F.upsample, which warns that it is deprecated)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def _check_shuffle(name: str, input: Tensor, factor: int) -> None:  # noqa: A002
    if not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"{name}: the factor must be a positive int, got {factor!r}")
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects its input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s) (shape {input.shape})")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C·r², H, W) → (*, C, H·r, W·r) with y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w] (Shi et al. 2016)."""
    _check_shuffle("pixel_shuffle", input, upscale_factor)
    r = upscale_factor
    *batch, channels, H, W = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}")
    b = len(batch)
    C = channels // (r * r)
    x = input.reshape(*batch, C, r, r, H, W)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)  # (*, C, H, r, W, r)
    return x.reshape(*batch, C, H * r, W * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of pixel_shuffle."""
    _check_shuffle("pixel_unshuffle", input, downscale_factor)
    r = downscale_factor
    *batch, C, height, width = input.shape
    if height % r or width % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor {r}, "
                           f"but got an input of shape {input.shape}")
    b = len(batch)
    H, W = height // r, width // r
    x = input.reshape(*batch, C, H, r, W, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)  # (*, C, r, r, H, W)
    return x.reshape(*batch, C * r * r, H, W)
