"""CuPy and its NCCL binding (`cupy.cuda.nccl`), imported on first use, with an error that says what is missing.

backend="nccl" needs three things, each refused with its own message before MPI is touched: CuPy (the extra
`glassgrad[cuda]`), a GPU that CuPy can see (a driver, a device), and the NCCL library (the nvidia-nccl-cu12
wheel, which CuPy loads).
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL = 'pip install "glassgrad[cuda]"'


class NCCLUnavailableError(RuntimeError):
    """backend="nccl" needs CuPy, a GPU and the NCCL library, and this environment lacks one of them."""


def cuda_libraries() -> tuple[ModuleType, ModuleType]:
    """(cupy, cupy.cuda.nccl), or NCCLUnavailableError saying which of CuPy, a GPU, NCCL is missing."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as error:
        raise NCCLUnavailableError(
            f"init_process_group(backend='nccl') needs CuPy, which is not installed ({error}). Install it with "
            f"{INSTALL} on a machine with an NVIDIA GPU, or use backend='mpi' for CPU tensors."
        ) from error
    try:
        devices = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as error:  # noqa: BLE001 - CuPy's CUDARuntimeError: no driver, or a driver too old
        raise NCCLUnavailableError(_no_gpu(f"CUDA says: {error}")) from error
    if devices == 0:
        raise NCCLUnavailableError(_no_gpu("CUDA sees no device"))
    try:
        nccl = importlib.import_module("cupy.cuda.nccl")
    except ImportError as error:
        nccl, reason = None, str(error)
    else:
        reason = "CuPy could not load libnccl"
    if nccl is None or not getattr(nccl, "available", False):
        raise NCCLUnavailableError(
            f"init_process_group(backend='nccl'): CuPy and {devices} GPU(s) are here, but not the NCCL library "
            f"({reason}). Install it with pip install nvidia-nccl-cu12, or use backend='mpi'."
        )
    return cupy, nccl


def _no_gpu(why: str) -> str:
    return (f"init_process_group(backend='nccl'): CuPy is installed, but there is no GPU to use ({why}). NCCL "
            f"moves CUDA tensors only: run on a machine with an NVIDIA GPU, or use backend='mpi' for CPU tensors.")


def is_nccl_available() -> bool:
    """True when backend="nccl" can start here: CuPy, a GPU and NCCL (torch.distributed.is_nccl_available)."""
    try:
        cuda_libraries()
    except NCCLUnavailableError:
        return False
    return True
