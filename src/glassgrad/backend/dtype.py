"""dtypes: glassgrad's names for the array libraries' element types.

A `DType` wraps one NumPy dtype (CuPy uses the same ones), so `gg.float32` prints and compares like
`torch.float32` while every op still hands plain NumPy dtypes to the array library.
"""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """One element type, e.g. `gg.float32`. Compares equal to itself and to the matching NumPy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "itemsize")

    def __init__(self, name: str, np_dtype: type) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = False
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"glassgrad.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.name == other.name  # one DType per name (the aliases are the same objects)
        try:
            return self.np == np.dtype(other)  # lets `t.dtype == np.float32` hold too
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.np)


class UnstoredDType(DType):
    """A dtype glassgrad can name but not hold: bfloat16, which NumPy (and so CuPy) has no arrays of.

    It exists so that PyTorch code that only mentions it runs (`dtype = torch.bfloat16`, `x.dtype ==
    torch.bfloat16`, a dict keyed by dtypes, `autocast(dtype=torch.bfloat16)`). Every path that would make an
    array of it reads `.np`, which raises a TypeError saying what to use instead.
    """

    __slots__ = ()

    def __init__(self, name: str, itemsize: builtins.int) -> None:
        self.name = name
        self.is_floating_point = True
        self.is_complex = False
        self.itemsize = itemsize

    @property
    def np(self) -> np.dtype:  # type: ignore[override]
        raise TypeError(
            f"glassgrad stores no {self.name} tensors: NumPy has no {self.name} dtype. Use gg.float32 (or "
            "gg.float16 for half the memory) instead"
        )

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> builtins.int:
        return hash(self.name)


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
float16 = DType("float16", np.float16)
int64 = DType("int64", np.int64)
int32 = DType("int32", np.int32)
int16 = DType("int16", np.int16)
int8 = DType("int8", np.int8)
uint8 = DType("uint8", np.uint8)
bool_ = DType("bool", np.bool_)
bfloat16 = UnstoredDType("bfloat16", 2)

# PyTorch's aliases.
float = float32  # noqa: A001 - `gg.float` is `torch.float`
double = float64
half = float16
long = int64
int = int32  # noqa: A001

_BY_NUMPY = {d.np: d for d in (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)}

default_float = float32


def from_numpy_dtype(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype; a clear error for kinds glassgrad does not support (complex, strings)."""
    found = _BY_NUMPY.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"glassgrad does not support arrays of dtype {np.dtype(np_dtype)}; "
            "convert them to a float, integer or bool dtype first (e.g. a.astype(np.float32))"
        )
    return found


def to_dtype(dtype: object) -> DType:
    """Accept a DType, a NumPy dtype, a string ('float32') or a Python type (float, int, bool)."""
    if isinstance(dtype, DType):
        return dtype
    if dtype is builtins.float:
        return float64  # as PyTorch: the Python type float names torch.float64 (a Python *value* 1.5 is float32)
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool_
    if dtype == "bfloat16":  # NumPy knows no such name; the DType itself explains, where it is used, why not
        return bfloat16
    try:
        return from_numpy_dtype(np.dtype(dtype))
    except TypeError as error:
        raise TypeError(f"{dtype!r} is not a dtype glassgrad knows; use e.g. gg.float32 or gg.int64") from error
