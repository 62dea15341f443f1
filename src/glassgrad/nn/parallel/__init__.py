"""torch.nn.parallel: DistributedDataParallel (one model replica per process, gradients averaged over MPI)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]

from ... import _missing  # noqa: E402

_missing.install(globals(), "torch.nn.parallel")  # "glassgrad does not implement torch.nn.parallel.X"
