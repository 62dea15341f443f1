"""One training per run directory: a lock file that names its holder and dies with it.

`run_dir/train.lock` holds, as JSON, the pid, host, start time and command of the training that uses the
directory. The lock itself is an exclusive `fcntl.flock` on that file, which the kernel releases when its process
ends in any way, SIGKILL included. So when a training starts:

1. the flock is refused: another process trains here now; raise RunDirectoryLocked naming it;
2. the flock is granted and the file is empty: the last training ended normally (it empties the file);
3. the flock is granted but the file names another process: that training was killed (its pid is gone, or
   its flock would still hold); warn with StaleLockWarning, and take over.

A pid reused by an unrelated process cannot make a stale lock look alive, since the kernel, not the pid,
decides. Where `fcntl` does not exist (Windows) there is no kernel lock and the record alone decides: a pid
still running on this host holds the directory, any other record is stale (this cannot stop two trainings that
start within the same instant).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from .errors import RunDirectoryLocked

LOCK_NAME = "train.lock"


class StaleLockWarning(UserWarning):
    """A run directory's lock named a training that no longer runs; the new training took it over."""


@dataclass(frozen=True)
class Holder:
    """Who holds a run directory: enough to find the process and decide what to do about it."""

    pid: int
    host: str
    started: str  # UTC, e.g. "2026-12-02 14:50:01 UTC"
    command: str

    @classmethod
    def this_process(cls) -> Holder:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        return cls(os.getpid(), socket.gethostname(), started, " ".join(sys.argv))

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}, started {self.started} ({self.command})"


class RunLock:
    """Hold a run directory for one training: `with RunLock(run_dir): ...` (see the module docstring)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _try_lock(fd):
                raise RunDirectoryLocked(self._busy_message(_wait_for_holder(fd)))
            previous = _read_holder(fd)  # read under the lock: a record left here is a dead training's
            if previous is not None:
                warnings.warn(
                    f"run directory {self.path.parent} was locked by {previous.describe()}, which is gone "
                    "(killed?); taking it over",
                    StaleLockWarning,
                    stacklevel=3,
                )
            _write_holder(fd, Holder.this_process())
        except BaseException:
            os.close(fd)  # also drops the flock, if it was granted
            raise
        self.fd = fd

    def release(self) -> None:
        """Empty the file, then unlock: nobody may see this process's record once the lock is free."""
        if self.fd is None:
            return
        os.ftruncate(self.fd, 0)
        os.close(self.fd)
        self.fd = None

    def _busy_message(self, holder: Holder | None) -> str:
        run_dir = self.path.parent
        if holder is None:
            who = "another process (it has not written its name yet)"
            fix = "wait for it to finish"
        else:
            who = holder.describe()
            fix = f"wait for it to finish, or stop it (kill {holder.pid} on {holder.host}) and resume"
        return f"run directory {run_dir} is in use by another training: {who}; {fix}"


def _try_lock(fd: int) -> bool:
    """Take the lock; False when a live process holds it (see the module docstring)."""
    if fcntl is None:
        holder = _read_holder(fd)
        return holder is None or holder.host != socket.gethostname() or not _pid_alive(holder.pid)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _read_holder(fd: int) -> Holder | None:
    """The record in the lock file; None when it is empty or unreadable (being written, or cut short)."""
    os.lseek(fd, 0, os.SEEK_SET)  # lseek + read, not pread, which Windows lacks
    text = os.read(fd, 64 * 1024)
    try:
        return Holder(**json.loads(text))
    except (ValueError, TypeError):
        return None


def _wait_for_holder(fd: int) -> Holder | None:
    """The holder's record; one that has just taken the lock writes it a moment later, so wait up to 0.5 s."""
    for _ in range(10):
        holder = _read_holder(fd)
        if holder is not None:
            return holder
        time.sleep(0.05)
    return _read_holder(fd)


def _write_holder(fd: int, holder: Holder) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(asdict(holder)).encode())
