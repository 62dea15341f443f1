"""examples/: every script trains through `glassgrad.train.fit` on a tiny budget and returns sane metrics; the
PyTorch twins run on the same budget and read the very same batches."""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from glassgrad.bench.threads import blas_threads, set_blas_threads

EXAMPLES = Path(__file__).parents[2] / "examples"

# Tiny models and a few steps each: these check the wiring, not the accuracy the full runs reach.
DIGITS_CNN = ["--epochs", "1", "--batch-size", "2000", "--channels", "4,8", "--hidden", "16"]
DIGITS_VIT = ["--epochs", "1", "--batch-size", "2000", "--dim", "16", "--depth", "1", "--heads", "2", "--mlp-dim", "16"]
DIGITS_MLP = ["--epochs", "1", "--batch-size", "2000", "--hidden-sizes", "32"]
LSTM = ["--max-iters", "3", "--eval-interval", "2", "--log-interval", "1", "--hidden-size", "16", "--embedding-dim",
        "8", "--eval-windows", "4", "--sample-chars", "8"]  # fmt: skip
GPT = ["--max-iters", "3", "--eval-interval", "2", "--log-interval", "1", "--n-layer", "1", "--n-head", "2",
       "--n-embd", "16", "--eval-iters", "1", "--sample-tokens", "8"]  # fmt: skip


@pytest.fixture
def one_blas_thread() -> Iterator[None]:
    """Tiny matrix products gain nothing from threads, and on a loaded machine waiting BLAS threads slow them."""
    before = blas_threads()
    set_blas_threads(1)
    yield
    if before is not None:
        set_blas_threads(before)


def _example(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import examples/<name>.py (or examples/reference/<name>.py) as the scripts import each other."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.syspath_prepend(str(EXAMPLES / "reference"))
    return importlib.import_module(name)


@pytest.mark.parametrize(("name", "argv"), [("mlp_digits", DIGITS_MLP), ("cnn_digits", DIGITS_CNN),
                                            ("vit_digits", DIGITS_VIT)])  # fmt: skip
def test_digit_classifiers_train_and_report_accuracy(name, argv, one_blas_thread, monkeypatch, capsys) -> None:
    result = _example(name, monkeypatch).main(argv)
    assert 0.0 <= result["test_accuracy"] <= 1.0 and 0.0 <= result["train_accuracy"] <= 1.0, result
    assert result["seconds"] > 0
    out = capsys.readouterr().out
    assert "eval at step 4" in out and "test accuracy" in out


@pytest.mark.parametrize(("name", "argv"), [("char_lstm", LSTM), ("gpt_shakespeare", GPT)])
def test_text_models_train_report_the_whole_split_and_sample(name, argv, one_blas_thread, monkeypatch, capsys):
    result = _example(name, monkeypatch).main(argv)
    assert math.isfinite(result["val_loss"]) and 3.0 < result["val_loss"] < math.log(65) + 0.5, result
    assert result["train_seconds"] > 0 and result["eval_seconds"] > 0
    assert len(result["sample"]) >= 8
    out = capsys.readouterr().out
    assert "eval at step 2" in out and "whole split" in out and "sample:" in out


@pytest.mark.parametrize(("name", "argv"), [("mlp_digits_torch", DIGITS_MLP), ("char_lstm_torch", LSTM),
                                            ("gpt_shakespeare_torch", GPT)])  # fmt: skip
def test_torch_twins_run_on_the_same_flags(name, argv, monkeypatch, capsys) -> None:
    pytest.importorskip("torch")
    result = _example(name, monkeypatch).main(argv)
    metric = result["test_accuracy"] if "test_accuracy" in result else result["val_loss"]
    assert math.isfinite(metric)


def test_the_mlp_twin_reads_the_glassgrad_examples_batches(monkeypatch) -> None:
    """The twin asks the example's `training_batches` for each step; as arrays they are the tensors fit sees."""
    example = _example("mlp_digits", monkeypatch)
    config = example.Config(batch_size=16, seed=3)
    images = np.random.default_rng(0).standard_normal((40, 1, 28, 28)).astype(np.float32)
    labels = np.arange(40) % 10
    first = example.training_batches(config, images, labels)
    again = example.training_batches(config, images, labels)
    for step in (0, 1, 2, 5, 4):  # across epochs and out of order: a batch depends on (seed, step) alone
        inputs, targets = first.batch(step)
        arrays = again.arrays(step)
        np.testing.assert_array_equal(inputs.numpy(), arrays[0])
        np.testing.assert_array_equal(targets.numpy(), arrays[1])
