"""finfo and iinfo: the limits of a floating point or an integer dtype, as `torch.finfo` and `torch.iinfo`.

The numbers are NumPy's (`np.finfo`, `np.iinfo`) as Python numbers, except for bfloat16, which NumPy lacks:
its limits follow from its layout (1 sign bit, 8 exponent bits as float32, 7 fraction bits).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtype import UnstoredDType, bfloat16, bool_, default_float, to_dtype

# bfloat16's limits: eps = 2⁻⁷ (7 fraction bits), max = (2 − 2⁻⁷)·2¹²⁷, tiny = 2⁻¹²⁶ (float32's exponent range),
# resolution = 10^−precision with precision = ⌊7·log10(2)⌋ = 2 decimal digits, as torch.finfo(torch.bfloat16).
_BFLOAT16_EPS = 2.0**-7
_BFLOAT16_MAX = (2.0 - 2.0**-7) * 2.0**127
_BFLOAT16_TINY = 2.0**-126


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating point dtype (float32 when none is given), as Python floats.

    Attributes: bits, eps (the gap between 1 and the next number), max, min (= −max), tiny (the smallest
    positive normal number, also `smallest_normal`), resolution (10^−decimal digits of precision), dtype.
    """

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        dtype = default_float if type is None else to_dtype(type)
        if not dtype.is_floating_point:
            raise TypeError(
                f"finfo() requires a floating point dtype, got {dtype}; use gg.iinfo for integer dtypes"
            )
        if dtype is bfloat16:
            self.bits = 16
            self.eps = _BFLOAT16_EPS
            self.max = _BFLOAT16_MAX
            self.tiny = _BFLOAT16_TINY
            self.resolution = 0.01
        else:
            info = np.finfo(dtype.np)
            self.bits = int(info.bits)
            self.eps = float(info.eps)
            self.max = float(info.max)
            self.tiny = float(info.tiny)
            self.resolution = 10.0 ** -int(info.precision)  # exactly 1e-06 for float32, as PyTorch's
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype, as Python ints. Attributes: bits, min, max, dtype."""

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        dtype = to_dtype(type)
        if dtype is bool_:
            raise TypeError("iinfo(): gg.bool is not an integer dtype and has no iinfo; its values are 0 and 1")
        if isinstance(dtype, UnstoredDType) or dtype.is_floating_point:
            raise TypeError(f"iinfo() requires an integer dtype, got {dtype}; use gg.finfo for floating point")
        info = np.iinfo(dtype.np)
        self.bits = int(info.bits)
        self.min = int(info.min)
        self.max = int(info.max)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

