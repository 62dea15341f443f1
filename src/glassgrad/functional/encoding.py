"""one_hot: class indices to one-hot rows."""

from __future__ import annotations

import numpy as np

from ..backend import namespace_of
from ..tensor import Tensor


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape (*tensor.shape, num_classes): 1 at each index, 0 elsewhere.

    num_classes=-1 uses max(tensor) + 1. Example: `F.one_hot(gg.tensor([0, 2]))` is [[1, 0, 0], [0, 0, 1]].
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected a Tensor of class indices, got {type(tensor).__name__}")
    array = tensor.array
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected an integer tensor of class indices, got {tensor.dtype}; use tensor.long()"
        )
    if num_classes == -1:
        if array.size == 0:
            raise ValueError("one_hot: can not infer the number of classes from an empty tensor; pass num_classes")
        num_classes = int(array.max()) + 1
    elif num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be positive or -1, got {num_classes}")
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < 0:
            raise ValueError(f"one_hot: class values must be non-negative, got {low}")
        if high >= num_classes:
            raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {high}")
    xp = namespace_of(array)
    # Compare each index with 0..C−1 along a new last axis: (*, 1) == (C,) -> (*, C).
    return Tensor((array[..., None] == xp.arange(num_classes)).astype(np.int64))
