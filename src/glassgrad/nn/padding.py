"""Padding layers: ZeroPad1d/2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d, CircularPad1d/2d.

Each holds its padding as PyTorch does (an int becomes the same width on every side) and calls F.pad
(functional/padding.py), where the backward is. `padding` lists (left, right[, top, bottom]), last dim first.
"""

from __future__ import annotations

from typing import Sequence

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class _PadNd(Module):
    """Pads the last `dims` dims of its input with F.pad's `mode`."""

    dims: int
    mode: str

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims or not all(isinstance(p, int) for p in padding):
            raise ValueError(f"{type(self).__name__}: padding must be an int or {2 * self.dims} ints "
                             f"(before, after per padded dim, last dim first), got {padding!r}")
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        if self.mode != "constant" and input.ndim not in (self.dims + 1, self.dims + 2):
            # PyTorch's rule for the non-constant modes: an unbatched or a batched (N, C, ...) input
            raise ValueError(
                f"{type(self).__name__}: expected a {self.dims + 1}-d (C, ...) or {self.dims + 2}-d (N, C, ...) "
                f"input, got shape {input.shape}"
            )
        return self._pad(input)

    def _pad(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _pad(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with `value`: (*, W) -> (*, W + left + right)."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with `value`: (*, H, W) -> (*, H + top + bottom, W + left + right)."""

    dims = 2


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its mirror image, the edge not repeated ([1, 2, 3] by 2: [3, 2, 1, 2, 3, 2, 1])."""

    dims = 1
    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims with their mirror image, the edges not repeated."""

    dims = 2
    mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values."""

    dims = 1
    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims by repeating their edge values."""

    dims = 2
    mode = "replicate"


class CircularPad1d(_PadNd):
    """Pads the last dim by wrapping around (the end continues with the start)."""

    dims = 1
    mode = "circular"


class CircularPad2d(_PadNd):
    """Pads the last two dims by wrapping around."""

    dims = 2
    mode = "circular"
