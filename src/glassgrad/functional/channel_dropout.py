"""F.dropout1d and F.dropout2d: zero whole channels, as PyTorch's channel dropout (Tompson et al., 2015)."""

from __future__ import annotations

import numpy as np

from ..backend import device_of, move
from ..backend.random import default_generator
from ..tensor import Tensor


def _channel_dropout(name: str, input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                     spatial: int) -> Tensor:
    """y = x ⊙ m / (1 − p), with one mₙ꜀ ~ Bernoulli(1 − p) per (sample, channel), broadcast over `spatial` dims.

    Written with a broadcast multiply, so autograd gives dy/dx = m / (1 − p) from the existing mul.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    batched, unbatched = spatial + 2, spatial + 1
    if input.ndim not in (batched, unbatched):
        raise RuntimeError(
            f"{name}: Expected {unbatched}D or {batched}D input (C, *spatial) or (N, C, *spatial), but got "
            f"input of shape {tuple(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating point tensor, got {input.dtype}")
    channels = tuple(input.shape[: input.ndim - spatial])  # (N, C) or (C,)
    keep = default_generator().random(channels, dtype=np.float32) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    mask = keep.astype(input.dtype.np).reshape(channels + (1,) * spatial) * scale
    mask_tensor = Tensor(move(mask, device_of(input.array)))  # a Python float scale keeps the dtype
    if inplace:
        return input.mul_(mask_tensor)
    return input * mask_tensor


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each channel of a (N, C, L) or (C, L) input with probability `p`, scale the rest by 1/(1 − p)."""
    return _channel_dropout("dropout1d", input, p, training, inplace, spatial=1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each channel of a (N, C, H, W) or (C, H, W) input with probability `p`, scale the rest by 1/(1 − p).

    PyTorch treats a 3-D input to dropout2d as (N, C, L) (with a warning) and so does this: one draw per
    (first, second) index.
    """
    if input.ndim == 3:
        return _channel_dropout("dropout2d", input, p, training, inplace, spatial=1)
    return _channel_dropout("dropout2d", input, p, training, inplace, spatial=2)
