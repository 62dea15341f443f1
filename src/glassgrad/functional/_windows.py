"""Sliding windows as one differentiable gather, for the references of convolution and pooling.

    windows[n, c, i, j, h, w] = Xp[n, c, h·sh + i·dh, w·sw + j·dw]

where Xp is x padded by `fill` (top/left by `start`; anything past the bottom/right edge is `fill` too).
Built from primitives only (an index gather and a select), so create_graph=True can differentiate it again:
the gather's backward is the scatter-add that col2im and the pooling backward write by hand.
"""

from __future__ import annotations

import numpy as np

from ..ops.select import where
from ..tensor import Tensor


def windows(
    x: Tensor, kernel: tuple, stride: tuple, start: tuple, dilation: tuple, out: tuple, fill: float
) -> Tensor:
    """The (N, C, kh, kw, Ho, Wo) windows of x (N, C, H, W); `start` = (top, left) padding, `out` = (Ho, Wo)."""
    H, W = x.shape[2], x.shape[3]
    (kh, kw), (sh, sw), (top, left), (dh, dw), (Ho, Wo) = kernel, stride, start, dilation, out
    rows = (np.arange(Ho) * sh)[None, :] + (np.arange(kh) * dh)[:, None] - top  # (kh, Ho)
    cols = (np.arange(Wo) * sw)[None, :] + (np.arange(kw) * dw)[:, None] - left  # (kw, Wo)
    rows = rows[:, None, :, None]  # (kh, 1, Ho, 1)
    cols = cols[None, :, None, :]  # (1, kw, 1, Wo)
    gathered = x[:, :, np.clip(rows, 0, H - 1), np.clip(cols, 0, W - 1)]  # (N, C, kh, kw, Ho, Wo)
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)  # (kh, kw, Ho, Wo): not padding
    if inside.all():
        return gathered
    return where(Tensor(np.broadcast_to(inside, gathered.shape)), gathered, fill)
