"""Type promotion, as PyTorch does it, for ops with several operands.

PyTorch ranks operands in three groups — tensors with dimensions, zero-dimensional tensors, Python scalars — and
types in three categories — bool < integer < floating. The result takes the highest category present; its exact
type comes from the highest-ranked group that has an operand of that category (a Python float gives the default
float32). So `int64 tensor + 1.5` is float32 and `float32 tensor + float64 0-dim tensor` stays float32, where
NumPy would give float64 for both.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_SCALAR_DTYPE = {0: np.dtype(np.bool_), 1: np.dtype(np.int64), 2: np.dtype(np.float32)}


def _rank_and_dtype(value: Any) -> tuple[int, np.dtype]:
    """(group rank, dtype): 2 for tensors with dimensions, 1 for 0-dim tensors, 0 for Python scalars."""
    array = getattr(value, "array", None)
    if array is not None:
        return (2 if array.ndim else 1), array.dtype
    if isinstance(value, builtins.bool):
        return 0, _SCALAR_DTYPE[0]
    if isinstance(value, builtins.int):
        return 0, _SCALAR_DTYPE[1]
    if isinstance(value, builtins.float):
        return 0, _SCALAR_DTYPE[2]
    if isinstance(value, np.generic):
        return 0, _SCALAR_DTYPE[_CATEGORY.get(value.dtype.kind, 2)]
    raise TypeError(f"expected a tensor or a Python number, got {type(value).__name__}")


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype PyTorch would give an op on these operands (tensors and Python numbers)."""
    ranked = [_rank_and_dtype(value) for value in operands]
    category = max(_CATEGORY.get(dtype.kind, 2) for _, dtype in ranked)
    for rank in (2, 1, 0):
        members = [dtype for r, dtype in ranked if r == rank and _CATEGORY.get(dtype.kind, 2) == category]
        if members:
            result = members[0]
            for dtype in members[1:]:
                result = np.promote_types(result, dtype)
            return result
    raise AssertionError("unreachable: some operand has the top category")


def category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floats."""
    return _CATEGORY.get(dtype.kind, 2)
