"""The check before each collective that every rank called the same one on the same shape and dtype.

MPI trusts its callers: an all_reduce of 3 floats on one rank and 4 on another reads past a buffer or hangs.
So before the data moves, the ranks all-gather a small signature (which collective, its op or source rank, the
dtype, the shape) and each compares them; on a mismatch every rank raises the same error, naming each rank's
call. The signature is one more small collective, measured in tests/distributed/test_collectives.py (README.md
beside this file gives the numbers). DDP's buckets skip it: their shapes are checked once, at construction.
"""

from __future__ import annotations

import numpy as np

from ._buffers import DTYPE_CODES
from .process_group import ProcessGroup
from .reduce_op import ReduceOp
from .work import wait_for

KINDS = ["all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
         "reduce_scatter_tensor", "barrier"]  # fmt: skip
SHAPE_SLOTS = 8  # dimensions compared one by one; beyond them, the number of elements still is
_NAMES_OF_DTYPES = {code: str(dtype) for dtype, code in DTYPE_CODES.items()}


def signature(kind: str, detail: int, array: np.ndarray | None) -> np.ndarray:
    """[kind, detail (op index in ReduceOp, or src rank), dtype, ndim, numel, shape...] as int64; -1: unused."""
    row = np.full(5 + SHAPE_SLOTS, -1, dtype=np.int64)
    row[0] = KINDS.index(kind)
    row[1] = detail
    if array is not None:
        row[2] = DTYPE_CODES[array.dtype]
        row[3] = array.ndim
        row[4] = array.size
        shape = array.shape[:SHAPE_SLOTS]
        row[5 : 5 + len(shape)] = shape
    return row


def check_same_on_all_ranks(group: ProcessGroup, what: str, row: np.ndarray) -> None:
    """All-gather the signature rows and raise ValueError, on every rank alike, if any rank's differs."""
    rows = np.empty((group.world_size, row.size), dtype=np.int64)
    request = group.comm.Iallgather(row, rows)
    wait_for(group, [request], f"{what} (the check that all ranks call it alike)")
    if (rows == rows[0]).all():
        return
    calls = "; ".join(f"rank {rank}: {_describe(r)}" for rank, r in enumerate(rows))
    raise ValueError(f"{what}: the ranks' calls differ ({calls}). Every rank must call the same collectives in "
                     f"the same order, with tensors of one shape and dtype.")  # fmt: skip


def _describe(row: np.ndarray) -> str:
    kind = KINDS[int(row[0])]
    if row[2] < 0:
        return kind
    ndim = int(row[3])
    shape = tuple(int(d) for d in row[5 : 5 + min(ndim, SHAPE_SLOTS)])
    shown = str(shape) if ndim <= SHAPE_SLOTS else f"{shape[:-1]}..., {ndim} dims, {int(row[4])} elements"
    detail = ""
    if row[1] >= 0:
        detail = f", src {int(row[1])}" if kind == "broadcast" else f", op {list(ReduceOp)[int(row[1])].name}"
    return f"{kind} of shape {shown}, {_NAMES_OF_DTYPES[int(row[2])]}{detail}"
