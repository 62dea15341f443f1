"""The 'nccl' transport: the collectives as NCCL calls (through CuPy's `cupy.cuda.nccl`) on CuPy buffers.

Bootstrap, over the group's MPI communicator (the ranks are still started by mpiexec / `glassgrad launch`):
rank 0 makes NCCL's unique id and MPI broadcasts it; each rank picks its GPU (`device_id`, else the device
glassgrad.cuda.set_device chose, else LOCAL_RANK % device_count) and makes it current; the ranks all-gather
their (host, GPU) so that two ranks on one GPU, which NCCL refuses, are an error naming them; then every rank
joins `NcclCommunicator(world_size, uid, rank)`.

Each collective is queued on the current CUDA stream, the stream the tensors' kernels ran on: it starts after
them, and CuPy's memory pool, which is ordered by stream, cannot hand its buffers to anyone before it ends. A
CUDA event recorded after it is the Pending that work.py polls (`event.done`) with the group's timeout; on a
timeout the communicator is aborted. So the transfers overlap Python's work, not other kernels on the GPU.
"""

from __future__ import annotations

import socket
from types import ModuleType
from typing import Any, Callable

import numpy as np

from ._nccl import cuda_libraries
from .errors import DistBackendError
from .reduce_op import ReduceOp

# NCCL's datatypes for the buffers: the collectives stage float16 as float32 and bool as uint8 (_buffers.py);
# DDP's buckets and broadcasts of a float16 model use NCCL's float16 itself.
_NCCL_DTYPES = {"float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64", "float16": "NCCL_FLOAT16",
                "int64": "NCCL_INT64", "int32": "NCCL_INT32", "int8": "NCCL_INT8", "uint8": "NCCL_UINT8"}  # fmt: skip
_OPS = {ReduceOp.SUM: "NCCL_SUM", ReduceOp.PRODUCT: "NCCL_PROD", ReduceOp.MIN: "NCCL_MIN", ReduceOp.MAX: "NCCL_MAX"}
AVG_SINCE = 21000  # ncclAvg came with NCCL 2.10 (get_version() gives 2.10.0 as 21000); before it: SUM, divide


class CudaEvent:
    """A Pending: done when the GPU has passed the event recorded after the collective."""

    def __init__(self, event: Any, buffers: tuple[Any, ...]) -> None:
        self.event = event
        self._buffers = buffers  # kept alive while NCCL reads and writes them

    def done(self) -> bool:
        if not self.event.done:
            return False
        self._buffers = ()
        return True


