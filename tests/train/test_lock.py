"""One training per run directory: a second one is refused naming the first (pid, host, start time); the lock of
a training killed with SIGKILL is recognised as stale and taken over with a warning. Real processes throughout."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import glassgrad as gg
from glassgrad.train.errors import RunDirectoryLocked, UserError
from glassgrad.train.lock import LOCK_NAME, RunLock, StaleLockWarning

HOLD = """
import sys, time
from glassgrad.train.lock import RunLock
with RunLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(300)
"""
STARTED = r"started 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC"
CLI = "import sys\nfrom glassgrad.cli import main\nsys.exit(main(sys.argv[1:]))"


def _hold(run_dir: Path) -> subprocess.Popen:
    """Another process that takes the run directory's lock and keeps it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "locked\n"
    return process


def _sigkill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def test_a_second_lock_is_refused_naming_the_holder_and_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    try:
        with pytest.raises(RunDirectoryLocked) as refused:
            RunLock(tmp_path).acquire()
    finally:
        _sigkill(holder)
    message = str(refused.value)
    expected = rf"run directory {re.escape(str(tmp_path))} is in use by another training: pid {holder.pid} on host "
    assert re.match(expected + rf"{re.escape(socket.gethostname())}, {STARTED} \(.*\); .*kill {holder.pid}", message)
    assert isinstance(refused.value, UserError) and isinstance(refused.value, RuntimeError)

    with pytest.warns(StaleLockWarning, match=rf"was locked by pid {holder.pid} on host .*which is gone") as caught:
        with RunLock(tmp_path):
            assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert len(caught) == 1
    assert (tmp_path / LOCK_NAME).read_text() == ""  # released: emptied, so the next one is not warned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with RunLock(tmp_path):
            pass


def test_a_second_lock_in_the_same_process_is_refused_and_leaves_the_first_intact(tmp_path: Path) -> None:
    with RunLock(tmp_path):
        record = (tmp_path / LOCK_NAME).read_text()
        with pytest.raises(RunDirectoryLocked, match=f"pid {os.getpid()} on host"):
            RunLock(tmp_path).acquire()
        assert (tmp_path / LOCK_NAME).read_text() == record
    with RunLock(tmp_path):  # and the first one's release really freed it
        pass


@pytest.mark.skipif(sys.platform == "win32", reason="the kernel lock (flock) is POSIX")
def test_a_record_naming_a_live_but_unrelated_pid_is_stale(tmp_path: Path) -> None:
    """The kernel decides, not the pid: a recycled pid cannot keep a dead training's lock alive."""
    record = {"pid": os.getppid(), "host": socket.gethostname(), "started": "2026-01-01 00:00:00 UTC", "command": "x"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(record))
    with pytest.warns(StaleLockWarning, match=f"pid {os.getppid()}"):
        with RunLock(tmp_path):
            pass


def _cli(*arguments: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
    )


def _wait_for_checkpoint(out: Path, process: subprocess.Popen, timeout: float = 180) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        runs = [p for p in out.iterdir() if p.is_dir()]
        if runs and (runs[0] / "checkpoint.safetensors").is_file() and (runs[0] / LOCK_NAME).stat().st_size:
            return runs[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no checkpoint in time")


def test_two_trainings_on_one_run_directory(tmp_path: Path) -> None:
    """The review's case: `glassgrad train --resume RUN` while RUN trains. Refused in one line naming the
    training; once that one is killed, the next resume takes over with a warning and logs each step once."""
    settings = "--steps 100000 --warmup 5 --checkpoint-every 10 --log-every 10 --eval-every 100000".split()
    first = _cli("train", "mlp-digits", *settings, "--eval-limit", "32", "--out", str(tmp_path))
    try:
        run = _wait_for_checkpoint(tmp_path, first)
        second = _cli("train", "--resume", str(run))
        _, error = second.communicate(timeout=180)
        assert second.returncode == 2
        assert error.count("\n") == 1 and "Traceback" not in error
        assert error.startswith(
            f"glassgrad train: error: run directory {run} is in use by another training: pid {first.pid}"
        )
        _sigkill(first)
    finally:
        first.kill()  # a no-op once it is dead; otherwise, after a failed assertion, it would train 100,000 steps
        first.wait()

    # Shorten the run so that the takeover finishes quickly: 20 steps after the last checkpoint.
    config = json.loads((run / "config.json").read_text())
    killed_at = int(gg.load(run / "checkpoint.safetensors")["step"])
    config["steps"] = killed_at + 20
    (run / "config.json").write_text(json.dumps(config))
    third = _cli("train", "--resume", str(run))
    output, error = third.communicate(timeout=300)
    assert third.returncode == 0, error
    assert re.search(rf"glassgrad: warning: run directory {re.escape(str(run))} was locked by pid {first.pid}", error)
    assert f"resuming {run} at step {killed_at}/{killed_at + 20}" in output
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines() if '"loss"' in line]
    assert steps == list(range(10, killed_at + 21, 10))  # each step once: the killed run's later records dropped
    assert (run / LOCK_NAME).read_text() == ""
