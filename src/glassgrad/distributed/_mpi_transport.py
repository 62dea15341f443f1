"""The 'mpi' transport: the collectives as MPI's non-blocking calls (Iallreduce, Ibcast, ...) on NumPy buffers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._buffers import DTYPE_CODES
from ._mpi import mpi
from .reduce_op import ReduceOp


class MpiRequests:
    """MPI requests as a Pending: done once all of them have completed."""

    def __init__(self, requests: list[Any]) -> None:
        self.requests = requests

    def done(self) -> bool:
        return bool(mpi().Request.Testall(self.requests))


def _op(op: ReduceOp) -> Any:
    """MPI's reduction for `op`; AVG is MPI's SUM (the caller divides: `averages` is False)."""
    MPI = mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX}[op]  # fmt: skip


class MpiTransport:
    """Moves CPU tensors' NumPy buffers over the group's own MPI communicator."""

    name = "mpi"
    device_type = "cpu"
    device_index = None
    dtypes: frozenset[np.dtype] = frozenset(DTYPE_CODES)
    averages = False

    def __init__(self, comm: Any) -> None:
        self.comm = comm

    def all_reduce(self, buffer: np.ndarray, op: ReduceOp) -> MpiRequests:
        return MpiRequests([self.comm.Iallreduce(mpi().IN_PLACE, buffer, op=_op(op))])

    def broadcast(self, buffer: np.ndarray, src: int) -> MpiRequests:
        return MpiRequests([self.comm.Ibcast(buffer, root=src)])

    def all_gather(self, part: np.ndarray, gathered: np.ndarray) -> MpiRequests:
        return MpiRequests([self.comm.Iallgather(part, gathered)])

    def reduce_scatter(self, parts: np.ndarray, result: np.ndarray, op: ReduceOp) -> MpiRequests:
        return MpiRequests([self.comm.Ireduce_scatter_block(parts, result, op=_op(op))])

    def barrier(self) -> MpiRequests:
        return MpiRequests([self.comm.Ibarrier()])

    def abort(self) -> None:
        """Nothing to stop here: the process ends with MPI_Abort at exit (process_group.abort_at_exit)."""

    def close(self) -> None:
        """The communicator is the group's; destroy_process_group frees it."""
