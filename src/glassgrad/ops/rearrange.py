"""roll, meshgrid and narrow: composites of split, cat, expand and slicing (no Op of their own).

Each is written with differentiable primitives, so its gradient (and second derivative) is theirs:

    roll:      y = cat(x[n−s:], x[:n−s]) along each dim     dy/dx: the gradient rolled back by −s
    meshgrid:  yᵢ = xᵢ reshaped to lie along dim i, expanded to the grid   dyᵢ/dxᵢ: sum over the other dims
    narrow:    y = x[..., start:start+length, ...] (a view)  dy/dx: the gradient placed back in the slice
"""

from __future__ import annotations

import operator
from typing import Any

from ..autograd.tensor_factory import is_tensor
from .dims import normalize_dim, normalize_dims
from .index import getitem
from .shape import cat, expand, reshape, split


def _as_ints(name: str, label: str, value: Any) -> tuple[int, ...]:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{name}: {label} must be an int or a tuple of ints, got {value!r}") from None


def roll(x: Any, shifts: Any, dims: Any = None) -> Any:
    """x with its elements shifted by `shifts` along `dims`, those pushed off the end coming back at the start.

    With dims=None the tensor is flattened, rolled, and given its shape back. Always a new tensor (a copy).
    """
    shifts = _as_ints("roll", "shifts", shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(
                f"roll: shifts and dimensions must align: shifts has {len(shifts)} entries but dims is None "
                "(one shift of the flattened tensor); pass dims with one dim per shift"
            )
        return reshape(_roll_along(reshape(x, (-1,)), shifts, (0,)), x.array.shape)
    axes = normalize_dims("roll", _as_ints("roll", "dims", dims), x.array.ndim)
    if len(axes) != len(shifts):
        raise RuntimeError(
            f"roll: shifts and dimensions must align: {len(shifts)} shifts {shifts} for {len(axes)} dims {axes}"
        )
    if x.array.ndim == 0:  # one element: rolling changes nothing (dim 0 of a 0-d tensor, as PyTorch allows)
        return reshape(_roll_along(reshape(x, (1,)), shifts, axes), ())
    return _roll_along(x, shifts, axes)


def _roll_along(x: Any, shifts: tuple, axes: tuple) -> Any:
    result = x
    for shift, axis in zip(shifts, axes):  # a dim may repeat: its shifts add up, as in PyTorch
        size = result.array.shape[axis]
        kept = size - shift % size if size else size  # shift % size: a negative or large shift wraps around
        if kept == size:
            continue
        head, tail = split(result, [kept, size - kept], axis)
        result = cat([tail, head], axis)  # the last (size − kept) elements move to the front
    return result.clone() if result is x else result  # roll by 0 still returns a new tensor, as PyTorch


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple:
    """Coordinate grids of 0-d or 1-d tensors (n₀, n₁, ...): output i holds tensors[i] along dim i ("ij"),
    shape (n₀, n₁, ...). "xy" swaps the first two dims (shape (n₁, n₀, ...)), as NumPy's default.
    Accepts the tensors as arguments or as one list or tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing!r}')
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    for position, t in enumerate(tensors):
        if not is_tensor(t) or t.array.ndim > 1:
            got = f"shape {tuple(t.array.shape)}" if is_tensor(t) else type(t).__name__
            raise RuntimeError(f"meshgrid: expected 0-d or 1-d tensors, got {got} at position {position}")
    dtypes = {t.array.dtype for t in tensors}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"meshgrid: expects all tensors to have the same dtype, got {sorted(map(str, dtypes))}; cast them first"
        )
    # dim of the grid along which each input varies: i, with the first two swapped for "xy"
    along = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        along[0], along[1] = 1, 0
    grid = [0] * len(tensors)
    for t, dim in zip(tensors, along):
        grid[dim] = t.array.size
    # each input (nᵢ,) as (1, ..., nᵢ, ..., 1), then expanded (a broadcast view) to the whole grid
    return tuple(
        expand(reshape(t, tuple(-1 if d == dim else 1 for d in range(len(grid)))), tuple(grid))
        for t, dim in zip(tensors, along)
    )


def narrow(x: Any, dim: int, start: Any, length: Any) -> Any:
    """x[..., start:start+length, ...] along dim: a view sharing x's memory. start may be negative (from the
    end) or a 0-d integer tensor."""
    if x.array.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor; reshape it to 1-d first")
    axis = normalize_dim("narrow", dim, x.array.ndim)
    size = x.array.shape[axis]
    start = operator.index(start)
    length = operator.index(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = start % size if start < 0 else start
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dim {axis} "
            f"(input shape {tuple(x.array.shape)})"
        )
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))