class NcclTransport:
    """Moves CUDA tensors' CuPy buffers with one NCCL communicator on this rank's GPU."""

    name = "nccl"
    device_type = "cuda"
    dtypes: frozenset[np.dtype] = frozenset(np.dtype(n) for n in [*_NCCL_DTYPES, "bool"])

    def __init__(self, cupy: ModuleType, nccl: ModuleType, communicator: Any, device_index: int) -> None:
        self.cupy = cupy
        self.nccl = nccl
        self.comm = communicator
        self.device_index = device_index
        self.averages = hasattr(nccl, "NCCL_AVG") and nccl.get_version() >= AVG_SINCE
        self._aborted = False

    @classmethod
    def bootstrap(cls, comm: Any, local_rank: int, device_id: Any) -> NcclTransport:
        """Every rank of the MPI communicator `comm` joins one NCCL communicator (see the module's docstring)."""
        cupy, nccl = cuda_libraries()
        rank, world_size = comm.Get_rank(), comm.Get_size()
        uid, problem = None, None
        if rank == 0:
            try:
                uid = nccl.get_unique_id()
            except Exception as error:  # noqa: BLE001 - NcclError: sent to every rank, raised by all alike
                problem = f"rank 0 could not make NCCL's unique id: {error}"
        uid, problem = comm.bcast((uid, problem), root=0)
        if problem is not None:
            raise DistBackendError(f"init_process_group(backend='nccl'): {problem}")
        try:
            index, problem = choose_device(cupy, local_rank, device_id), None
            cupy.cuda.Device(index).use()
        except (ValueError, TypeError) as error:
            index, problem = None, str(error)
        check_one_gpu_per_rank(comm.allgather((socket.gethostname(), index, problem)))
        try:
            communicator = nccl.NcclCommunicator(world_size, uid, rank)
        except Exception as error:  # noqa: BLE001 - NcclError, or CUDA's
            raise DistBackendError(f"init_process_group(backend='nccl'): rank {rank} could not join NCCL's "
                                   f"communicator on cuda:{index}: {error}") from error  # fmt: skip
        return cls(cupy, nccl, communicator, index)

    # ---- the collectives: (pointer, count, datatype) of each staged buffer, on the current stream -------------
    def all_reduce(self, buffer: Any, op: ReduceOp) -> CudaEvent:
        return self._queue("allReduce", (buffer,), lambda stream: self.comm.allReduce(
            buffer.data.ptr, buffer.data.ptr, buffer.size, self._dtype(buffer), self._op(op), stream))  # fmt: skip

    def broadcast(self, buffer: Any, src: int) -> CudaEvent:
        return self._queue("broadcast", (buffer,), lambda stream: self.comm.broadcast(
            buffer.data.ptr, buffer.data.ptr, buffer.size, self._dtype(buffer), src, stream))  # fmt: skip

    def all_gather(self, part: Any, gathered: Any) -> CudaEvent:
        return self._queue("allGather", (part, gathered), lambda stream: self.comm.allGather(
            part.data.ptr, gathered.data.ptr, part.size, self._dtype(part), stream))  # fmt: skip

    def reduce_scatter(self, parts: Any, result: Any, op: ReduceOp) -> CudaEvent:
        return self._queue("reduceScatter", (parts, result), lambda stream: self.comm.reduceScatter(
            parts.data.ptr, result.data.ptr, result.size, self._dtype(result), self._op(op), stream))  # fmt: skip

    def barrier(self) -> CudaEvent:
        """PyTorch's NCCL barrier: an all-reduce of one number, after everything queued before it."""
        with self.cupy.cuda.Device(self.device_index):
            flag = self.cupy.zeros(1, dtype=self.cupy.int32)
        return self.all_reduce(flag, ReduceOp.SUM)

    def abort(self) -> None:
        """ncclCommAbort: the kernels waiting for a dead or stuck rank return, and the communicator is gone."""
        if not self._aborted:
            self._aborted = True
            try:
                self.comm.abort()
            except Exception:  # noqa: BLE001,S110 - already failing: the DistBackendError being raised says why
                pass

    def close(self) -> None:
        if not self._aborted:
            self.comm.destroy()

    # ---- helpers ------------------------------------------------------------------------------------------------
    def _queue(self, call: str, buffers: tuple[Any, ...], launch: Callable[[int], None]) -> CudaEvent:
        """Queue `launch(stream pointer)` on the current stream of this rank's GPU, then an event after it."""
        with self.cupy.cuda.Device(self.device_index):
            stream = self.cupy.cuda.get_current_stream()
            if any(buffer.size for buffer in buffers):  # an empty tensor moves nothing (and may have no pointer)
                try:
                    launch(stream.ptr)
                except Exception as error:  # noqa: BLE001 - NcclError: the communicator is unusable now
                    raise DistBackendError(f"NCCL's {call} failed on cuda:{self.device_index}: {error}") from error
            event = self.cupy.cuda.Event(disable_timing=True)
            event.record(stream)
        return CudaEvent(event, buffers)

    def _dtype(self, buffer: Any) -> int:
        return getattr(self.nccl, _NCCL_DTYPES[buffer.dtype.name])

    def _op(self, op: ReduceOp) -> int:
        if op is ReduceOp.AVG:
            return self.nccl.NCCL_AVG if self.averages else self.nccl.NCCL_SUM
        return getattr(self.nccl, _OPS[op])


def choose_device(cupy: ModuleType, local_rank: int, device_id: Any) -> int:
    """This rank's GPU: `device_id` if given, else glassgrad.cuda.set_device's choice, else LOCAL_RANK % count."""
    from .. import cuda

    count = int(cupy.cuda.runtime.getDeviceCount())
    if device_id is not None:
        index = gpu_index(device_id)
    elif cuda._set_device_index is not None:  # the script chose (torch.cuda.set_device(local_rank)): respected
        index = cuda._set_device_index
    else:
        index = local_rank % count
    if not 0 <= index < count:
        raise ValueError(f"device cuda:{index} does not exist: this host has {count} GPU(s) (cuda:0 to "
                         f"cuda:{count - 1})")  # fmt: skip
    return index


def gpu_index(device_id: Any) -> int:
    """The GPU index in `device_id`: an int, 'cuda:N', or a device whose type is cuda."""
    if isinstance(device_id, (int, np.integer)) and not isinstance(device_id, bool):
        return int(device_id)
    text = str(device_id)
    kind, _, number = text.partition(":")
    if kind != "cuda" or not (number.isdigit() or number == ""):
        raise ValueError(f"device_id={device_id!r} is not a GPU: give an index or 'cuda:N' (the 'nccl' backend "
                         f"runs on GPUs)")  # fmt: skip
    return int(number or 0)


def check_one_gpu_per_rank(places: list[tuple[str, int | None, str | None]]) -> None:
    """Every rank's (host, GPU index, problem): the same ValueError on every rank if one failed to pick its GPU,
    or if two ranks on one host picked the same GPU (NCCL would refuse: one GPU per rank)."""
    problems = [f"rank {rank}: {problem}" for rank, (_, _, problem) in enumerate(places) if problem]
    if problems:
        raise ValueError(f"init_process_group(backend='nccl'): not every rank could select its GPU: "
                         f"{'; '.join(problems)}")  # fmt: skip
    first_on: dict[tuple[str, int | None], int] = {}
    for rank, (host, index, _) in enumerate(places):
        other = first_on.setdefault((host, index), rank)
        if other != rank:
            raise ValueError(f"init_process_group(backend='nccl'): ranks {other} and {rank} would both use "
                             f"cuda:{index} on host {host}, and NCCL needs one GPU per rank: start at most as many "
                             f"ranks per host as it has GPUs (glassgrad.cuda.device_count()), or give each rank its "
                             f"own device_id")  # fmt: skip
