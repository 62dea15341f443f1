"""Stopping and resuming: a run killed (SIGKILL, Ctrl-C, or mid-checkpoint-write) and resumed ends with
parameters bit-identical to an uninterrupted run with the same seed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.train.config import TrainConfig
from glassgrad.train.loop import TrainingDiverged
from glassgrad.train.run import train

STEPS = 40
SETTINGS = [
    "mlp-digits",
    "--steps",
    str(STEPS),
    "--eval-every",
    "20",
    "--log-every",
    "5",
    "--checkpoint-every",
    "5",
    "--seed",
    "3",
]


def _final_parameters(run: Path) -> dict:
    state = gg.load(run / "checkpoint.safetensors")
    assert int(state["step"]) == STEPS
    return {k: v.numpy() for k, v in state["model"].items()}


def _assert_bit_identical(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


# Every run here is a fresh process with the same environment: bit-identical results need the same BLAS thread
# count (it fixes the order of floating-point sums), which earlier tests in this process may have changed.
@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("reference")
    process = _start(out)
    process.communicate(timeout=300)
    assert process.returncode == 0
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    return _final_parameters(run)


def _resume(run: Path) -> None:
    code = "import sys\nfrom glassgrad.cli import main\nsys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "train", "--resume", str(run)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr


def _start(out: Path, prelude: str = "") -> subprocess.Popen:
    code = f"{prelude}\nimport sys\nfrom glassgrad.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "train", *SETTINGS, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_step(out: Path, step: int, process: subprocess.Popen, timeout: float = 120) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        runs = [p for p in out.iterdir() if p.is_dir()] if out.exists() else []
        if runs and (runs[0] / "metrics.jsonl").is_file():
            lines = (runs[0] / "metrics.jsonl").read_text().splitlines()
            if any(json.loads(line).get("step", 0) >= step for line in lines if line.endswith("}")):
                return runs[0]
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("the run did not reach the step in time")


def test_sigkill_then_resume_is_bit_identical(tmp_path: Path, reference: dict) -> None:
    process = _start(tmp_path)
    run = _wait_for_step(tmp_path, 12, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    _resume(run)
    _assert_bit_identical(_final_parameters(run), reference)


def test_kill_during_a_checkpoint_write_keeps_the_previous_checkpoint(tmp_path: Path, reference: dict) -> None:
    # Die between writing the temporary file and renaming it into place, at the checkpoint of step 15.
    prelude = (
        "import os, signal, glassgrad.serialization as s\n"
        "real = os.replace\n"
        "calls = []\n"
        "def dying_replace(source, target):\n"
        "    if str(target).endswith('checkpoint.safetensors'):\n"
        "        calls.append(target)\n"
        "        if len(calls) == 3:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(source, target)\n"
        "os.replace = dying_replace\n"
    )
    process = _start(tmp_path, prelude)
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert int(gg.load(run / "checkpoint.safetensors")["step"]) == 10  # the step-15 write never landed
    _resume(run)
    _assert_bit_identical(_final_parameters(run), reference)


def test_ctrl_c_writes_a_checkpoint_and_says_how_to_resume(tmp_path: Path, reference: dict) -> None:
    process = _start(tmp_path)
    run = _wait_for_step(tmp_path, 7, process)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"glassgrad train --resume {run}" in output
    _resume(run)
    _assert_bit_identical(_final_parameters(run), reference)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path: Path, monkeypatch) -> None:
    from glassgrad.train import experiment as experiment_module

    real_loss = experiment_module.classification_loss
    calls = []

    def poisoned(model, inputs, targets, **options):
        loss, correct = real_loss(model, inputs, targets, **options)
        calls.append(1)
        return (loss * float("nan") if len(calls) == 8 else loss), correct

    monkeypatch.setattr(experiment_module, "classification_loss", poisoned)  # classifier_experiment reads it
    config = TrainConfig(recipe="mlp-digits", steps=20, checkpoint_every=5, eval_every=5, out_dir=str(tmp_path))
    with pytest.raises(TrainingDiverged, match=r"loss became nan at step 8.*last good checkpoint \(step 5\)"):
        train(config, stream=open(os.devnull, "w"))
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert int(gg.load(run / "checkpoint.safetensors")["step"]) == 5


def test_resuming_a_finished_run_ends_at_once_and_rebuilds_the_report(tmp_path: Path) -> None:
    """Its health history is read back but this process sees no loss: the diagnosis must not divide by zero."""
    config = TrainConfig(recipe="mlp-digits", steps=10, eval_every=5, out_dir=str(tmp_path))
    first = train(config, stream=open(os.devnull, "w"))
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    again = train(config, resume=str(run), stream=open(os.devnull, "w"))
    assert int(gg.load(run / "checkpoint.safetensors")["step"]) == 10
    assert (run / "report.html").exists() and again.stop_reason == first.stop_reason
