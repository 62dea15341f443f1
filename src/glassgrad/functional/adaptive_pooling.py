"""Adaptive pooling beyond adaptive_avg_pool2d: adaptive_avg_pool1d, adaptive_max_pool1d/2d, and the
`*_with_indices` names of max pooling.

Adaptive max pooling picks, in each bin [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉) × (the same along W), the first maximum
(row-major, as PyTorch's CPU kernel), found on the raw array, and then gathers the input at those flat indices
with the differentiable `gather`: no backward of its own.

    y = x[argmax over the bin];   dL/dx = g at each bin's chosen maximum (summed where bins overlap), 0 elsewhere
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import namespace_of
from ..tensor import Tensor
from .pooling import adaptive_avg_pool2d, max_pool1d, max_pool2d


def _sizes(name: str, output_size: Any, spatial: int, input_shape: tuple) -> tuple[int, ...]:
    """output_size as `spatial` positive ints (an int repeats; a None keeps that input size)."""
    sizes = (output_size,) * spatial if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != spatial or not all(s is None or (isinstance(s, int) and s > 0) for s in sizes):
        raise ValueError(f"{name}: output_size must be {spatial} positive int(s) (None keeps an input size), "
                         f"got {output_size!r}")
    return tuple(input_shape[-spatial + k] if s is None else s for k, s in enumerate(sizes))


def _check_input(name: str, input: Tensor, spatial: int) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2) or 0 in input.shape[-spatial:]:
        raise ValueError(f"{name}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input with "
                         f"non-empty spatial dims, got input of shape {input.shape}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating-point input, got {input.dtype}; convert it with .float()")


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int]) -> Tensor:  # noqa: A002
    """Average (N, C, L) (or (C, L)) input into output_size bins [⌊i·L/Lo⌋, ⌈(i+1)·L/Lo⌉)."""
    _check_input("adaptive_avg_pool1d", input, 1)
    (length,) = _sizes("adaptive_avg_pool1d", output_size, 1, input.shape)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, length)).squeeze(-2)  # (N, C, 1, L) -> (N, C, Lo)


def _bin_edges(size: int, out: int) -> list[tuple[int, int]]:
    """[start, end) of each adaptive bin: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_max(name: str, input: Tensor, output_size: Any, spatial: int) -> tuple[Tensor, Tensor]:  # noqa: A002
    _check_input(name, input, spatial)
    sizes = _sizes(name, output_size, spatial, input.shape)
    x = input.unsqueeze(-2) if spatial == 1 else input  # 1-D as (…, 1, L)
    out_h, out_w = (1, sizes[0]) if spatial == 1 else sizes
    H, W = x.shape[-2:]
    planes = x.array.reshape(-1, H, W)  # (N·C, H, W)
    xp = namespace_of(planes)
    index = xp.empty((planes.shape[0], out_h, out_w), dtype=np.int64)
    for i, (h0, h1) in enumerate(_bin_edges(H, out_h)):
        for j, (w0, w1) in enumerate(_bin_edges(W, out_w)):
            window = planes[:, h0:h1, w0:w1].reshape(planes.shape[0], -1)
            best = window.argmax(axis=1)  # the first maximum, row-major
            index[:, i, j] = (h0 + best // (w1 - w0)) * W + w0 + best % (w1 - w0)
    flat = x.reshape(*x.shape[:-2], H * W)  # (…, H·W)
    chosen = Tensor(index.reshape(*x.shape[:-2], out_h * out_w))  # on x's device, as `index` is
    y = flat.gather(-1, chosen).reshape(*x.shape[:-2], out_h, out_w)
    indices = chosen.reshape(*x.shape[:-2], out_h, out_w)
    if spatial == 1:
        return y.squeeze(-2), indices.squeeze(-2)
    return y, indices


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max of (N, C, H, W) (or (C, H, W)) input over an output_size grid of adaptive bins; with
    return_indices=True also the int64 index h·W + w of each maximum in its plane."""
    y, indices = _adaptive_max("adaptive_max_pool2d", input, output_size, 2)
    return (y, indices) if return_indices else y


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max of (N, C, L) (or (C, L)) input over output_size adaptive bins (and the indices, as 2-D's)."""
    y, indices = _adaptive_max("adaptive_max_pool1d", input, output_size, 1)
    return (y, indices) if return_indices else y


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """adaptive_max_pool2d(..., return_indices=True): (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """adaptive_max_pool1d(..., return_indices=True): (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool2d(..., return_indices=True): (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool1d(..., return_indices=True): (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
