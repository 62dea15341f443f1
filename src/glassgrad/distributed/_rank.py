"""One rank of `glassgrad launch` (launch.py): torchrun's variables from MPI's, the script, the exit status.

Run in the process that _supervise.py forks (the rank itself), with SCRIPT ARGS... in sys.argv[1:].
"""

from __future__ import annotations

import math
import os
import signal
import sys
from pathlib import Path

from . import process_group
from .errors import DistBackendError
from .launch import STATUS_FOLDER
from .work import peer_ended, wait_for

# Where each MPI implementation's launcher puts the rank, world size and local rank (MPICH's hydra, Open MPI).
_RANK = ("PMI_RANK", "OMPI_COMM_WORLD_RANK")
_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
_LOCAL_RANK = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK")
_LOCAL_SIZE = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")


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


def _on_peer_ended(_signum: int, _frame: object) -> None:
    """SIGUSR1, MPICH's mpiexec's notice that a rank ended without MPI_Finalize: fail the collective waiting now
    (work.py notices the flag), or, between collectives (a rank computing, or stuck), raise here at once."""
    group = process_group._default_group
    if group is None:
        raise DistBackendError(f"rank {os.environ.get('RANK')}: another rank ended before init_process_group "
                               f"completed (mpiexec reports); see that rank's output for why")  # fmt: skip
    group.peer_ended_signalled = True
    if not group.waiting:
        peer_ended(group, "between collectives")


def _wait_for_the_others(group: process_group.ProcessGroup) -> None:
    """A barrier before MPI_Finalize, which would wait forever for a rank that died: this one notices it."""
    try:
        wait_for(group, [group.comm.Ibarrier()], "the end of the script (waiting for every rank to finish)", math.inf)
    except DistBackendError as error:
        sys.stderr.write(f"{error}\n")
        group.comm.Abort(1)


def main() -> None:
    from ..run import main as run_script

    rank = set_torchrun_variables()
    signal.signal(signal.SIGUSR1, _on_peer_ended)
    try:
        status = run_script(sys.argv[1:], prog="glassgrad launch")
    except KeyboardInterrupt:  # a second Ctrl-C while the script's own was being reported
        status = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the script is over: nothing may interrupt the exit now
    group = process_group._default_group
    if status == 0 and group is not None and not group.broken:
        _wait_for_the_others(group)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # finishing: mpiexec signals as the ranks exit, too
    _write_status(rank, status)
    sys.stdout.flush()
    sys.stderr.flush()
    if group is not None and group.broken:
        # A collective failed: the ranks still waiting in it (or stuck) would wait on; MPI_Abort ends the job.
        group.comm.Abort(status or 1)
    if status != 0:
        # Skip MPI_Finalize (mpi4py's, at exit): it would wait for ranks still inside a collective with this one.
        os._exit(status)
    sys.exit(0)
