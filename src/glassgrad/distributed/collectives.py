"""The collectives of torch.distributed on CPU tensors, over MPI: all_reduce, broadcast, all_gather,
all_gather_into_tensor, reduce_scatter, reduce_scatter_tensor, barrier.

Each one (1) checks its arguments on this rank, (2) checks with the other ranks that they called the same
collective on the same shape and dtype (signature.py), (3) starts the non-blocking MPI operation on NumPy
buffers, and (4) either waits for it (work.py: with the group's timeout, noticing dead ranks) or, with
`async_op=True`, returns the Work handle. Results are written into the given tensors in place, as PyTorch's.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._buffers import array_of, averaged, empty_staged, mpi_op, staged, write_back
from ._mpi import mpi
from .process_group import ProcessGroup, resolve
from .reduce_op import ReduceOp
from .signature import check_same_on_all_ranks, signature
from .work import Work


def all_reduce(tensor: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor = op(tensor of rank 0, ..., tensor of rank N-1), on every rank, in place."""
    pg = resolve(group, "all_reduce")
    array = array_of(tensor, "all_reduce")
    reduction = mpi_op(op, array.dtype, "all_reduce")
    what = _begin(pg, "all_reduce", list(ReduceOp).index(op), array)
    buffer = staged(array)
    request = pg.comm.Iallreduce(mpi().IN_PLACE, buffer, op=reduction)

    def finish() -> None:
        averaged(buffer, op, pg.world_size)
        write_back(tensor, buffer)

    return _end(pg, [request], what, finish, async_op)


