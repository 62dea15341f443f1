"""The default process group: which process this is among how many, over MPI's COMM_WORLD, and its transport.

torch.distributed's state functions: init_process_group, destroy_process_group, is_initialized, get_rank,
get_world_size, get_backend. The ranks are MPI's (mpiexec starts them; `glassgrad launch` is mpiexec plus
per-rank thread counts). The variables torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK), when present, must agree
with MPI's: a disagreement means two launchers were mixed, and is refused rather than guessed through.
backend="nccl" keeps the same MPI communicator (for the checks, and to bootstrap NCCL) and moves the tensors
over NCCL (_nccl_transport.py).
"""

from __future__ import annotations

import atexit
import datetime
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from ._mpi import mpi
from ._transport import BACKENDS, Transport, transport_for
from .errors import NOT_INITIALIZED

# A collective waits this long for the other ranks before it gives up (PyTorch's default is 30 minutes; a few
# minutes is enough for any step of the models here, and a dead rank is noticed within a second anyway).
DEFAULT_TIMEOUT = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Peer:
    """Where one rank runs: enough to tell, on the same host, whether it is still alive."""

    rank: int
    pid: int
    host: str


@dataclass
class ProcessGroup:
    """The ranks of one communicator, its timeout, and a count of the collectives run on it (named in errors)."""

    comm: Any  # an mpi4py Comm, our own duplicate of COMM_WORLD (the user's MPI traffic cannot mix with ours)
    rank: int
    world_size: int
    local_rank: int
    timeout: float  # seconds
    peers: list[Peer]
    transport: Transport  # what moves the tensors: MPI's, or NCCL's (_transport.py)
    backend: str = "mpi"
    collectives_run: int = 0
    broken: bool = field(default=False)  # a collective failed: MPI's state is unknown, so exit aborts
    waiting: bool = False  # inside a collective's wait (work.py)
    peer_ended_signalled: bool = False  # mpiexec signalled that a rank ended without MPI_Finalize (_rank.py)


_default_group: ProcessGroup | None = None


def default_group() -> ProcessGroup:
    """The initialized default group, or PyTorch's error."""
    if _default_group is None:
        raise ValueError(NOT_INITIALIZED)
    return _default_group


def resolve(group: Any, op_name: str) -> ProcessGroup:
    """The group a call names: None (or the default group itself) is the only one glassgrad has."""
    pg = default_group()
    if group is not None and group is not pg:
        raise ValueError(f"{op_name}: group={group!r}: glassgrad has only the default process group (no "
                         f"new_group); leave group out")  # fmt: skip
    return pg


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: datetime.timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the default process group: every rank of the MPI job (started by `glassgrad launch` or mpiexec).

    `init_method`, `store`, `group_name` and `pg_options` are accepted for PyTorch's signature; MPI finds the
    other ranks itself. `world_size` and `rank`, when given, must agree with MPI's. backend="nccl" moves CUDA
    tensors over NCCL; its GPU is `device_id` if given, else the one glassgrad.cuda.set_device chose, else
    cuda:(LOCAL_RANK % device_count), and becomes the current device.
    """
    global _default_group
    if _default_group is not None:
        raise RuntimeError("init_process_group: the default process group is already initialized "
                           "(call destroy_process_group() first to make a new one)")  # fmt: skip
    name = _backend_name(backend)
    seconds = _timeout_seconds(timeout)
    if name == "nccl":
        from ._nccl import cuda_libraries

        cuda_libraries()  # CuPy, a GPU and NCCL, or the error saying which is missing, before MPI is touched
    comm = mpi().COMM_WORLD.Dup()
    local_rank = comm.Split_type(mpi().COMM_TYPE_SHARED).Get_rank()
    _check_agrees("rank", rank, comm.Get_rank(), "rank")
    _check_agrees("world_size", world_size, comm.Get_size(), "world size")
    _check_environment(comm.Get_rank(), comm.Get_size(), local_rank)
    # Blocking, without our timeout: nothing can time out before a first contact (mpiexec waits for every rank).
    places = comm.allgather((os.getpid(), socket.gethostname()))
    peers = [Peer(r, pid, host) for r, (pid, host) in enumerate(places)]
    transport = transport_for(name, comm, local_rank, device_id)
    _default_group = ProcessGroup(comm, comm.Get_rank(), comm.Get_size(), local_rank, seconds, peers, transport,
                                  name)  # fmt: skip


def _backend_name(backend: Any) -> str:
    """The transport's name for `backend` ('gloo' is MPI's), or PyTorch-like errors for what is not one."""
    if backend is None:
        return "mpi"
    if not isinstance(backend, str):
        raise TypeError(f"init_process_group: backend must be a string such as 'mpi' or 'nccl', got {backend!r}")
    name = backend.lower()
    if name not in BACKENDS:
        listed = "; ".join(f"'{known}' ({what})" for known, what in BACKENDS.items())
        raise ValueError(f"init_process_group: invalid backend {backend!r}. glassgrad's backends: {listed}")
    return "mpi" if name == "gloo" else name


def _timeout_seconds(timeout: datetime.timedelta | None) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"init_process_group: timeout must be a datetime.timedelta, got {type(timeout).__name__} "
                        f"(e.g. timeout=datetime.timedelta(seconds=30))")  # fmt: skip
    if timeout.total_seconds() <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout}")
    return timeout.total_seconds()


def _check_agrees(name: str, given: int, actual: int, what: str) -> None:
    if given not in (-1, None) and given != actual:
        raise ValueError(f"init_process_group: {name}={given}, but MPI says this process's {what} is {actual}; "
                         f"leave {name} out (MPI assigns it) or start the job with matching settings")  # fmt: skip


def _check_environment(rank: int, world_size: int, local_rank: int) -> None:
    """torchrun's variables, where set, against MPI's ranks."""
    for variable, actual in (("RANK", rank), ("WORLD_SIZE", world_size), ("LOCAL_RANK", local_rank)):
        value = os.environ.get(variable)
        if value is not None and value.strip() != str(actual):
            raise ValueError(
                f"init_process_group: the environment says {variable}={value}, but MPI says {actual}: the ranks "
                f"were started by another launcher than the one that set {variable}. Unset {variable}, or start "
                f"the script with `glassgrad launch --nproc N` (which sets it from MPI)."
            )


def is_initialized() -> bool:
    """True once init_process_group has run (and destroy_process_group has not)."""
    return _default_group is not None


def get_rank(group: Any = None) -> int:
    """This process's rank in the default group, 0 .. world_size − 1."""
    return resolve(group, "get_rank").rank


def get_world_size(group: Any = None) -> int:
    """How many processes the default group has."""
    return resolve(group, "get_world_size").world_size


def get_backend(group: Any = None) -> str:
    """The name of the default group's backend: "mpi" (also when asked for as "gloo") or "nccl"."""
    return resolve(group, "get_backend").backend


def destroy_process_group(group: Any = None) -> None:
    """Leave the default group (a later init_process_group makes a new one)."""
    global _default_group
    if _default_group is None:
        return
    if not _default_group.broken:
        _default_group.transport.close()
        _default_group.comm.Free()
    _default_group = None


def abort_at_exit() -> None:
    """After a failed collective, end the process with MPI_Abort: MPI_Finalize at exit would wait for dead ranks."""
    if getattr(abort_at_exit, "registered", False):
        return
    abort_at_exit.registered = True  # type: ignore[attr-defined]
    # atexit runs the newest first: this runs before mpi4py's own MPI_Finalize. The exit status is kept.
    atexit.register(lambda: mpi().COMM_WORLD.Abort(1))
