"""The collectives of torch.distributed: all_reduce, broadcast, all_gather, all_gather_into_tensor,
reduce_scatter, reduce_scatter_tensor, barrier; on CPU tensors over MPI, on CUDA tensors over NCCL.

Each one (1) checks its arguments on this rank (a tensor on the device its group's backend moves), (2) checks
with the other ranks, over MPI, that they called the same collective on the same shape and dtype
(signature.py), (3) starts the transfer on staged buffers through the group's transport (_transport.py), and
(4) either waits for it (work.py: with the group's timeout, noticing dead ranks) or, with `async_op=True`,
returns the Work handle. Results are written into the given tensors in place, as PyTorch's.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..backend.device import namespace_of
from ._buffers import array_of, averaged, empty_staged, reduction, staged, write_back
from ._transport import Pending
from .process_group import ProcessGroup, resolve
from .reduce_op import ReduceOp
from .signature import check_same_on_all_ranks, signature
from .work import Work


def all_reduce(tensor: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor = op(tensor of rank 0, ..., tensor of rank N-1), on every rank, in place."""
    pg = resolve(group, "all_reduce")
    array = array_of(tensor, "all_reduce", pg.transport)
    how = reduction(op, array.dtype, "all_reduce")
    what = _begin(pg, "all_reduce", list(ReduceOp).index(op), array)
    buffer = staged(array)
    pending = pg.transport.all_reduce(buffer, how)

    def finish() -> None:
        averaged(buffer, how, pg.world_size, pg.transport)
        write_back(tensor, buffer)

    return _end(pg, pending, what, finish, async_op)


