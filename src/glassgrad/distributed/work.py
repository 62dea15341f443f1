"""Waiting on started transfers with a deadline, so that a dead or stuck rank never hangs the others.

Every collective here is started without blocking (MPI's Iallreduce, Ibcast, ...; for 'nccl', NCCL's kernel
queued on the GPU with a CUDA event after it) and completed by polling its Pending (_transport.py): between
polls the waiting rank sleeps a little (a blocking wait would spin a core the other ranks need, and could never
time out), checks every CHECK_PEERS_EVERY seconds whether the ranks on its own host are still running, and gives
up at the process group's timeout. Both failures raise DistBackendError naming the rank(s) and the collective;
the transport is aborted (NCCL's communicator), and since MPI's state is then unknown too, the process ends
with MPI_Abort when it exits.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any, Callable

from ._mpi_transport import MpiRequests
from ._transport import Pending
from .errors import DistBackendError
from .process_group import Peer, ProcessGroup, abort_at_exit

CHECK_PEERS_EVERY = 0.25  # seconds: how soon a dead rank on this host is noticed
SPIN = 1e-3  # seconds of polling without sleeping first: small collectives finish in tens of microseconds
LONGEST_SLEEP = 1e-3  # seconds between polls once a wait is long (the sleeps grow from 10 us to this)


class Work:
    """The handle an `async_op=True` collective returns (torch.distributed.Work): `wait()`, `is_completed()`."""

    def __init__(self, group: ProcessGroup, pending: Pending, what: str, finish: Callable[[], None] | None):
        self._group = group
        self._pending = pending
        self._what = what
        self._finish = finish
        self._done = False

    def is_completed(self) -> bool:
        """True once the collective has finished on this rank (its result then is in the output tensors)."""
        if not self._done and self._pending.done():
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective finishes (DistBackendError after the group's timeout, or a dead rank)."""
        if not self._done:
            seconds = timeout.total_seconds() if timeout is not None else self._group.timeout
            wait_until_done(self._group, self._pending, self._what, seconds)
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()


def wait_for(group: ProcessGroup, requests: list[Any], what: str, timeout: float | None = None) -> None:
    """Poll MPI `requests` until all finish (the checks and barriers that always go over MPI)."""
    wait_until_done(group, MpiRequests(requests), what, timeout)


def wait_until_done(group: ProcessGroup, pending: Pending, what: str, timeout: float | None = None) -> None:
    """Poll `pending` until it is done; raise DistBackendError on a dead peer or at the deadline."""
    spin_until = time.perf_counter() + SPIN
    while time.perf_counter() < spin_until:  # most collectives finish within microseconds: poll without sleeping
        if pending.done():
            return
    group.waiting = True
    try:
        _poll(group, pending, what, timeout)
    finally:
        group.waiting = False


def _poll(group: ProcessGroup, pending: Pending, what: str, timeout: float | None) -> None:
    started = time.monotonic()
    deadline = started + (group.timeout if timeout is None else timeout)
    next_check = started + CHECK_PEERS_EVERY
    sleep = 1e-5
    while not pending.done():
        now = time.monotonic()
        if now >= next_check or group.peer_ended_signalled:
            next_check = now + CHECK_PEERS_EVERY
            dead = dead_peers(group)
            if dead:
                _fail(group, f"{what}: {_ranks(dead)} stopped running while rank {group.rank} waited "
                             f"({now - started:.1f} s into the collective); see that rank's output for why")
            if group.peer_ended_signalled:
                peer_ended(group, f"{what} ({now - started:.1f} s into the collective)")
        if now >= deadline:
            others = _others(group)
            stuck = (f"{_ranks(others)} still running, but did not complete it (a rank stuck, or on a different "
                     f"code path)" if others else "no other rank is in the group: the transfer itself stalled")
            _fail(group, f"{what}: timed out after {now - started:.1f} s (the process group's timeout) waiting "
                         f"for the other ranks; {stuck}. Raise the timeout with "
                         f"init_process_group(timeout=datetime.timedelta(...)) if a step legitimately takes longer.")
        time.sleep(sleep)
        sleep = min(sleep * 2, LONGEST_SLEEP)


def peer_ended(group: ProcessGroup, where: str) -> None:
    """Raise DistBackendError after mpiexec reported that a rank ended without MPI_Finalize (_rank.py)."""
    dead = dead_peers(group)
    which = f"{_ranks(dead)} ended" if dead else "another rank ended (or aborted after an error)"
    _fail(group, f"{where}: {which}, mpiexec reports; see that rank's output for why")


def _others(group: ProcessGroup) -> list[Peer]:
    return [peer for peer in group.peers if peer.rank != group.rank]


def _ranks(peers: list[Peer]) -> str:
    """'rank 1 (pid 123 on host)' or 'ranks 1 (...), 2 (...)'."""
    names = ", ".join(f"{p.rank} (pid {p.pid} on {p.host})" for p in peers)
    return f"rank{'s' if len(peers) > 1 else ''} {names}"


def dead_peers(group: ProcessGroup) -> list[Peer]:
    """The other ranks of `group` that ran on this host and have exited."""
    return [peer for peer in _others(group) if not _running(peer)]


def _running(peer: Peer) -> bool:
    """False when `peer` runs on this host and its process has exited; True otherwise (or when we cannot tell)."""
    if peer.host != socket.gethostname():
        return True  # another host: only the timeout can tell
    if not Path("/proc").is_dir():  # not Linux: signal 0 tells whether the process exists (not a zombie's state)
        try:
            os.kill(peer.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return True
    stat = Path(f"/proc/{peer.pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]  # the field after "(command name)"
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")  # a zombie has exited; its parent has not collected it yet


def _fail(group: ProcessGroup, message: str) -> None:
    group.broken = True
    group.transport.abort()  # NCCL: stop the kernels still waiting for the other ranks
    abort_at_exit()
    raise DistBackendError(f"rank {group.rank}: {message}")
