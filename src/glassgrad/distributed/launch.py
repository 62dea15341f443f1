"""`glassgrad launch --nproc N SCRIPT [ARGS...]`: torchrun's role, on MPI: N ranks of SCRIPT through mpiexec.

1. Threads: each rank gets cores // N threads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and
   NUMBA_NUM_THREADS, the pool of glassgrad's kernels), so N ranks do not oversubscribe the cores; a value
   already in the environment is kept. N > cores is allowed, with a warning.
2. Start: `mpiexec -n N python .../_supervise.py SCRIPT ARGS...`: each process forks its rank (_supervise.py says
   why), which runs SCRIPT as `glassgrad run` does (a PyTorch script's `import torch` gives glassgrad), with
   RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE set from MPI, as torchrun sets them (_rank.py). A rank that
   raises, exits with an error or is killed is noticed by the others within a second: they fail with an error
   naming it (work.py), and the job ends (MPI_Abort). MPICH's mpiexec gets -disable-auto-cleanup, so that it
   leaves them the time to.
3. Ctrl-C (SIGINT) and SIGTERM are forwarded to mpiexec, which passes them to the ranks; a second Ctrl-C kills
   them all.
4. Exit status: the worst rank's (each rank's process leaves its status in a temporary folder), with one line on
   stderr for each rank that failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

from ._mpi import MPIUnavailableError, mpiexec

USAGE = "usage: glassgrad launch --nproc N SCRIPT [ARGS...]   (N ranks of SCRIPT over MPI, as torchrun)"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
STATUS_FOLDER = "GLASSGRAD_LAUNCH_STATUS"  # where each rank writes its exit status (_rank.py, _supervise.py)
NO_STATUS = -1  # the status of a rank that wrote none


class OversubscriptionWarning(UserWarning):
    """More ranks than cores: they take turns on the cores, and each collective waits for the slowest."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        nproc, script = _parse(argv)
    except ValueError as error:
        print(f"glassgrad launch: error: {error}\n{USAGE}", file=sys.stderr)
        return 2
    if nproc is None:
        print(USAGE)
        return 0
    try:
        command = [mpiexec()]
    except MPIUnavailableError as error:
        print(f"glassgrad launch: error: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="glassgrad-launch-") as folder:
        env = rank_environment(nproc, folder)
        if _is_hydra(command[0]):
            command.append("-disable-auto-cleanup")  # a rank that ends badly must not take the others down at once
        supervisor = str(Path(__file__).with_name("_supervise.py"))
        command += ["-n", str(nproc), sys.executable, supervisor, *script]
        returncode = _run_forwarding_signals(command, env)
        return _report(_rank_statuses(Path(folder), nproc), returncode)


def _parse(argv: list[str]) -> tuple[int | None, list[str]]:
    """(N, [SCRIPT, ARGS...]) from `--nproc N SCRIPT ARGS...` (or --nproc=N, --nproc_per_node N as torchrun)."""
    nproc = None
    while argv and argv[0].startswith("-"):
        option = argv.pop(0)
        name, _, value = option.partition("=")
        if name in ("-h", "--help"):
            return None, []
        if name not in ("--nproc", "--nproc-per-node", "--nproc_per_node"):
            raise ValueError(f"unknown option {option!r} (the options come before SCRIPT)")
        if not value:
            if not argv:
                raise ValueError(f"{name} needs a number of processes")
            value = argv.pop(0)
        try:
            nproc = int(value)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {value!r}") from None
        if nproc < 1:
            raise ValueError(f"{name} must be at least 1, got {nproc}")
    if nproc is None:
        raise ValueError("--nproc N is required")
    if not argv:
        raise ValueError("SCRIPT is missing")
    return nproc, argv


def cores() -> int:
    """The cores this process may run on (its affinity mask, where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def rank_environment(nproc: int, status_folder: str) -> dict[str, str]:
    """The environment of the ranks: this one, plus the thread counts and the status folder."""
    available = cores()
    if nproc > available:
        message = (f"--nproc {nproc} is more than the {available} cores of this machine: {nproc} "
                   f"ranks oversubscribe them (each gets 1 thread, and they take turns on the cores), so a step is "
                   f"slower than with {available} ranks")  # fmt: skip
        warnings.warn(message, OversubscriptionWarning, stacklevel=2)
    threads = str(max(1, available // nproc))
    env = dict(os.environ)
    for variable in THREAD_VARIABLES:
        env.setdefault(variable, threads)
    env[STATUS_FOLDER] = status_folder
    return env


def _is_hydra(path: str) -> bool:
    """True for MPICH's mpiexec (hydra), which has -disable-auto-cleanup."""
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "HYDRA" in version


def _run_forwarding_signals(command: list[str], env: dict[str, str]) -> int:
    """Run mpiexec in its own process group; forward SIGINT/SIGTERM to it, and kill the group at a second one."""
    process = subprocess.Popen(command, env=env, start_new_session=True)
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if len(received) == 1:
            process.send_signal(signum)
        else:
            os.killpg(process.pid, signal.SIGKILL)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        returncode = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + received[0] if received else returncode


def _rank_statuses(folder: Path, nproc: int) -> list[int]:
    statuses = []
    for rank in range(nproc):
        try:
            statuses.append(int((folder / f"rank-{rank}").read_text()))
        except (OSError, ValueError):
            statuses.append(NO_STATUS)
    return statuses


def _report(statuses: list[int], returncode: int) -> int:
    """One line per rank that failed; the launcher's exit status (the worst rank's)."""
    for rank, status in enumerate(statuses):
        if status == NO_STATUS:
            print(f"glassgrad launch: rank {rank} ended without an exit status (mpiexec stopped it, or the job "
                  f"was aborted; mpiexec's status {returncode})", file=sys.stderr)  # fmt: skip
        elif status > 128:
            name = signal.Signals(status - 128).name if status - 128 in signal.valid_signals() else "?"
            print(f"glassgrad launch: rank {rank} was killed by signal {status - 128} ({name})", file=sys.stderr)
        elif status != 0:
            print(f"glassgrad launch: rank {rank} exited with status {status}", file=sys.stderr)
    worst = max(statuses, key=lambda s: (s != 0, s))
    if worst == NO_STATUS:
        return returncode if returncode > 0 else 1
    return worst if worst != 0 else returncode
