"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d and AdaptiveMaxPool1d/2d, thin modules over
`functional/pooling.py` and `functional/adaptive_pooling.py`.

They hold only their settings (no parameters or buffers); the ops and their backward live in F.
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class MaxPool2d(Module):
    r"""Max over sliding (kh, kw) windows of each channel:  y[n, c, h, w] = max over the window at (h·s, w·s).

    Args:
        kernel_size: the window size, int or pair
        stride: step between windows (default: kernel_size)
        padding: implicit −inf padding on both sides, at most half the kernel (default: 0)
        dilation: step between window elements (default: 1)
        return_indices: also return the index h·W + w of each maximum in its plane (default: False)
        ceil_mode: round the output size up instead of down (default: False)

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with
    H_out = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1 (⌈·⌉ in ceil_mode).
    The gradient goes to the first maximum of each window (row-major), as in PyTorch.

    Example:
        >>> import glassgrad as gg
        >>> MaxPool2d(2)(gg.randn(8, 32, 28, 28)).shape
        (8, 32, 14, 14)
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size  # PyTorch stores the resolved stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002 - PyTorch's name
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)  # fmt: skip

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")  # fmt: skip


class MaxPool1d(MaxPool2d):
    """Max over sliding windows of length kernel_size of (N, C, L) or (C, L) input; arguments as MaxPool2d.

    Example:
        >>> import glassgrad as gg
        >>> MaxPool1d(3, stride=2)(gg.randn(20, 16, 50)).shape
        (20, 16, 24)
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002 - PyTorch's name
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)  # fmt: skip


class AvgPool2d(Module):
    r"""Mean over sliding (kh, kw) windows of each channel.

    Args:
        kernel_size: the window size, int or pair
        stride: step between windows (default: kernel_size)
        padding: implicit zero padding on both sides, at most half the kernel (default: 0)
        ceil_mode: round the output size up instead of down (default: False)
        count_include_pad: count the padding zeros in the divisor (default: True)
        divisor_override: divide by this instead of the window size (default: None)

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with
    H_out = ⌊(H + 2·padding − kh) / stride⌋ + 1 (⌈·⌉ in ceil_mode).

    Example:
        >>> import glassgrad as gg
        >>> AvgPool2d(3, stride=2)(gg.randn(20, 16, 50, 32)).shape
        (20, 16, 24, 15)
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """Mean over sliding windows of length kernel_size of (N, C, L) or (C, L) input; arguments as AvgPool2d.

    Example:
        >>> import glassgrad as gg
        >>> AvgPool1d(3, stride=2)(gg.randn(20, 16, 50)).shape
        (20, 16, 24)
    """

    def __init__(
        self,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] | None = None,
        padding: int | tuple[int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        # PyTorch's AvgPool1d stores 1-tuples (its repr shows kernel_size=(3,)).
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value: Any) -> tuple:
    return (value,) if isinstance(value, int) else tuple(value)


class AdaptiveAvgPool2d(Module):
    r"""Average into a fixed output_size grid whatever the input size: bin i of H_out covers rows
    [⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉), columns alike.

    Args:
        output_size: (H_out, W_out), an int for both, or None in a position to keep that input size

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import glassgrad as gg
        >>> AdaptiveAvgPool2d((5, 7))(gg.randn(1, 64, 8, 9)).shape
        (1, 64, 5, 7)
    """

    def __init__(self, output_size: int | None | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Module):
    """Average (N, C, L) or (C, L) input into output_size bins [⌊i·L/L_out⌋, ⌈(i+1)·L/L_out⌉)."""

    def __init__(self, output_size: int | tuple[int]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    """Max over adaptive bins (AdaptiveAvgPool2d's), the gradient to each bin's first maximum."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max of (N, C, L) or (C, L) input over output_size adaptive bins (with their indices if asked)."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max of (N, C, H, W) or (C, H, W) input over an output_size grid of adaptive bins."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)
