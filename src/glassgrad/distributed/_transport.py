"""The seam between the collectives and what moves the bytes: one Transport per process group.

collectives.py and DistributedDataParallel's buckets check arguments, stage buffers and wait the same way for
every backend; only the transfer differs. A transport starts a collective on contiguous staged buffers (NumPy
arrays for 'mpi', CuPy arrays for 'nccl') and returns a Pending, which work.py polls with the group's timeout:

    pending = group.transport.all_reduce(buffer, ReduceOp.SUM)   # started, not finished
    pending.done()                                               # True once the result is in `buffer`

The checks that every rank called the same collective (signature.py), DDP's parameter check and the end-of-
script barrier always go over MPI: an 'nccl' group is bootstrapped over MPI and keeps its MPI communicator.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .reduce_op import ReduceOp

# The names init_process_group accepts, and what each one moves (the message for an unknown one lists them).
BACKENDS = {"mpi": "CPU tensors, over MPI", "gloo": "PyTorch's CPU backend, served by 'mpi' here",
            "nccl": "CUDA tensors, over NCCL through CuPy; bootstrapped over MPI"}  # fmt: skip


class Pending(Protocol):
    """A started transfer: `done()` is polled until it returns True."""

    def done(self) -> bool: ...


class Transport(Protocol):
    """What a process group's backend does; the buffers are contiguous and of a dtype in `dtypes`."""

    name: str  # the backend's name in errors: "mpi" or "nccl"
    device_type: str  # the device whose tensors it moves: "cpu" or "cuda"
    device_index: int | None  # the one GPU of this rank ('nccl'), or None
    dtypes: frozenset[np.dtype]  # the tensor dtypes it moves (after _buffers.STAGED_AS)
    averages: bool  # True when all_reduce/reduce_scatter compute ReduceOp.AVG themselves (else: SUM, then divide)

    def all_reduce(self, buffer: Any, op: ReduceOp) -> Pending: ...

    def broadcast(self, buffer: Any, src: int) -> Pending: ...

    def all_gather(self, part: Any, gathered: Any) -> Pending: ...

    def reduce_scatter(self, parts: Any, result: Any, op: ReduceOp) -> Pending: ...

    def barrier(self) -> Pending: ...

    def abort(self) -> None:
        """After a failed or timed-out wait: stop the transfers in flight (the group is unusable then)."""

    def close(self) -> None:
        """destroy_process_group: release what the transport holds."""


def transport_for(backend: str, comm: Any, local_rank: int, device_id: Any) -> Transport:
    """The transport of a new group: MPI's for 'mpi' and 'gloo', NCCL's (bootstrapped over `comm`) for 'nccl'."""
    if backend == "nccl":
        from ._nccl_transport import NcclTransport

        return NcclTransport.bootstrap(comm, local_rank, device_id)
    from ._mpi_transport import MpiTransport

    return MpiTransport(comm)
