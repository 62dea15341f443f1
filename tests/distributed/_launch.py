"""Running a rank script through `glassgrad launch --nproc 2`, and reading what each rank wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glassgrad import cuda

RANKS = Path(__file__).parent / "ranks"
SRC = Path(__file__).resolve().parents[2] / "src"

needs_mpi = pytest.mark.skipif(
    shutil.which("mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}") is None
    or __import__("importlib.util").util.find_spec("mpi4py") is None,
    reason="needs mpi4py and mpiexec: pip install glassgrad[distributed]",
)

# backend="nccl" moves CUDA tensors: it needs CuPy and a GPU, and one GPU per rank (NCCL refuses two ranks on one).
needs_gpu = pytest.mark.skipif(not cuda.is_available(), reason="backend='nccl' needs CuPy and a GPU")
needs_two_gpus = pytest.mark.skipif(cuda.device_count() < 2, reason="two ranks under NCCL need two GPUs")
# The backends a two-rank rank script runs under: 'mpi' everywhere, 'nccl' where two GPUs are at hand.
TWO_RANK_BACKENDS = ["mpi", pytest.param("nccl", marks=[needs_gpu, needs_two_gpus])]


def launch(script: str, out: Path, *args: str, nproc: int = 2, timeout: float = 60) -> tuple[int, str, float]:
    """(exit status, stderr, seconds) of `glassgrad launch --nproc N ranks/SCRIPT OUT ARGS...`."""
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    command = [sys.executable, "-m", "glassgrad.cli", "launch", "--nproc", str(nproc), str(RANKS / script),
               str(out), *args]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def results(out: Path, nproc: int = 2) -> list[dict]:
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(nproc)]
