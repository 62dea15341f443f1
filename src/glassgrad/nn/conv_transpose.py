"""Transposed convolution layers: ConvTranspose1d and ConvTranspose2d over `F.conv_transpose1d`/`2d`.

PyTorch's parameters, names and initialisation: weight (in_channels, out_channels/groups, *kernel_size), its
fan-in read from that shape (out_channels/groups · kernel elements), bias (out_channels,). The op, and why its
derivatives are a conv and a conv's weight-gradient, is in `functional/conv_transpose.py`.
"""

from __future__ import annotations

from typing import Any

from .. import creation
from ..functional import conv_transpose as ops
from ..tensor import Tensor
from .conv import _ConvNd, _tuple
from .parameter import Parameter


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: the transposed weight and output_padding."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding={padding!r} is not supported; give an int or a tuple")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = _tuple(type(self).__name__, "output_padding", output_padding, self._spatial)
        self.transposed = True
        # The transposed weight: the conv it is the adjoint of maps out_channels to in_channels.
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(shape, dtype=dtype, device=device))
        self.register_parameter("bias", self._parameters.pop("bias"))  # back after weight: PyTorch's key order
        self.reset_parameters()

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002 - PyTorch's name
        if output_size is not None:
            raise ValueError(
                f"{type(self).__name__}: forward(output_size=...) is not supported; set output_padding instead"
            )
        self._check_input(input)
        fn = ops.conv_transpose1d if self._spatial == 1 else ops.conv_transpose2d
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.groups,
                  self.dilation)

    def extra_repr(self) -> str:
        # PyTorch's: only settings that differ from the defaults, output_padding after dilation.
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L): output length
    (L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.

    Example:
        >>> import glassgrad as gg
        >>> ConvTranspose1d(4, 2, kernel_size=4, stride=2, padding=1)(gg.randn(3, 4, 10)).shape
        (3, 2, 20)
    """

    _spatial = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (N, C_in, H, W) or (C_in, H, W), as in DCGAN's generator: output
    Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1 (Wo alike).

    Example:
        >>> import glassgrad as gg
        >>> ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)(gg.randn(2, 16, 7, 7)).shape
        (2, 8, 14, 14)
    """

    _spatial = 2