def broadcast(tensor: Any, src: int, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor = rank `src`'s tensor, on every rank, in place."""
    pg = resolve(group, "broadcast")
    array = array_of(tensor, "broadcast", pg.transport)
    _check_rank(pg, src, "broadcast", "src")
    what = _begin(pg, "broadcast", src, array)
    buffer = staged(array)
    pending = pg.transport.broadcast(buffer, src)
    return _end(pg, pending, what, lambda: write_back(tensor, buffer), async_op)


def all_gather(tensor_list: list[Any], tensor: Any, group: Any = None, async_op: bool = False) -> Work | None:
    """tensor_list[r] = rank r's tensor, on every rank."""
    pg = resolve(group, "all_gather")
    array = array_of(tensor, "all_gather", pg.transport)
    _check_outputs(pg, tensor_list, array, "all_gather", "tensor_list")
    what = _begin(pg, "all_gather", -1, array)
    gathered = empty_staged((pg.world_size, *array.shape), array)
    pending = pg.transport.all_gather(staged(array), gathered)

    def finish() -> None:
        for output, part in zip(tensor_list, gathered):
            write_back(output, part)

    return _end(pg, pending, what, finish, async_op)


def all_gather_into_tensor(output_tensor: Any, input_tensor: Any, group: Any = None, async_op: bool = False
                           ) -> Work | None:  # fmt: skip
    """output_tensor = the ranks' input tensors concatenated along dim 0 (or stacked, if its shape says so)."""
    pg = resolve(group, "all_gather_into_tensor")
    array = array_of(input_tensor, "all_gather_into_tensor", pg.transport)
    output = array_of(output_tensor, "all_gather_into_tensor", pg.transport)
    _check_combined(pg, output, array, "all_gather_into_tensor", "output_tensor", "input_tensor")
    what = _begin(pg, "all_gather_into_tensor", -1, array)
    gathered = staged(output)
    pending = pg.transport.all_gather(staged(array), gathered)
    return _end(pg, pending, what, lambda: write_back(output_tensor, gathered), async_op)


def reduce_scatter(output: Any, input_list: list[Any], op: ReduceOp = ReduceOp.SUM, group: Any = None,
                   async_op: bool = False) -> Work | None:  # fmt: skip
    """output = op over the ranks of their input_list[r], on rank r."""
    pg = resolve(group, "reduce_scatter")
    array = array_of(output, "reduce_scatter", pg.transport)
    _check_outputs(pg, input_list, array, "reduce_scatter", "input_list")
    how = reduction(op, array.dtype, "reduce_scatter")
    what = _begin(pg, "reduce_scatter", list(ReduceOp).index(op), array)
    xp = namespace_of(array)
    parts = xp.stack([staged(array_of(t, "reduce_scatter", pg.transport)) for t in input_list])
    return _reduce_scatter(pg, parts, output, array, how, what, async_op)


def reduce_scatter_tensor(output: Any, input: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None,
                          async_op: bool = False) -> Work | None:  # fmt: skip
    """output = op over the ranks of their input's r-th chunk along dim 0, on rank r."""
    pg = resolve(group, "reduce_scatter_tensor")
    array = array_of(output, "reduce_scatter_tensor", pg.transport)
    whole = array_of(input, "reduce_scatter_tensor", pg.transport)
    _check_combined(pg, whole, array, "reduce_scatter_tensor", "input", "output")
    how = reduction(op, array.dtype, "reduce_scatter_tensor")
    what = _begin(pg, "reduce_scatter_tensor", list(ReduceOp).index(op), array)
    return _reduce_scatter(pg, staged(whole), output, array, how, what, async_op)


def _reduce_scatter(pg: ProcessGroup, parts: Any, output: Any, array: Any, how: ReduceOp, what: str,
                    async_op: bool) -> Work | None:  # fmt: skip
    result = staged(array)
    pending = pg.transport.reduce_scatter(parts, result, how)

    def finish() -> None:
        averaged(result, how, pg.world_size, pg.transport)
        write_back(output, result)

    return _end(pg, pending, what, finish, async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank has reached its barrier."""
    pg = resolve(group, "barrier")
    what = _begin(pg, "barrier", -1, None)
    return _end(pg, pg.transport.barrier(), what, None, async_op)


# ---- the steps every collective shares -----------------------------------------------------------------------
def _begin(pg: ProcessGroup, kind: str, detail: int, array: Any) -> str:
    """Count the collective, name it for errors, and check that every rank calls it alike."""
    pg.collectives_run += 1
    shape = f" of shape {tuple(array.shape)}, {array.dtype}" if array is not None else ""
    what = f"{kind} #{pg.collectives_run}{shape} on rank {pg.rank} of {pg.world_size}"
    check_same_on_all_ranks(pg, what, signature(kind, detail, array))
    return what


def _end(pg: ProcessGroup, pending: Pending, what: str, finish: Callable[[], None] | None, async_op: bool
         ) -> Work | None:  # fmt: skip
    work = Work(pg, pending, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def _check_rank(pg: ProcessGroup, rank: int, op_name: str, name: str) -> None:
    if not isinstance(rank, (int, np.integer)) or not 0 <= rank < pg.world_size:
        raise ValueError(f"{op_name}: {name}={rank!r} is not a rank of this group (0 to {pg.world_size - 1})")


def _check_outputs(pg: ProcessGroup, tensors: list[Any], array: Any, op_name: str, name: str) -> None:
    """A list of one tensor per rank, each of `array`'s shape and dtype."""
    if len(tensors) != pg.world_size:
        raise ValueError(f"{op_name}: {name} has {len(tensors)} tensors; it needs one per rank "
                         f"(world size {pg.world_size})")  # fmt: skip
    for index, other in enumerate(tensors):
        part = array_of(other, op_name, pg.transport)
        if part.shape != array.shape or part.dtype != array.dtype:
            raise ValueError(f"{op_name}: {name}[{index}] has shape {tuple(part.shape)}, {part.dtype}, but the tensor "
                             f"has shape {tuple(array.shape)}, {array.dtype}; all must match")  # fmt: skip


def _check_combined(pg: ProcessGroup, whole: Any, part: Any, op_name: str, whole_name: str,
                    part_name: str) -> None:  # fmt: skip
    """`whole` is world_size parts of `part`'s shape, concatenated along dim 0 or stacked."""
    stacked = (pg.world_size, *part.shape)
    concatenated = (pg.world_size * part.shape[0], *part.shape[1:]) if part.ndim else stacked
    if whole.shape not in (stacked, concatenated) or whole.dtype != part.dtype:
        raise ValueError(f"{op_name}: {whole_name} has shape {tuple(whole.shape)}, {whole.dtype}; with {part_name} "
                         f"of shape {tuple(part.shape)}, {part.dtype} and {pg.world_size} ranks it must have shape "
                         f"{concatenated} (or {stacked}), {part.dtype}")  # fmt: skip
