"""The NumPy buffers MPI reads and writes for a tensor: contiguous, in a dtype MPI can reduce.

MPI reduces neither float16 nor bool (MPICH: "MPI_Op operation not defined for this datatype"): float16 goes
through a float32 copy (each sum rounded once, at the end), bool through uint8, where SUM is MAX (logical or,
as torch's sum of bools saturates at True) and PRODUCT is MIN (logical and).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._mpi import mpi
from .reduce_op import ReduceOp

STAGED_AS = {np.dtype(np.float16): np.dtype(np.float32), np.dtype(np.bool_): np.dtype(np.uint8)}

# The codes of the dtypes in a collective's signature (signature.py): any fixed numbering that all ranks share.
DTYPE_CODES = {np.dtype(name): code for code, name in enumerate(
    ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"])}


def array_of(tensor: Any, op_name: str) -> np.ndarray:
    """The tensor's NumPy array; a clear error for what a CPU collective cannot take."""
    array = getattr(tensor, "array", None)
    if array is None:
        raise TypeError(f"{op_name}: expected a glassgrad Tensor, got {type(tensor).__name__}")
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{op_name}: the tensor is on {tensor.device}, but the 'mpi' backend moves CPU tensors "
                        f"only; call .cpu() first")  # fmt: skip
    if array.dtype not in DTYPE_CODES:
        raise TypeError(f"{op_name}: dtype {array.dtype} is not supported (supported: "
                        f"{', '.join(map(str, DTYPE_CODES))})")  # fmt: skip
    return array


def staged(array: np.ndarray) -> np.ndarray:
    """`array` itself when MPI can use it in place, else a contiguous copy in the dtype MPI reduces."""
    dtype = STAGED_AS.get(array.dtype, array.dtype)
    if dtype == array.dtype and array.flags.c_contiguous and array.flags.writeable:
        return array
    return np.ascontiguousarray(array, dtype=dtype)


def empty_staged(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=STAGED_AS.get(dtype, dtype))


def write_back(tensor: Any, result: np.ndarray) -> None:
    """Put a collective's result into the tensor, in place (a new version, as any in-place write)."""
    if result is not tensor.array:
        tensor.array[...] = result.astype(tensor.array.dtype, copy=False)
    tensor._version_counter[0] += 1


def mpi_op(op: ReduceOp, dtype: np.dtype, op_name: str) -> Any:
    """The MPI reduction for `op` on a tensor of `dtype` (AVG is SUM here; the caller divides)."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{op_name}: op must be a ReduceOp (ReduceOp.SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")
    MPI = mpi()
    if dtype == np.bool_:
        if op is ReduceOp.AVG:
            raise TypeError(f"{op_name}: ReduceOp.AVG needs a floating-point tensor, got bool")
        return {ReduceOp.SUM: MPI.MAX, ReduceOp.PRODUCT: MPI.MIN, ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]
    if op is ReduceOp.AVG and not np.issubdtype(dtype, np.inexact):
        raise TypeError(f"{op_name}: ReduceOp.AVG needs a floating-point tensor, got {dtype} (use ReduceOp.SUM "
                        f"and divide, or convert with .float())")  # fmt: skip
    if np.issubdtype(dtype, np.complexfloating) and op in (ReduceOp.MIN, ReduceOp.MAX):
        raise TypeError(f"{op_name}: {op!r} is not defined for complex tensors ({dtype})")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX}[op]  # fmt: skip


def averaged(buffer: np.ndarray, op: ReduceOp, world_size: int) -> None:
    """What AVG adds after the SUM: a division by the world size, in place."""
    if op is ReduceOp.AVG:
        buffer /= world_size
