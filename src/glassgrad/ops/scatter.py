"""Writing at positions, out of place, as in torch: scatter, scatter_add, index_add, and masked_select.

Each is built on IndexAddOp (index.py, the adjoint of indexing) and where, so the gradients reach both input
(outside the written positions, or everywhere for the adding ones) and src (gathered from the written
positions), to every order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of
from . import arithmetic, select
from . import index as index_ops
from . import shape as shape_ops
from .dims import normalize_dim
from .unary import tensor_input


def _scatter_arguments(name: str, input: Any, dim: int, index: Any, src: Any) -> tuple[int, Any]:
    """The axis, and src as a tensor of input's dtype cut to index's shape (PyTorch reads only that block)."""
    tensor_input(name, input)
    if not is_tensor(index) or index.array.dtype.kind not in "iu":
        got = index.array.dtype if is_tensor(index) else type(index).__name__
        raise TypeError(f"{name}: index must be an integer (int64) tensor, got {got}")
    ndim = input.array.ndim
    axis = normalize_dim(name, dim, ndim)
    if index.array.ndim != ndim:
        raise RuntimeError(
            f"{name}: index {tuple(index.shape)} must have as many dims as input {tuple(input.shape)}"
        )
    if not is_tensor(src):  # scatter(..., value=number)
        src = make_tensor(namespace_of(input.array).full(index.array.shape, src, dtype=input.array.dtype))
    for d in range(ndim):
        if index.array.shape[d] > src.array.shape[d] or (d != axis and index.array.shape[d] > input.array.shape[d]):
            raise RuntimeError(
                f"{name}: index {tuple(index.shape)} is larger than src {tuple(src.shape)} or, outside dim {axis}, "
                f"than input {tuple(input.shape)}"
            )
    positions = index.array
    if positions.size and (int(positions.min()) < 0 or int(positions.max()) >= input.array.shape[axis]):
        raise IndexError(
            f"{name}: index out of range for dim {axis} of size {input.array.shape[axis]}; indices must be in "
            f"[0, {input.array.shape[axis]})"
        )
    if src.array.dtype != input.array.dtype:
        raise RuntimeError(f"{name}: src ({src.array.dtype}) must have input's dtype ({input.array.dtype})")
    block = tuple(slice(0, size) for size in index.array.shape)
    if src.array.shape != index.array.shape:
        src = index_ops.getitem(src, block)
    return axis, src


def scatter(input: Any, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None) -> Any:
    """input with out[index[i][j]][j] = src[i][j] (for dim 0; likewise along any dim); src may be a number.

    Where index repeats a position, the last write wins (PyTorch leaves the choice undefined); every src entry
    gets its gradient, as in PyTorch. Gradient to input: 1 outside the written positions, 0 inside.
    """
    if reduce is not None:
        raise NotImplementedError("scatter: reduce= is not supported; use scatter_add for 'add'")
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or number) and value")
    axis, src = _scatter_arguments("scatter", input, dim, index, src if value is None else value)
    shape = input.array.shape
    xp = namespace_of(index.array)
    written = make_tensor(index_ops.scatter_along_axis(xp.ones(index.array.shape, dtype=bool), index.array, axis,
                                                       shape, False))
    placed = index_ops.scatter_along_axis(src, index.array, axis, shape, False)
    return select.where(written, placed, input)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:
    """input with src added at out[index[i][j]][j] (for dim 0), repeated positions adding up.
    Gradient: 1 to input, the gathered gradient to src."""
    axis, src = _scatter_arguments("scatter_add", input, dim, index, src)
    return arithmetic.add(input, index_ops.scatter_along_axis(src, index.array, axis, input.array.shape, True))


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Any:
    """input with alpha · source[..., i, ...] added at input[..., index[i], ...] along dim (repeats add up)."""
    tensor_input("index_add", input)
    tensor_input("index_add", source)
    if not is_tensor(index) or index.array.dtype.kind not in "iu" or index.array.ndim > 1:
        raise TypeError("index_add: index must be a 1-D integer (int64) tensor")
    ndim = input.array.ndim
    axis = normalize_dim("index_add", dim, ndim)
    positions = index.array.reshape(-1)
    expected = input.array.shape[:axis] + (positions.size,) + input.array.shape[axis + 1:]
    if ndim and source.array.shape != expected:
        raise RuntimeError(
            f"index_add: source must have shape {expected} (input {tuple(input.shape)} with dim {axis} the size of "
            f"index, {positions.size}), got {tuple(source.shape)}"
        )
    size = input.array.shape[axis] if ndim else 1
    if positions.size and (int(positions.min()) < 0 or int(positions.max()) >= size):
        raise IndexError(f"index_add: index out of range for dim {axis} of input {tuple(input.shape)}")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"index_add: source ({source.array.dtype}) must have input's dtype ({input.array.dtype})")
    if alpha != 1:
        source = arithmetic.mul(source, alpha)
    if ndim == 0:
        return arithmetic.add(input, shape_ops.reshape(source, ()))
    key = (slice(None),) * axis + (positions,)
    return arithmetic.add(input, index_ops.IndexAddOp.apply(source, key, input.array.shape, True))


def masked_select(input: Any, mask: Any) -> Any:
    """The 1-D tensor of input's entries where the bool mask is True (input and mask broadcast together)."""
    tensor_input("masked_select", input)
    if not is_tensor(mask) or mask.array.dtype.kind != "b":
        got = mask.array.dtype if is_tensor(mask) else type(mask).__name__
        raise TypeError(f"masked_select: mask must be a bool tensor, got {got}")
    arithmetic.check_broadcast("masked_select", input.array.shape, mask.array.shape)
    shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    if input.array.shape != shape:
        input = shape_ops.expand(input, shape)
    full_mask = namespace_of(mask.array).broadcast_to(mask.array, shape)
    return index_ops.getitem(input, make_tensor(full_mask))
