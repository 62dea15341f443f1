"""Shape ops: reshape, view, permute, expand, repeat, cat, stack, split, and copies between dtypes and devices.

None of these does arithmetic, so each backward only moves the gradient back into the input's layout.
The view ops (reshape when it needs no copy, permute, expand, split) return results that share the input's
memory; `is_view` lets in-place writes through them reach the input's graph (autograd/views.py), by way of
CopySlicesOp below.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..autograd.engine import apply_or_forward
from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor, make_tensor
from ..autograd.views import replay_on_array
from ..backend import device_of, move, namespace_of
from .arithmetic import cast
from .dims import normalize_dim, normalize_dims
from .index import IndexAddOp
from .promote import result_dtype
from .select import where


class ReshapeOp(Op):
    """y = x with a new shape (same elements, row-major order).   dy/dx: reshape the gradient back"""

    is_view = True  # when NumPy can reshape without a copy; a copy shares no memory and is no view

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class PermuteOp(Op):
    """y = x with its axes reordered.   dy/dx: apply the inverse permutation to the gradient"""

    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return namespace_of(grad).transpose(grad, tuple(np.argsort(ctx.axes))), None


class ExpandOp(Op):
    """y = x broadcast to a larger shape (a view).   dy/dx: the engine sums the gradient over the new axes"""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        if int(np.prod(shape)) == x.size:
            # Nothing is repeated (only sizes of 1 are added): a plain reshape is the same view and, unlike
            # broadcast_to's read-only result, can be written in place, as PyTorch allows.
            return x.reshape(shape)
        expanded = namespace_of(x).broadcast_to(x, shape)
        if getattr(x.flags, "writeable", False):
            # writeable (NumPy makes broadcasts read-only): PyTorch lets zero_/fill_/masked_fill_ write into an
            # expanded tensor; the other in-place ops are refused by Tensor's overlap check, not by NumPy
            expanded.flags.writeable = True
        return expanded

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class RepeatOp(Op):
    """y = x tiled `repeats` times along each axis.   dy/dx: sum the gradient over the copies"""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.repeats = repeats
        ctx.shape = (1,) * (len(repeats) - x.ndim) + x.shape
        return namespace_of(x).tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        repeats = ctx.repeats
        # (r0·s0, r1·s1, ...) -> (r0, s0, r1, s1, ...), then sum over the r axes
        split = [size for pair in zip(repeats, ctx.shape) for size in pair]
        summed = grad.reshape(split).sum(axis=tuple(range(0, 2 * len(repeats), 2)))
        return summed, None


class ConcatenateOp(Op):
    """y = [x₁, x₂, ...] joined along an axis.   dy/dxᵢ: the slice of the gradient where xᵢ landed"""

    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis, ctx.sizes = axis, [x.shape[axis] for x in xs]
        xp = namespace_of(xs[0])
        # Row-major whatever the inputs' layout (NumPy keeps a permuted input's order), as PyTorch's cat gives,
        # so that view() of the result works where PyTorch's does. A no-op for row-major inputs.
        return xp.ascontiguousarray(xp.concatenate(xs, axis=axis))

    @staticmethod
    def backward(ctx, grad):
        bounds = np.cumsum(ctx.sizes)[:-1]
        return (None, *namespace_of(grad).split(grad, bounds, axis=ctx.axis))


class StackOp(Op):
    """y = x₁, x₂, ... stacked along a new axis.   dy/dxᵢ: the i-th slice of the gradient along that axis"""

    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        xp = namespace_of(xs[0])
        return xp.ascontiguousarray(xp.stack(xs, axis=axis))  # row-major, as ConcatenateOp's (and PyTorch's)

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.axis
        xp = namespace_of(grad)
        return (None, *(xp.squeeze(part, axis) for part in xp.split(grad, grad.shape[axis], axis=axis)))


class SplitOp(Op):
    """(y₁, y₂, ...) = consecutive pieces of x along an axis.   dy/dx: the pieces' gradients joined again"""

    is_view = True  # several views of one input: in-place writes on them are refused (autograd/views.py)

    @staticmethod
    def forward(ctx, x, sizes, axis):
        ctx.axis = axis
        bounds = np.cumsum(sizes)[:-1]
        return tuple(namespace_of(x).split(x, bounds, axis=axis))

    @staticmethod
    def backward(ctx, *grads):
        return namespace_of(grads[0]).concatenate(grads, axis=ctx.axis), None, None


