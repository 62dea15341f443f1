"""`glassgrad train RECIPE --nproc N`: the ranks train as one process on the same global batch, rank 0 writes
the run directory, and a checkpoint of 2 ranks resumes on 1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import glassgrad as gg

from ._launch import SRC, needs_mpi

pytestmark = needs_mpi

STEPS = 100
SETTINGS = ["mlp-digits", "--steps", str(STEPS), "--eval-every", str(STEPS), "--log-every", "10", "--seed", "1"]


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "glassgrad.cli", "train", *args]


def _env() -> dict[str, str]:
    # One BLAS thread everywhere: the 1-process run and each of the 2 ranks compute alike.
    return dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")  # fmt: skip


def _train(out: Path, *args: str, timeout: float = 180) -> tuple[str, Path]:
    done = subprocess.run(_command(*SETTINGS, "--out", str(out), *args), capture_output=True, text=True,
                          timeout=timeout, env=_env())  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    return done.stdout, run


def _accuracy(run: Path) -> float:
    return float(gg.load(run / "checkpoint.safetensors")["metrics"]["val_accuracy"])


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(tmp_path_factory.mktemp("one"))[1]


def test_two_processes_reach_the_accuracy_of_one(one_process, tmp_path):
    output, run = _train(tmp_path, "--nproc", "2")
    assert "on 2 processes (global batch 128 = 2 × 64)" in output
    assert output.count(f"step {STEPS}/{STEPS}") == 1  # progress from rank 0 only
    state = gg.load(run / "checkpoint.safetensors")
    assert int(state["step"]) == STEPS
    assert not any(key.startswith("module.") for key in state["model"])  # the unwrapped model's state
    assert (run / "report.html").is_file() and (run / "explain.html").is_file()
    assert [p for p in tmp_path.iterdir()] == [run]  # one run directory: rank 0's
    assert abs(_accuracy(run) - _accuracy(one_process)) <= 0.005, (_accuracy(run), _accuracy(one_process))


def test_a_checkpoint_of_two_processes_resumes_on_one(one_process, tmp_path):
    # Ctrl-C at a logged step: every rank stops after the same step, rank 0 writes the checkpoint.
    process = subprocess.Popen(_command(*SETTINGS, "--out", str(tmp_path), "--nproc", "2"), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=_env())  # fmt: skip
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("step 20/"):
            process.send_signal(signal.SIGINT)
            break
    output = "".join(lines) + process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (run / "checkpoint.safetensors").exists(), output  # what the ranks printed, if Ctrl-C lost it
    stopped = int(gg.load(run / "checkpoint.safetensors")["step"])
    assert 20 <= stopped < STEPS, output

    started = time.monotonic()
    done = subprocess.run(_command("--resume", str(run)), capture_output=True, text=True, timeout=180, env=_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming {run} at step {stopped}/{STEPS}\n" in done.stdout
    assert int(gg.load(run / "checkpoint.safetensors")["step"]) == STEPS
    assert abs(_accuracy(run) - _accuracy(one_process)) <= 0.005, (_accuracy(run), _accuracy(one_process))
    print(f"resumed {STEPS - stopped} steps on 1 process in {time.monotonic() - started:.1f} s")


def test_a_global_batch_the_processes_cannot_share_is_refused(tmp_path):
    done = subprocess.run(_command(*SETTINGS, "--out", str(tmp_path), "--nproc", "3"), capture_output=True,
                          text=True, timeout=60, env=_env())  # fmt: skip
    assert done.returncode == 2
    assert "--batch-size 128 is the global batch, shared by --nproc 3 processes" in done.stderr
    assert "use --batch-size 126 or 129" in done.stderr
    assert not list(tmp_path.iterdir())
