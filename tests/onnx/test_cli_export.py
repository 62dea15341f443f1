"""`glassgrad export RUN --format onnx`: a trained run's model as ONNX, and ONNX Runtime agreeing with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassgrad as gg
from glassgrad.cli import main
from glassgrad.train.run import load_run

from .helpers import TOLERANCE, onnx, session


def _run_dir(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    return run


def test_export_writes_the_runs_model_and_onnx_runtime_agrees(tmp_path: Path, capsys):
    recipe = "cnn-digits"  # batch norm, exported in eval mode with the trained running statistics
    assert main(["train", recipe, "--steps", "1", "--eval-limit", "16", "--out", str(tmp_path)]) == 0
    run = _run_dir(tmp_path)
    out = tmp_path / "exported.onnx"
    assert main(["export", str(run), "--format", "onnx", "--out", str(out)]) == 0
    assert f"export: {out} ({recipe} at step 1, input (batch, " in capsys.readouterr().out
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)

    _, experiment, _ = load_run(run)
    inputs, _ = experiment.batches.batch(1)
    example = inputs[:3]  # another batch size than the two rows traced
    experiment.model.eval()
    with gg.no_grad():
        expected = experiment.model(example)
    expected = (expected[0] if isinstance(expected, tuple) else expected).numpy()
    (got,) = session(out.read_bytes()).run(["logits"], {"input": example.numpy()})
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).max()) <= TOLERANCE


def test_export_defaults_to_model_onnx_in_the_run(tmp_path: Path, capsys):
    assert main(["train", "mlp-digits", "--steps", "1", "--eval-limit", "32", "--out", str(tmp_path)]) == 0
    run = _run_dir(tmp_path)
    assert main(["export", str(run)]) == 0
    assert (run / "model.onnx").is_file()


def test_export_of_a_directory_that_is_no_run_is_one_line(tmp_path: Path, capsys):
    assert main(["export", str(tmp_path / "nothing")]) == 2
    assert "glassgrad export: error:" in capsys.readouterr().err
