"""torch.nn.parallel: DistributedDataParallel (one model replica per process, gradients averaged over MPI)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