def broadcast(tensor: Any, src: int, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor = rank `src`'s tensor, on every rank, in place."""
    pg = resolve(group, "broadcast")
    array = array_of(tensor, "broadcast")
    _check_rank(pg, src, "broadcast", "src")
    what = _begin(pg, "broadcast", src, array)
    buffer = staged(array)
    request = pg.comm.Ibcast(buffer, root=src)
    return _end(pg, [request], what, lambda: write_back(tensor, buffer), async_op)


def all_gather(tensor_list: list[Any], tensor: Any, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor_list[r] = rank r's tensor, on every rank."""
    pg = resolve(group, "all_gather")
    array = array_of(tensor, "all_gather")
    _check_outputs(pg, tensor_list, array, "all_gather", "tensor_list")
    what = _begin(pg, "all_gather", -1, array)
    gathered = empty_staged((pg.world_size, *array.shape), array.dtype)
    request = pg.comm.Iallgather(staged(array), gathered)

    def finish() -> None:
        for output, part in zip(tensor_list, gathered):
            write_back(output, part)

    return _end(pg, [request], what, finish, async_op)


def all_gather_into_tensor(output_tensor: Any, input_tensor: Any, group: Any = None, async_op: bool = False
                           ) -> Work | None:  # fmt: skip
    """output_tensor = the ranks' input tensors concatenated along dim 0 (or stacked, if its shape says so)."""
    pg = resolve(group, "all_gather_into_tensor")
    array = array_of(input_tensor, "all_gather_into_tensor")
    output = array_of(output_tensor, "all_gather_into_tensor")
    _check_combined(pg, output, array, "all_gather_into_tensor", "output_tensor", "input_tensor")
    what = _begin(pg, "all_gather_into_tensor", -1, array)
    gathered = staged(output)
    request = pg.comm.Iallgather(staged(array), gathered)
    return _end(pg, [request], what, lambda: write_back(output_tensor, gathered), async_op)


def reduce_scatter(output: Any, input_list: list[Any], op: ReduceOp = ReduceOp.SUM, group: Any = None,
                   async_op: bool = False) -> Work | None:  # fmt: skip
    """output = op over the ranks of their input_list[r], on rank r."""
    pg = resolve(group, "reduce_scatter")
    array = array_of(output, "reduce_scatter")
    _check_outputs(pg, input_list, array, "reduce_scatter", "input_list")
    reduction = mpi_op(op, array.dtype, "reduce_scatter")
    what = _begin(pg, "reduce_scatter", list(ReduceOp).index(op), array)
    parts = np.stack([staged(array_of(t, "reduce_scatter")) for t in input_list]) if input_list else None
    return _reduce_scatter(pg, parts, output, array, op, reduction, what, async_op)


def reduce_scatter_tensor(output: Any, input: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None,
                          async_op: bool = False) -> Work | None:  # fmt: skip
    """output = op over the ranks of their input's r-th chunk along dim 0, on rank r."""
    pg = resolve(group, "reduce_scatter_tensor")
    array = array_of(output, "reduce_scatter_tensor")
    whole = array_of(input, "reduce_scatter_tensor")
    _check_combined(pg, whole, array, "reduce_scatter_tensor", "input", "output")
    reduction = mpi_op(op, array.dtype, "reduce_scatter_tensor")
    what = _begin(pg, "reduce_scatter_tensor", list(ReduceOp).index(op), array)
    return _reduce_scatter(pg, staged(whole), output, array, op, reduction, what, async_op)


def _reduce_scatter(pg: ProcessGroup, parts: np.ndarray | None, output: Any, array: np.ndarray, op: ReduceOp,
                    reduction: Any, what: str, async_op: bool) -> Work | None:  # fmt: skip
    result = staged(array)
    request = pg.comm.Ireduce_scatter_block(parts, result, op=reduction)

    def finish() -> None:
        averaged(result, op, pg.world_size)
        write_back(output, result)

    return _end(pg, [request], what, finish, async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank has reached its barrier."""
    pg = resolve(group, "barrier")
    what = _begin(pg, "barrier", -1, None)
    return _end(pg, [pg.comm.Ibarrier()], what, None, async_op)


# ---- the steps every collective shares -----------------------------------------------------------------------
def _begin(pg: ProcessGroup, kind: str, detail: int, array: np.ndarray | None) -> str:
    """Count the collective, name it for errors, and check that every rank calls it alike."""
    pg.collectives_run += 1
    shape = f" of shape {tuple(array.shape)}, {array.dtype}" if array is not None else ""
    what = f"{kind} #{pg.collectives_run}{shape} on rank {pg.rank} of {pg.world_size}"
    check_same_on_all_ranks(pg, what, signature(kind, detail, array))
    return what


def _end(pg: ProcessGroup, requests: list[Any], what: str, finish: Callable[[], None] | None, async_op: bool
         ) -> Work | None:  # fmt: skip
    work = Work(pg, requests, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def _check_rank(pg: ProcessGroup, rank: int, op_name: str, name: str) -> None:
    if not isinstance(rank, (int, np.integer)) or not 0 <= rank < pg.world_size:
        raise ValueError(f"{op_name}: {name}={rank!r} is not a rank of this group (0 to {pg.world_size - 1})")


def _check_outputs(pg: ProcessGroup, tensors: list[Any], array: np.ndarray, op_name: str, name: str) -> None:
    """A list of one tensor per rank, each of `array`'s shape and dtype."""
    if len(tensors) != pg.world_size:
        raise ValueError(f"{op_name}: {name} has {len(tensors)} tensors; it needs one per rank "
                         f"(world size {pg.world_size})")  # fmt: skip
    for index, other in enumerate(tensors):
        part = array_of(other, op_name)
        if part.shape != array.shape or part.dtype != array.dtype:
            raise ValueError(f"{op_name}: {name}[{index}] has shape {tuple(part.shape)}, {part.dtype}, but the tensor "
                             f"has shape {tuple(array.shape)}, {array.dtype}; all must match")  # fmt: skip


def _check_combined(pg: ProcessGroup, whole: np.ndarray, part: np.ndarray, op_name: str, whole_name: str,
                    part_name: str) -> None:  # fmt: skip
    """`whole` is world_size parts of `part`'s shape, concatenated along dim 0 or stacked."""
    stacked = (pg.world_size, *part.shape)
    concatenated = (pg.world_size * part.shape[0], *part.shape[1:]) if part.ndim else stacked
    if whole.shape not in (stacked, concatenated) or whole.dtype != part.dtype:
        raise ValueError(f"{op_name}: {whole_name} has shape {tuple(whole.shape)}, {whole.dtype}; with {part_name} "
                         f"of shape {tuple(part.shape)}, {part.dtype} and {pg.world_size} ranks it must have shape "
                         f"{concatenated} (or {stacked}), {part.dtype}")  # fmt: skip
