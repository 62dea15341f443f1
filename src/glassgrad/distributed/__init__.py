"""Data-parallel training across processes, with torch.distributed's names, over MPI (mpi4py) or NCCL (CuPy).

    import glassgrad.distributed as dist
    dist.init_process_group(backend="mpi")        # in each rank, started by `glassgrad launch --nproc N`
    dist.all_reduce(t, op=dist.ReduceOp.SUM)      # in place, on every rank

mpi4py and an MPI library come with `pip install glassgrad[distributed]`; without them `is_available()` is False
and the first call that needs MPI says what to install. backend="nccl" moves CUDA tensors over NCCL
(`pip install "glassgrad[cuda]"` too), bootstrapped over MPI. README.md beside this file explains the design.
"""

from ._mpi import MPIUnavailableError, is_available
from ._nccl import NCCLUnavailableError, is_nccl_available
from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    reduce_scatter,
    reduce_scatter_tensor,
)
from .errors import DistBackendError, DistError
from .process_group import (
    DEFAULT_TIMEOUT,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_initialized,
)
from .reduce_op import ReduceOp
from .work import Work

__all__ = [
    "DEFAULT_TIMEOUT",
    "DistBackendError",
    "DistError",
    "MPIUnavailableError",
    "NCCLUnavailableError",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_nccl_available",
    "reduce_scatter",
    "reduce_scatter_tensor",
]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.distributed")  # "glassgrad does not implement torch.distributed.X"