class CloneOp(Op):
    """y = a copy of x in new (C-contiguous) memory.   dy/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy(order="C")

    @staticmethod
    def backward(ctx, grad):
        return grad


class CopySlicesOp(Op):
    """y = base with the region that a view occupies replaced by v (an in-place write through the view).

    dy/dbase = 1 outside the region, 0 inside;  dy/dv = the gradient's region.
    `steps` are the view ops from the base to the view (autograd/views.py); forward writes v into the base's
    memory, so the result is the base's own array.
    """

    @staticmethod
    def forward(ctx, base, v, steps):
        ctx.steps = steps
        replay_on_array(steps, base)[...] = v
        return base

    @staticmethod
    def backward(ctx, grad):
        # an array, not grad.copy(): a summed 0-d gradient can be a NumPy scalar, and writes into a scalar's
        # region (below) would be lost
        grad_base = namespace_of(grad).array(grad, copy=True)
        region = replay_on_array(ctx.steps, grad_base)
        if region.base is grad_base:
            grad_v = region.copy()
            region[...] = 0
        else:  # a reshape in the steps had to copy on this layout: select the region by flat positions
            xp = namespace_of(grad)
            positions = replay_on_array(ctx.steps, xp.arange(grad.size).reshape(grad.shape))
            flat = grad_base.reshape(-1)  # (base.size,) view of the contiguous copy
            grad_v = flat[positions]
            flat[positions] = 0
        return grad_base, grad_v, None

    @staticmethod
    def reference(ctx, base, v, steps):
        """The same math from differentiable primitives (what create_graph=True differentiates): v scattered
        into the region's flat positions, and the base kept where the region is not."""
        xp = namespace_of(base.array)
        size = base.array.size
        positions = replay_on_array(steps, xp.arange(size).reshape(base.array.shape))  # the region, shaped as v
        inside = xp.zeros(size, dtype=bool)
        inside[positions.reshape(-1)] = True
        if tuple(v.shape) != positions.shape:
            v = expand(v, positions.shape)
        scattered = IndexAddOp.apply(v, positions, (size,), False)  # (base.size,): v at the region, 0 elsewhere
        flat = reshape(base, (size,))
        return reshape(where(make_tensor(inside), scattered, flat), base.array.shape)


class CopyOp(Op):
    """y = source broadcast to x's shape and cast to x's dtype (copy_, fill_, zero_): x's values are dropped.

    dy/dx = 0;  dy/dsource = 1 (the engine sums the gradient over broadcast dimensions and casts it to
    source's dtype). `source` is a tensor, a raw array or a number.
    """

    tensor_backward = True  # the backward below runs on Tensors too (create_graph=True)

    @staticmethod
    def forward(ctx, x, source):
        result = namespace_of(x).empty_like(x)
        result[...] = source  # casts and broadcasts; never reads x, so inf and nan in x do not leak through
        return result

    @staticmethod
    def backward(ctx, grad):
        grad_x = namespace_of(grad).zeros_like(grad) if ctx.needs_input_grad[0] else None
        return grad_x, grad


class ToDeviceOp(Op):
    """y = x copied to another device.   dy/dx = 1 (the gradient is copied back)"""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = device_of(x)
        return move(x, device)

    @staticmethod
    def backward(ctx, grad):
        return apply_or_forward(ToDeviceOp, grad, ctx.source), None


def reshape(x: Any, shape: tuple) -> Any:
    """x with `shape`, where one entry may be −1 (inferred): a view where the strides allow, else a copy."""
    shape = _resolve_shape("reshape", x, shape)
    # Even a reshape to the same shape is a new view tensor (one node), as in PyTorch: returning x itself
    # would share x's retain_grad, hooks and grad_fn with the result.
    return ReshapeOp.apply(x, shape)


