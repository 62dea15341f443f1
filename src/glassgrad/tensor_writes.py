"""Checks an in-place write makes before it writes: PyTorch's refusals of memory that several elements share,
of read-only memory and of sources that overlap the destination, and that the result fits the tensor.

Tensor's in-place methods and index assignment call these; they read arrays and raise, never write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .autograd.tensor_factory import is_tensor
from .backend import from_numpy_dtype, namespace_of
from .ops import index as index_ops

if TYPE_CHECKING:  # annotations only: tensor.py imports this module
    from .tensor import Tensor


# In-place writes that PyTorch lets write into memory that several elements share (an expanded tensor): the
# fills, since every element gets the same value whichever write lands last. (An index assignment into an
# expanded tensor stays refused unless it selects nothing: glassgrad writes the whole result back, which would
# undo the write where elements share memory.)
_FILLS = ("zero_", "fill_", "masked_fill_")


def check_writable(tensor: Tensor, name: str) -> None:
    """Refuse in-place writes into memory that several elements share (after expand) or that is read-only."""
    array = tensor.array
    strides = array.strides
    if 0 in strides and array.size and name not in _FILLS and _has_internal_overlap(array):
        raise RuntimeError(_internal_overlap_message(name, array))
    if not getattr(array.flags, "writeable", True):  # CuPy's flags have no `writeable`: its arrays are writeable
        raise RuntimeError(
            f"{name}: the tensor's memory (shape {tuple(array.shape)}) is read-only (e.g. it wraps a read-only "
            "NumPy array); clone() the tensor before performing the operation"
        )


def writes_into_shared_memory(array: Any) -> bool:
    """Elements that share memory (after expand) or memory that cannot be written. NumPy gives every result with
    no elements zero strides: a writable empty array is an ordinary tensor, whose write is recorded as usual."""
    if array.size == 0 and getattr(array.flags, "writeable", True):
        return False
    return _has_internal_overlap(array)


def _has_internal_overlap(array: Any) -> bool:
    return any(stride == 0 and size > 1 for size, stride in zip(array.shape, array.strides))


def _memory_overlap(a: Any, b: Any) -> str:
    """PyTorch's get_overlap_status for two arrays: "full" (the same elements in the same layout), "partial"
    (some memory in common otherwise), "no", or "too hard" (a layout with gaps or repeats: not checked)."""
    if a.size == 0 or b.size == 0:
        return "no"
    if not (_dense(a) and _dense(b)):
        return "too hard"
    a_begin = _data_pointer(a)
    b_begin = _data_pointer(b)
    a_end = a_begin + a.nbytes
    b_end = b_begin + b.nbytes
    if a_begin == b_begin and a_end == b_end:
        return "full" if _same_layout(a, b) else "partial"  # a 0-d tensor and its unsqueeze(0): partial
    return "partial" if a_begin < b_end and b_begin < a_end else "no"


def _same_layout(a: Any, b: Any) -> bool:
    """The same elements at the same positions: one shape, and one stride for every dim longer than 1. A size-1
    dim's stride names no second element, so it is not compared. (PyTorch compares it, and NumPy and PyTorch
    set it differently, so PyTorch refuses a few writes that are well defined, such as `t[None, :] = t.view(s)`
    of one element; glassgrad allows those: the source and its destination are the same elements.)"""
    if a.shape != b.shape:
        return False
    return all(size == 1 or stride_a == stride_b for size, stride_a, stride_b in zip(a.shape, a.strides, b.strides))


def _dense(array: Any) -> bool:
    """Whether the elements fill a block of memory exactly once, in some order of the dims."""
    expected = array.itemsize
    for stride, size in sorted((abs(st), sz) for st, sz in zip(array.strides, array.shape) if sz != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _data_pointer(array: Any) -> int:
    """The address of the first element (in memory order: a negative stride starts below the view's origin)."""
    pointer = array.__array_interface__["data"][0] if isinstance(array, np.ndarray) else array.data.ptr
    return pointer + sum((size - 1) * stride for size, stride in zip(array.shape, array.strides) if stride < 0)


def check_no_partial_overlap(tensor: Tensor, source: Tensor, name: str) -> None:
    """An in-place op may read its destination's own elements (x.add_(x)), but not a shifted or reshaped
    alias of them (x.add_(x.unsqueeze(0))): the result would depend on the order elements are written in.
    PyTorch refuses that, and so does glassgrad."""
    if _memory_overlap(tensor.array, source.array) == "partial":
        raise RuntimeError(_overlap_message(name))


def check_setitem(tensor: Tensor, key: Any, value: Any) -> bool:
    """x[key] = v: a basic key writes a view of x (PyTorch's copy_: refused on a partial overlap with v), an
    advanced key scatters (PyTorch's index_put_: refused on any overlap with v or another dtype, unless it is
    a masked fill). Returns whether a basic key selects no element."""
    parts, basic = index_ops.normalize_key("index assignment", key, tensor.array.shape)
    if basic:
        if not any(part is Ellipsis for part in parts):
            parts = parts + (Ellipsis,)  # a 0-d view, not NumPy's scalar copy, for a single element
        try:
            region = tensor.array[parts]
        except IndexError:
            return False  # the write itself reports the bad key
        source = _copied_source(value.array, region) if is_tensor(value) else None
        if source is None and is_tensor(value) and value.ndim:
            # PyTorch's rule (its copy_to): the value, leading 1s dropped, must broadcast to the region. NumPy
            # would also take an empty value of another shape into an empty region, silently.
            raise ValueError(
                f"index assignment: shape mismatch: value tensor of shape {value.shape} cannot be broadcast to "
                f"indexing result of shape {tuple(region.shape)}"
            )
        if source is not None and _memory_overlap(region, source) == "partial":
            raise RuntimeError(_overlap_message("index assignment"))
        return region.size == 0
    elif is_tensor(value) and not _is_masked_fill(parts, value):
        if _memory_overlap(tensor.array, value.array) in ("full", "partial"):
            raise RuntimeError(_overlap_message("index assignment"))
        if value.array.dtype != tensor.array.dtype:  # index_put_ does not cast, as copy_ does
            raise RuntimeError(
                f"index assignment: index put requires the source and destination dtypes match, got "
                f"{tensor.dtype} for the destination and {value.dtype} for the source; cast the value with "
                f".to({tensor.dtype}) first"
            )
    return False


def _internal_overlap_message(name: str, array: Any) -> str:
    return (
        f"{name}: unsupported operation: more than one element of the written-to tensor (shape "
        f"{tuple(array.shape)}, strides {array.strides} in bytes) refers to a single memory location, as "
        "after expand(). Please clone() the tensor before performing the operation"
    )


def _copied_source(source: Any, region: Any) -> Any:
    """The source as PyTorch's setitem copies it into the region (its copy_to): the source itself, or the
    source with its leading size-1 dims dropped and expanded to the region's shape (a broadcast view; where it
    repeats elements the overlap check finds it "too hard" and passes, as PyTorch's). None where PyTorch checks
    no overlap: a 0-d source (a fill), or one that does not broadcast (the write itself reports that)."""
    if source.ndim == 0:
        return None
    if source.shape == region.shape:
        return source
    trimmed = source.reshape(index_ops._without_leading_ones(source.shape))
    try:
        return namespace_of(source).broadcast_to(trimmed, region.shape)
    except ValueError:
        return None


def _is_masked_fill(parts: tuple, value: Tensor) -> bool:
    """x[mask] = v with one bool mask and a one-element v: PyTorch runs masked_fill_ with v's number instead of
    index_put_, so there is no overlap to check."""
    arrays = [part for part in parts if hasattr(part, "dtype")]
    return value.array.size == 1 and len(arrays) == 1 and arrays[0].dtype.kind == "b"


def _overlap_message(name: str) -> str:
    return (
        f"{name}: unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
        "single memory location. Please clone() the tensor before performing the operation"
    )


def check_in_place_result(tensor: Tensor, name: str, result: Tensor) -> None:
    """The result of an in-place op must keep the tensor's shape, and its dtype must cast to the tensor's."""
    if not np.can_cast(result.array.dtype, tensor.array.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}: result type {from_numpy_dtype(result.array.dtype)} can't be cast to the desired "
            f"output type {tensor.dtype}"
        )
    if result.array.shape != tensor.array.shape:
        raise ValueError(
            f"{name}: the result has shape {result.array.shape}, which does not fit the tensor's shape "
            f"{tensor.array.shape} for an in-place write"
        )


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    return all(size in (1, goal) for size, goal in zip(reversed(shape), reversed(target)))
