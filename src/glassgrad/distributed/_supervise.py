"""The process mpiexec starts for each rank of `glassgrad launch`: it forks the rank, and reports how it ended.

`python .../glassgrad/distributed/_supervise.py SCRIPT ARGS...`, started by mpiexec (launch.py); not for direct use.

Why a parent process: MPICH's mpiexec kills every rank as soon as one dies by a signal, before the others can
say which one died. This parent holds the rank's connection to mpiexec (the inherited PMI socket), so a rank
killed by a signal looks to mpiexec like a rank that exited with status 128 + signal, which it does not clean
up: the other ranks notice within a second that the rank's process is gone and fail with an error naming it
(work.py), and this parent writes the status and one line saying which signal ended its rank.

It is run as a file, not with `-m`, so it imports only the standard library before the fork (glassgrad's
import starts thread pools, which a fork does not copy).
"""

import os
import sys

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # this file's folder (glassgrad/distributed/): its module names must not shadow any others

import ctypes  # noqa: E402
import signal  # noqa: E402
from pathlib import Path  # noqa: E402

STATUS_FOLDER = "GLASSGRAD_LAUNCH_STATUS"  # as launch.py's
_PR_SET_PDEATHSIG = 1  # prctl option, from linux/prctl.h


def _die_with_parent() -> None:
    """Linux: the rank gets SIGKILL if this parent dies (mpiexec killing the job must not leave it running)."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _supervise(child: int, rank: str) -> int:
    """Forward SIGINT, SIGTERM and SIGUSR1 to the rank; its exit status (128 + N when signal N ended it)."""
    # SIGUSR1: mpiexec (hydra) telling the other ranks that one ended without MPI_Finalize (_rank.py handles it).
    def forward(received: int, _frame: object) -> None:
        try:
            os.kill(child, received)
        except ProcessLookupError:  # the rank has ended already (mpiexec signals as the ranks finish too)
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
        signal.signal(signum, forward)
    _, wait_status = os.waitpid(child, 0)
    if not os.WIFSIGNALED(wait_status):
        return os.WEXITSTATUS(wait_status)  # the rank wrote its own status file
    number = os.WTERMSIG(wait_status)
    sys.stderr.write(f"glassgrad launch: rank {rank} (pid {child}) was killed by signal {number} "
                     f"({signal.Signals(number).name})\n")  # fmt: skip
    folder = os.environ.get(STATUS_FOLDER)
    if folder:
        Path(folder, f"rank-{rank}").write_text(str(128 + number))
    return 128 + number


def main() -> None:
    rank = next((os.environ[v] for v in ("PMI_RANK", "OMPI_COMM_WORLD_RANK") if v in os.environ), "0")  # as _rank's
    child = os.fork()
    if child == 0:
        _die_with_parent()
        os.setpgid(0, 0)  # signals reach the rank only through this parent: once each (mpiexec signals groups too)
        from glassgrad.distributed._rank import main as run_rank

        run_rank()  # exits
    sys.stdout.flush()
    os._exit(_supervise(child, rank))


if __name__ == "__main__":
    main()
