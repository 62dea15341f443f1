"""One rank of `glassgrad launch` (launch.py): torchrun's variables from MPI's, the script, the exit status.

`python -m glassgrad.distributed._rank SCRIPT ARGS...`, started by mpiexec; not for direct use.

When a rank is killed, MPICH's mpiexec (started with -disable-auto-cleanup) signals the others with SIGUSR1 and
kills them less than 0.1 s later: the handler here uses that moment to say which rank died, and to leave its status.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import process_group
from .launch import STATUS_FOLDER
from .work import dead_peers

# Where each MPI implementation's launcher puts the rank, world size and local rank (MPICH's hydra, Open MPI).
_RANK = ("PMI_RANK", "OMPI_COMM_WORLD_RANK")
_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
_LOCAL_RANK = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK")
_LOCAL_SIZE = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")
PEER_FAILED = 1  # the exit status of a rank stopped because another one died


def _first(names: tuple[str, ...]) -> str | None:
    return next((os.environ[name] for name in names if name in os.environ), None)


def set_torchrun_variables() -> str:
    """RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE from the MPI launcher's variables; returns the rank."""
    rank = _first(_RANK) or "0"
    for variable, names, default in (("RANK", _RANK, "0"), ("WORLD_SIZE", _SIZE, "1"),
                                     ("LOCAL_RANK", _LOCAL_RANK, rank), ("LOCAL_WORLD_SIZE", _LOCAL_SIZE, None)):
        value = _first(names) or default  # fmt: skip
        if value is not None:
            os.environ[variable] = value
    return rank


def _write_status(rank: str, status: int) -> None:
    folder = os.environ.get(STATUS_FOLDER)
    if folder:
        Path(folder, f"rank-{rank}").write_text(str(status))


def _on_peer_failure(rank: str) -> Any:
    def handler(_signum: int, _frame: object) -> None:
        group = process_group._default_group
        dead = []
        for _ in range(10):  # mpiexec signals as the rank's connection closes, a few ms before its process ends
            dead = dead_peers(group) if group is not None else []
            if dead:
                break
            time.sleep(0.005)
        which = ", ".join(f"rank {p.rank} (pid {p.pid})" for p in dead) or "another rank"
        sys.stderr.write(f"glassgrad launch: rank {rank}: {which} ended abnormally (killed, or aborted after an "
                         f"error: see its output); mpiexec is stopping this rank too\n")
        sys.stderr.flush()
        _write_status(rank, PEER_FAILED)
        os._exit(PEER_FAILED)

    return handler


def main() -> None:
    from ..run import main as run_script

    rank = set_torchrun_variables()
    signal.signal(signal.SIGUSR1, _on_peer_failure(rank))
    status = run_script(sys.argv[1:], prog="glassgrad launch")
    _write_status(rank, status)
    sys.stdout.flush()
    sys.stderr.flush()
    group = process_group._default_group
    if group is not None and group.broken:
        # A collective failed: the ranks still waiting in it (or stuck) would wait on; MPI_Abort ends the job.
        group.comm.Abort(status or 1)
    if status != 0:
        # Skip MPI_Finalize (mpi4py's, at exit): it would wait for ranks still inside a collective with this one.
        os._exit(status)
    sys.exit(0)


if __name__ == "__main__":
    main()
