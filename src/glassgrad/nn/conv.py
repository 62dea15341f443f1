"""Convolution layers: Conv1d and Conv2d, PyTorch's parameters and initialisation over `F.conv1d`/`F.conv2d`.

The op itself (im2col windows and one matrix product, col2im backward) is in `functional/conv.py`.
Only `padding_mode='zeros'` is implemented: 'reflect', 'replicate' and 'circular' raise a ValueError.
"""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..functional import conv as conv_ops
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _tuple(layer: str, what: str, value: Any, size: int) -> tuple[int, ...]:
    values = (value,) * size if isinstance(value, int) else tuple(value)
    if len(values) != size or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{layer}: {what} must be an int or a tuple of {size} ints, got {value!r}")
    return values


class _ConvNd(Module):
    """What Conv1d and Conv2d share: argument checks, parameters, their initialisation and the repr."""

    _spatial = 0  # number of spatial dims, set by the subclasses

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
    ) -> None:
        super().__init__()
        layer, size = type(self).__name__, self._spatial
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{layer}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{layer}: in_channels={in_channels} must be divisible by groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{layer}: out_channels={out_channels} must be divisible by groups={groups}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(layer, "kernel_size", kernel_size, size)
        self.stride = _tuple(layer, "stride", stride, size)
        self.dilation = _tuple(layer, "dilation", dilation, size)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{layer}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = _tuple(layer, "padding", padding, size)
        if padding_mode != "zeros":
            raise ValueError(
                f"{layer}: padding_mode={padding_mode!r} is not implemented; glassgrad supports "
                "padding_mode='zeros' only"
            )
        self.output_padding = (0,) * size  # PyTorch keeps these two on every conv (for transposed convs)
        self.transposed = False
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default, as for Linear: kaiming_uniform_(a=√5) gives U(−1/√fan_in, 1/√fan_in) with
        # fan_in = in_channels/groups · kernel elements; the bias draws from the same range.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input: Tensor) -> None:  # noqa: A002 - PyTorch's name
        """The layer's own error for the common mistakes, naming the layer and both shapes."""
        size = self._spatial
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (size + 1, size + 2):
            raise ValueError(
                f"{self!r}: expected a {size + 2}-D input (N, C, *spatial) or an unbatched {size + 1}-D input "
                f"(C, *spatial) with C = {self.in_channels}, got input of shape {input.shape}"
            )
        channels = input.shape[-size - 1]
        if channels != self.in_channels:
            raise ValueError(
                f"{self!r}: expected input with {self.in_channels} channels (dim {input.ndim - size - 1}), got "
                f"input of shape {input.shape} with {channels} channels"
            )

    def _conv(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        self._check_input(input)
        return conv_ops._convolution(
            self._get_name(), self._spatial, input, self.weight, self.bias, self.stride, self.padding,
            self.dilation, self.groups,
        )  # fmt: skip

    def extra_repr(self) -> str:
        # PyTorch's _ConvNd.extra_repr: only settings that differ from the defaults are shown.
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    r"""1-D convolution (cross-correlation) over (N, C_in, L):  y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c].

    Args:
        in_channels, out_channels: channels of the input and of the output
        kernel_size: length k of the kernel
        stride, dilation: step between windows and between kernel taps (default: 1)
        padding: zeros added on both sides: an int, a 1-tuple, 'valid' (none) or 'same' (output length =
            input length, stride 1 only) (default: 0)
        groups: split the channels into groups convolved separately (default: 1)
        bias: learn an additive bias (default: True)
        padding_mode: only 'zeros' is implemented
        device, dtype: where and in which floating dtype to create the parameters

    Shape: input (N, C_in, L) or unbatched (C_in, L); output (N, C_out, L_out) with
    L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.

    Attributes:
        weight: (C_out, C_in/groups, k), from U(−√κ, √κ) with κ = groups / (C_in · k)
        bias: (C_out,), from the same distribution

    Example:
        >>> import glassgrad as gg
        >>> Conv1d(16, 33, 3, stride=2)(gg.randn(20, 16, 50)).shape
        (20, 33, 24)
    """

    _spatial = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._conv(input)


class Conv2d(_ConvNd):
    r"""2-D convolution (cross-correlation) over (N, C_in, H, W):  y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c].

    Args:
        in_channels, out_channels: channels of the input and of the output
        kernel_size: (kh, kw) or an int for both
        stride, dilation: step between windows and between kernel taps, int or pair (default: 1)
        padding: zeros added on both sides: an int, a pair, 'valid' (none) or 'same' (output size = input
            size, stride 1 only; an odd total puts the extra row/column at the bottom/right) (default: 0)
        groups: split the channels into groups convolved separately; groups = C_in is a depthwise
            convolution (default: 1)
        bias: learn an additive bias (default: True)
        padding_mode: only 'zeros' is implemented
        device, dtype: where and in which floating dtype to create the parameters

    Shape: input (N, C_in, H, W) or unbatched (C_in, H, W); output (N, C_out, H_out, W_out) with
    H_out = ⌊(H + 2·padding[0] − dilation[0]·(kh − 1) − 1) / stride[0]⌋ + 1 (W_out alike).

    Attributes:
        weight: (C_out, C_in/groups, kh, kw), from U(−√κ, √κ) with κ = groups / (C_in · kh · kw)
            (PyTorch's kaiming_uniform_(a=√5))
        bias: (C_out,), from the same distribution

    Example:
        >>> import glassgrad as gg
        >>> conv = Conv2d(1, 32, 3, padding=1)
        >>> conv
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> conv(gg.randn(64, 1, 28, 28)).shape
        (64, 32, 28, 28)
    """

    _spatial = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._conv(input)
