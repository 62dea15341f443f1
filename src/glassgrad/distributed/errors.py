"""The exceptions of glassgrad.distributed, with PyTorch's names (torch.distributed.DistError, DistBackendError)."""

from __future__ import annotations


class DistError(RuntimeError):
    """A collective failed."""


class DistBackendError(DistError):
    """The transport failed: a rank died, or did not reach a collective within the process group's timeout."""


NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group "
    "(glassgrad.distributed.init_process_group(backend='mpi'), once per process, before any collective)."
)
