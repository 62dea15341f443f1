"""The buffers a transport reads and writes for a tensor: contiguous, in a dtype it can reduce.

NumPy arrays for the 'mpi' backend, CuPy arrays (on the rank's GPU) for 'nccl', staged alike. MPI reduces
neither float16 nor bool (MPICH: "MPI_Op operation not defined for this datatype"): float16 goes through a
float32 copy (each sum rounded once, at the end), bool through uint8, where SUM is MAX (logical or, as torch's
sum of bools saturates at True) and PRODUCT is MIN (logical and). NCCL has no bool either, and float16 takes
the float32 copy there too, so both backends round a float16 sum the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend.device import device_of, namespace_of
from .reduce_op import ReduceOp

STAGED_AS = {np.dtype(np.float16): np.dtype(np.float32), np.dtype(np.bool_): np.dtype(np.uint8)}

# The codes of the dtypes in a collective's signature (signature.py): any fixed numbering that all ranks share.
DTYPE_CODES = {np.dtype(name): code for code, name in enumerate(
    ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"])}


def array_of(tensor: Any, op_name: str, transport: Any) -> Any:
    """The tensor's array; a clear error for a tensor that `transport` cannot move (device, dtype)."""
    array = getattr(tensor, "array", None)
    if array is None:
        raise TypeError(f"{op_name}: expected a glassgrad Tensor, got {type(tensor).__name__}")
    where = device_of(array).type
    if where != transport.device_type:
        raise TypeError(_wrong_device(op_name, where, transport.name))
    if transport.device_index is not None and array.device.id != transport.device_index:
        raise TypeError(f"{op_name}: the tensor is on cuda:{array.device.id}, but this rank's NCCL communicator "
                        f"uses cuda:{transport.device_index}; call glassgrad.cuda.set_device(LOCAL_RANK) before "
                        f"init_process_group and create the tensors after it")  # fmt: skip
    if array.dtype not in DTYPE_CODES or array.dtype not in transport.dtypes:
        supported = ", ".join(str(d) for d in DTYPE_CODES if d in transport.dtypes)
        raise TypeError(f"{op_name}: dtype {array.dtype} is not supported by the '{transport.name}' backend "
                        f"(supported: {supported})")  # fmt: skip
    return array


def _wrong_device(op_name: str, where: str, backend: str) -> str:
    """PyTorch's "No backend type associated with device type cpu", with the two ways out."""
    if backend == "nccl":
        return (f"{op_name}: the tensor is on {where}, but the 'nccl' backend moves CUDA tensors only (no backend "
                f"type associated with device type {where}): move it with .cuda() (or .to('cuda')), or use "
                f"init_process_group(backend='mpi') for CPU tensors")  # fmt: skip
    return (f"{op_name}: the tensor is on {where}, but the '{backend}' backend moves CPU tensors only: call .cpu() "
            f"first, or use init_process_group(backend='nccl') for CUDA tensors")  # fmt: skip


def staged(array: Any) -> Any:
    """`array` itself when the transport can use it in place, else a contiguous copy in the dtype it reduces."""
    dtype = STAGED_AS.get(array.dtype, array.dtype)
    writeable = getattr(array.flags, "writeable", True)  # CuPy's arrays have no read-only flag
    if dtype == array.dtype and array.flags.c_contiguous and writeable:
        return array
    return namespace_of(array).ascontiguousarray(array, dtype=dtype)


def empty_staged(shape: tuple[int, ...], like: Any) -> Any:
    """An uninitialized buffer of `shape` for results of `like`'s dtype, on `like`'s device."""
    return namespace_of(like).empty(shape, dtype=STAGED_AS.get(like.dtype, like.dtype))


def write_back(tensor: Any, result: np.ndarray) -> None:
    """Put a collective's result into the tensor, in place (a new version, as any in-place write)."""
    if result is not tensor.array:
        tensor.array[...] = result.astype(tensor.array.dtype, copy=False)
    tensor._version_counter[0] += 1


def reduction(op: ReduceOp, dtype: np.dtype, op_name: str) -> ReduceOp:
    """The reduction a transport runs for `op` on a tensor of `dtype` (for bool, on its uint8 stand-in)."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{op_name}: op must be a ReduceOp (ReduceOp.SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")
    if dtype == np.bool_:
        if op is ReduceOp.AVG:
            raise TypeError(f"{op_name}: ReduceOp.AVG needs a floating-point tensor, got bool")
        return {ReduceOp.SUM: ReduceOp.MAX, ReduceOp.PRODUCT: ReduceOp.MIN}.get(op, op)
    if op is ReduceOp.AVG and not np.issubdtype(dtype, np.inexact):
        raise TypeError(f"{op_name}: ReduceOp.AVG needs a floating-point tensor, got {dtype} (use ReduceOp.SUM "
                        f"and divide, or convert with .float())")  # fmt: skip
    if np.issubdtype(dtype, np.complexfloating) and op in (ReduceOp.MIN, ReduceOp.MAX):
        raise TypeError(f"{op_name}: {op!r} is not defined for complex tensors ({dtype})")
    return op


def averaged(buffer: Any, op: ReduceOp, world_size: int, transport: Any) -> None:
    """What AVG adds after a transport's SUM: a division by the world size, in place (none if it averaged)."""
    if op is ReduceOp.AVG and not transport.averages:
        buffer /= world_size