def view(x: Any, shape: tuple) -> Any:
    """x with `shape` (one entry may be −1), always sharing x's memory: an error where that needs a copy."""
    shape = _resolve_shape("view", x, shape)
    array = x.array
    strides = tuple(s // array.itemsize for s in array.strides)
    if not _viewable(array.shape, strides, shape):
        raise RuntimeError(
            f"view: shape {shape} is not compatible with the input's shape {tuple(array.shape)} and strides "
            f"{strides} (in elements): at least one dimension spans across two contiguous subspaces, so the "
            f"result could not share the input's memory. Use .reshape({', '.join(map(str, shape))}) instead (it "
            "copies when needed)"
        )
    result = ReshapeOp.apply(x, shape)
    assert array.size == 0 or result.array.base is not None, "view: NumPy copied a reshape the strides allow"
    return result


def _resolve_shape(name: str, x: Any, shape: tuple) -> tuple:
    """`shape` with its −1 entry (if any) inferred from x's size, after checking it fits."""
    shape = _int_sizes(name, shape)
    size = x.array.size
    known = int(np.prod([s for s in shape if s != -1])) if shape else 1
    inferred = shape.count(-1)
    if inferred > 1 or any(s < -1 for s in shape):
        raise ValueError(f"{name}: invalid shape {shape}: at most one −1 and no other negative sizes")
    if (inferred and (known == 0 or size % known)) or (not inferred and known != size):
        raise ValueError(
            f"{name}: shape {shape} is invalid for input of size {size} (input shape {tuple(x.array.shape)})"
        )
    if inferred:
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape


def _viewable(shape: tuple, strides: tuple, new_shape: tuple) -> bool:
    """Whether memory laid out as (shape, strides) can be read as new_shape without a copy (PyTorch's
    computeStride): each run of new dimensions must fall inside one contiguous chunk of the old ones."""
    if not shape or 0 in shape:
        return True
    new_dim = len(new_shape) - 1
    chunk_stride = strides[-1]  # stride of the innermost dimension of the current contiguous chunk
    chunk_numel = 1  # elements of that chunk, walking the old dimensions from the last
    view_numel = 1  # elements of the new dimensions matched to it so far
    for dim in range(len(shape) - 1, -1, -1):
        chunk_numel *= shape[dim]
        if dim > 0 and (shape[dim - 1] == 1 or strides[dim - 1] == chunk_numel * chunk_stride):
            continue  # dim - 1 continues the chunk
        while new_dim >= 0 and (view_numel < chunk_numel or new_shape[new_dim] == 1):
            view_numel *= new_shape[new_dim]
            new_dim -= 1
        if view_numel != chunk_numel:
            return False
        if dim > 0:
            chunk_stride = strides[dim - 1]
            chunk_numel = 1
            view_numel = 1
    return new_dim == -1


def permute(x: Any, dims: tuple) -> Any:
    dims = _int_sizes("permute", dims)
    ndim = x.array.ndim
    axes = tuple(int(d) % ndim if -ndim <= d < ndim else d for d in dims) if ndim else tuple(dims)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the {ndim} dims of shape {x.shape}")
    return PermuteOp.apply(x, axes)


def transpose(x: Any, dim0: int, dim1: int) -> Any:
    ndim = x.array.ndim
    # a 0-d tensor accepts dims -1 and 0 only (as one of 1 dim, like PyTorch) and gives a new view of itself
    a, b = normalize_dims("transpose", (dim0, dim1), ndim)
    if ndim == 0:
        return PermuteOp.apply(x, ())
    axes = list(range(ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return PermuteOp.apply(x, tuple(axes))


def expand(x: Any, sizes: tuple) -> Any:
    """x broadcast to `sizes`, where −1 keeps a size; new leading dimensions may be added."""
    sizes = _int_sizes("expand", sizes)
    shape = x.array.shape
    if len(sizes) < len(shape):
        raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the number of dims {shape}")
    lead = len(sizes) - len(shape)
    target = tuple(
        shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
    )
    for i, size in enumerate(shape):
        if size != 1 and size != target[i + lead]:
            raise ValueError(
                f"expand: the size of dim {i} ({size}) must match the expanded size ({target[i + lead]}) or be 1 "
                f"(input shape {shape}, target {sizes})"
            )
    return ExpandOp.apply(x, target)


def repeat(x: Any, repeats: tuple) -> Any:
    repeats = _int_sizes("repeat", repeats)
    if len(repeats) < x.array.ndim:
        raise ValueError(
            f"repeat: the number of repeats ({len(repeats)}) cannot be smaller than the number of dims ({x.array.ndim})"
        )
    return RepeatOp.apply(x, repeats)


def squeeze(x: Any, dim: Any = None) -> Any:
    shape = x.array.shape
    axes = normalize_dims("squeeze", dim, len(shape)) if dim is not None else tuple(range(len(shape)))
    new_shape = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(x, new_shape)


def unsqueeze(x: Any, dim: int) -> Any:
    ndim = x.array.ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(
            f"unsqueeze: dimension out of range (expected to be in range of [{-ndim - 1}, {ndim}], but got {dim})"
        )
    axis = dim % (ndim + 1)
    shape = x.array.shape
    return reshape(x, shape[:axis] + (1,) + shape[axis:])


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    shape = x.array.shape
    start = normalize_dim("flatten", start_dim, len(shape))
    end = normalize_dim("flatten", end_dim, len(shape))
    if not shape:
        return reshape(x, (1,))
    if start > end:
        raise ValueError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim}) for shape {shape}")
    if start == end:
        return x  # nothing to flatten: PyTorch returns the input itself here (not a view)
    flat = int(np.prod(shape[start : end + 1]))  # not −1: with a 0 elsewhere in the shape it would be ambiguous
    return reshape(x, shape[:start] + (flat,) + shape[end + 1 :])


def _same_everything(name: str, tensors: list) -> list:
    """Check a list of tensors for cat/stack and promote them to one dtype."""
    if is_tensor(tensors):  # iterating one tensor would silently cat its rows
        raise TypeError(f"{name}: expected a list or tuple of tensors, got one Tensor; pass [tensor, ...]")
    tensors = list(tensors)
    if len(tensors) == 0:
        raise ValueError(f"{name}: expected a non-empty list of tensors")
    for t in tensors:
        if not is_tensor(t):
            raise TypeError(f"{name}: expected a list of tensors, got an element of type {type(t).__name__}")
    dtype = result_dtype(*tensors)
    return [cast(t, dtype) for t in tensors]


def cat(tensors: list, dim: int = 0) -> Any:
    tensors = _same_everything("cat", tensors)
    for position, t in enumerate(tensors):
        if t.array.ndim == 0:
            raise ValueError(
                f"cat: zero-dimensional tensor (at position {position}) cannot be concatenated; use stack, or "
                "unsqueeze(0) each tensor first"
            )
    reference = tensors[0].array.shape
    axis = normalize_dim("cat", dim, len(reference))
    for t in tensors[1:]:
        shape = t.array.shape
        if len(shape) != len(reference) or any(a != b for i, (a, b) in enumerate(zip(shape, reference)) if i != axis):
            raise ValueError(
                f"cat: sizes of tensors must match except in dimension {dim}: got shapes "
                f"{[tuple(x.array.shape) for x in tensors]}"
            )
    return ConcatenateOp.apply(axis, *tensors)


def stack(tensors: list, dim: int = 0) -> Any:
    tensors = _same_everything("stack", tensors)
    reference = tensors[0].array.shape
    for t in tensors[1:]:
        if t.array.shape != reference:
            raise ValueError(
                f"stack: expects each tensor to be equal size, got shapes {[tuple(x.array.shape) for x in tensors]}"
            )
    axis = normalize_dim("stack", dim, len(reference) + 1)  # the new dim may go anywhere, also last
    return StackOp.apply(axis, *tensors)


def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of `split_size` each (the last may be smaller), or of the listed sizes, as torch.split."""
    _at_least_1d("split", x)
    axis = normalize_dim("split", dim, x.array.ndim)
    length = x.array.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        # an empty dim still gives one (empty) piece, as in PyTorch
        sizes = [size] * (length // size) + ([length % size] if length % size else []) or [0]
    elif isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(_int_sizes("split", split_size_or_sections))
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, but dim {dim} has size {length}")
    else:
        raise TypeError(
            f"split: split_size_or_sections must be an int or a list of ints, got "
            f"{type(split_size_or_sections).__name__} {split_size_or_sections!r}"
        )
    # One piece is still a new view (a multi-output one, so in-place writes on it are refused), as in PyTorch.
    return SplitOp.apply(x, sizes, axis)


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple:
    """`chunks` pieces of ceil(size / chunks) each (fewer if they run out), as torch.chunk."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk: chunks must be an int, got {type(chunks).__name__} {chunks!r}")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    _at_least_1d("chunk", x)
    axis = normalize_dim("chunk", dim, x.array.ndim)
    length = x.array.shape[axis]
    if length == 0:  # PyTorch gives `chunks` empty pieces of an empty dim
        return SplitOp.apply(x, [0] * chunks, axis)
    return split(x, -(-length // chunks), axis)


def _at_least_1d(name: str, x: Any) -> None:
    if x.array.ndim == 0:
        raise ValueError(f"{name}: expects at least a 1-dimensional tensor, got a 0-d one; unsqueeze(0) it first")


def _int_sizes(name: str, sizes: tuple) -> tuple[int, ...]:
    """Sizes as ints; a float or a string is refused (int() would truncate 2.5 or fail with Python's message)."""
    try:
        return tuple(operator.index(s) for s in sizes)
    except TypeError:
        raise TypeError(f"{name}: sizes must be ints, got {tuple(sizes)!r}") from None
