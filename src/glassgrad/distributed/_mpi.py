"""mpi4py, imported on first use, with an error that says what to install when it (or an MPI library) is missing."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

INSTALL = "pip install glassgrad[distributed]   (mpi4py and the mpich wheel, which brings MPI and mpiexec)"


class MPIUnavailableError(RuntimeError):
    """glassgrad.distributed needs mpi4py and an MPI library, and this environment lacks one of them."""


@functools.cache
def mpi() -> ModuleType:
    """`mpi4py.MPI`, or MPIUnavailableError naming the package to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:  # mpi4py missing, or present without a loadable MPI library
        raise MPIUnavailableError(
            f"glassgrad.distributed (backend 'mpi') needs mpi4py and an MPI library: {error}. Install them with: "
            f"{INSTALL}"
        ) from error
    return MPI


def is_available() -> bool:
    """True when mpi4py and an MPI library can be loaded (torch.distributed.is_available)."""
    try:
        mpi()
    except MPIUnavailableError:
        return False
    return True


def mpiexec() -> str:
    """The path of `mpiexec`: the one beside this Python (the mpich wheel puts it in the venv's bin/), else PATH's."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise MPIUnavailableError(f"glassgrad launch needs mpiexec, and none is installed. Install it with: {INSTALL}")
    return found
