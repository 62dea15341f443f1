"""Reordering and picking elements, as in torch: flip, diagonal, diag, tile, broadcast_to, movedim/moveaxis,
swapaxes/swapdims, unflatten, index_select, repeat_interleave, take_along_dim.

Only flip is an Op of its own (it is its own adjoint); the others are compositions of the ops of shape.py and
index.py (permute, reshape, expand, repeat, indexing, gather), so their gradients, of every order, are those.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import CPU, device_of, move, namespace_of
from . import index as index_ops
from . import shape as shape_ops
from .dims import normalize_dim, normalize_dims
from .unary import tensor_input


class FlipOp(Op):
    """y = x reversed along `axes` (a copy, as PyTorch's flip).   dy/dx · g = g reversed along the same axes"""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return namespace_of(x).flip(x, axes).copy()

    @staticmethod
    def backward(ctx, grad):
        return apply_or_forward(FlipOp, grad, ctx.axes), None


def flip(input: Any, dims: Any) -> Any:
    tensor_input("flip", input)
    axes = normalize_dims("flip", dims, input.array.ndim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {dims} name a dim more than once (tensor of shape {tuple(input.shape)})")
    if input.array.ndim == 0:
        return shape_ops.CloneOp.apply(input)
    return FlipOp.apply(input, axes)


def fliplr(input: Any) -> Any:
    """The tensor reversed along dim 1 (left-right). The gradient is flipped back."""
    return flip(input, 1)


def flipud(input: Any) -> Any:
    """The tensor reversed along dim 0 (up-down). The gradient is flipped back."""
    return flip(input, 0)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    """The diagonal of the (dim1, dim2) planes, as the last dim (above the main one for offset > 0).

    dim1 and dim2 are moved last, then picked by two index arrays: x[..., i, i + offset]. A copy, where
    PyTorch returns a view (a write into it does not reach input).
    """
    tensor_input("diagonal", input)
    ndim = input.array.ndim
    if ndim < 2:
        raise RuntimeError(f"diagonal: input must have at least 2 dims, got shape {tuple(input.shape)}")
    a, b = normalize_dims("diagonal", (dim1, dim2), ndim)
    if a == b:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    others = tuple(d for d in range(ndim) if d not in (a, b))
    moved = shape_ops.permute(input, others + (a, b))
    rows, cols = _diagonal_positions(input.array.shape[a], input.array.shape[b], int(offset))
    return index_ops.getitem(moved, (Ellipsis, rows, cols))


_matrix_diagonal = diagonal  # diag's argument `diagonal` hides the function there


def _diagonal_positions(n_rows: int, n_cols: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the diagonal `offset` of an n_rows × n_cols matrix (empty if outside)."""
    start_row, start_col = max(-offset, 0), max(offset, 0)
    length = max(min(n_rows - start_row, n_cols - start_col), 0)
    steps = np.arange(length)
    return steps + start_row, steps + start_col


def diag(input: Any, diagonal: int = 0) -> Any:
    """1-D → the square matrix with input on diagonal `diagonal`; 2-D → that diagonal, as a 1-D tensor."""
    tensor_input("diag", input)
    if input.array.ndim == 2:
        return _matrix_diagonal(input, diagonal)
    if input.array.ndim != 1:
        raise RuntimeError(f"diag: input must be 1-D or 2-D, got shape {tuple(input.shape)}")
    size = input.array.shape[0] + abs(int(diagonal))
    rows, cols = _diagonal_positions(size, size, int(diagonal))
    return index_ops.IndexAddOp.apply(input, (rows, cols), (size, size), False)


def tile(input: Any, dims: Sequence[int]) -> Any:
    """repeat, after padding `dims` with leading 1s to input's rank (or input's shape with leading 1s to dims')."""
    tensor_input("tile", input)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    dims = (1,) * (input.array.ndim - len(dims)) + dims
    return shape_ops.repeat(input, dims)


def broadcast_to(input: Any, size: Sequence[int]) -> Any:
    tensor_input("broadcast_to", input)
    return shape_ops.expand(input, tuple(size))


def movedim(input: Any, source: Any, destination: Any) -> Any:
    """input with the dims `source` moved to positions `destination` (the others keep their order)."""
    tensor_input("movedim", input)
    ndim = input.array.ndim
    sources = normalize_dims("movedim", source, ndim)
    targets = normalize_dims("movedim", destination, ndim)
    if len(sources) != len(targets):
        raise RuntimeError(
            f"movedim: source ({len(sources)} dims) and destination ({len(targets)} dims) must have the same length"
        )
    if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination {destination}")
    order = [None] * ndim
    for s, t in zip(sources, targets):
        order[t] = s
    rest = iter(d for d in range(ndim) if d not in sources)
    axes = tuple(d if d is not None else next(rest) for d in order)
    return shape_ops.permute(input, axes)


moveaxis = movedim


def swapaxes(input: Any, axis0: int, axis1: int) -> Any:
    tensor_input("swapaxes", input)
    return shape_ops.transpose(input, axis0, axis1)


def swapdims(input: Any, dim0: int, dim1: int) -> Any:
    tensor_input("swapdims", input)
    return shape_ops.transpose(input, dim0, dim1)


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Any:
    """dim split into `sizes` (one of them may be −1)."""
    tensor_input("unflatten", input)
    shape = input.array.shape
    axis = normalize_dim("unflatten", dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or (
        -1 in sizes and (known == 0 or shape[axis] % known)
    ):
        raise RuntimeError(
            f"unflatten: sizes {sizes} don't multiply up to the size of dim {dim} ({shape[axis]}) of input "
            f"{tuple(shape)}"
        )
    return shape_ops.reshape(input, shape[:axis] + sizes + shape[axis + 1:])


def index_select(input: Any, dim: int, index: Any) -> Any:
    """The entries of input at positions `index` (1-D or 0-D integer tensor) along dim."""
    tensor_input("index_select", input)
    if not is_tensor(index) or index.array.dtype.kind not in "iu" or index.array.ndim > 1:
        got = f"{index.array.dtype} of shape {tuple(index.shape)}" if is_tensor(index) else type(index).__name__
        raise TypeError(f"index_select: index must be a 1-D integer (int64) tensor, got {got}")
    ndim = input.array.ndim
    axis = normalize_dim("index_select", dim, ndim)
    positions = index.array.reshape(-1)
    size = input.array.shape[axis] if ndim else 1
    if positions.size and (int(positions.min()) < 0 or int(positions.max()) >= size):
        raise IndexError(
            f"index_select: index out of range for dim {axis} of size {size} (input {tuple(input.shape)}); "
            f"indices must be in [0, {size})"
        )
    if ndim == 0:
        return index_ops.getitem(shape_ops.reshape(input, (1,)), positions).reshape(index.array.shape)
    return index_ops.getitem(input, (slice(None),) * axis + (positions,))


def repeat_interleave(
    input: Any, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Any:
    """Each entry (along dim; of the flattened input when dim is None) repeated `repeats` times in place.

    repeats is an int or a 1-D tensor of one count per entry. `repeat_interleave(counts)` alone repeats the
    positions 0..n−1, as in PyTorch.
    """
    tensor_input("repeat_interleave", input)
    if repeats is None:
        counts = input.array
        positions = np.arange(counts.shape[0]) if counts.ndim == 1 else None
        if positions is None or counts.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: counts must be a 1-D integer tensor, got shape {tuple(input.shape)}")
        return make_tensor(move(np.repeat(positions, move(counts, CPU)).astype(np.int64), device_of(counts)))
    if dim is None:
        input, axis = shape_ops.reshape(input, (-1,)), 0
    else:
        axis = normalize_dim("repeat_interleave", dim, input.array.ndim)
    length = input.array.shape[axis]
    counts = move(repeats.array, CPU) if is_tensor(repeats) else np.asarray(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, length)):
        raise RuntimeError(
            f"repeat_interleave: repeats must be an int or a 1-D integer tensor of {length} counts (the size of "
            f"dim {axis}), got {counts.dtype} of shape {counts.shape}"
        )
    if counts.size and int(counts.min()) < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    positions = np.repeat(np.arange(length), counts.reshape(-1) if counts.ndim else int(counts))
    return index_ops.getitem(input, (slice(None),) * axis + (positions,))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Any:
    """gather along dim after broadcasting input and indices in the other dims; dim None: of the flattened input."""
    tensor_input("take_along_dim", input)
    if not is_tensor(indices) or indices.array.dtype.kind not in "iu":
        got = indices.array.dtype if is_tensor(indices) else type(indices).__name__
        raise TypeError(f"take_along_dim: indices must be an integer (int64) tensor, got {got}")
    if dim is None:
        return index_ops.gather(shape_ops.reshape(input, (-1,)), 0, shape_ops.reshape(indices, (-1,)))
    if input.array.ndim != indices.array.ndim:
        raise RuntimeError(
            f"take_along_dim: input {tuple(input.shape)} and indices {tuple(indices.shape)} must have the same "
            "number of dims"
        )
    axis = normalize_dim("take_along_dim", dim, input.array.ndim)
    try:
        shape = np.broadcast_shapes(_without(input.array.shape, axis), _without(indices.array.shape, axis))
    except ValueError:
        raise RuntimeError(
            f"take_along_dim: input {tuple(input.shape)} and indices {tuple(indices.shape)} do not broadcast "
            f"outside dim {axis}"
        ) from None
    input = shape_ops.expand(input, _with(shape, axis, input.array.shape[axis]))
    index_shape = _with(shape, axis, indices.array.shape[axis])
    indices = make_tensor(namespace_of(indices.array).broadcast_to(indices.array, index_shape).copy())
    return index_ops.gather(input, axis, indices)


def _without(shape: tuple, axis: int) -> tuple:
    return shape[:axis] + (1,) + shape[axis + 1:]


def _with(shape: tuple, axis: int, size: int) -> tuple:
    return tuple(shape[:axis]) + (size,) + tuple(shape[axis + 1:])
