"""train/loop.py and train/batches.py as the examples use them: `fit` without a run directory, batches as arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.train import (
    ArrayBatches,
    Callback,
    Experiment,
    TextBatches,
    TrainingDiverged,
    classifier_experiment,
    fit,
    language_model_evaluation,
    language_model_loss,
)


def _classifier() -> Experiment:
    gg.manual_seed(0)
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((64, 4)).astype(np.float32)
    targets = (inputs[:, 0] > 0).astype(np.int64)
    model = nn.Linear(4, 2)
    optimizer = gg.optim.SGD(model.parameters(), lr=0.1)
    batches = ArrayBatches(inputs, targets, batch_size=16, seed=0)
    return classifier_experiment(model, optimizer, None, batches, inputs, targets)


class _Finals(Callback):
    def __init__(self) -> None:
        self.evaluations: list[int] = []

    def on_evaluate(self, loop, step: int, metrics: dict) -> None:
        self.evaluations.append(step)


def test_fit_without_a_run_directory_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seen = _Finals()
    loop = fit(_classifier(), 12, callbacks=[seen], log_every=4, eval_every=5)
    assert list(tmp_path.iterdir()) == []
    assert loop.run_dir is None and loop.last_checkpoint_step is None and loop.step == 12
    assert seen.evaluations == [5, 10, 12]  # at the interval, and always at the end
    assert set(loop.last_eval) == {"val_loss", "val_accuracy"} and loop.last_eval["val_accuracy"] > 0.5
    assert loop.train_seconds > 0


def test_fit_evaluates_with_final_only_at_the_last_step() -> None:
    finals = []
    experiment = _classifier()
    experiment.evaluate = lambda model, final=False: finals.append(final) or {"val_loss": 0.0}
    fit(experiment, 6, eval_every=2)
    assert finals == [False, False, True]


def test_divergence_without_a_run_directory_says_nothing_was_saved() -> None:
    experiment = _classifier()
    experiment.loss_fn = lambda model, x, y: (model(x).sum() * float("nan"), None)
    with pytest.raises(TrainingDiverged, match="loss became nan at step 1.*nothing was saved"):
        fit(experiment, 5)


def test_batches_as_arrays_are_the_tensors_fit_trains_on() -> None:
    images = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    shift = lambda x, rng: x + rng.integers(0, 5, (len(x), 1))  # noqa: E731
    arrays = ArrayBatches(images, np.arange(10), 4, seed=1, transform=shift)
    text = TextBatches(np.arange(500) % 7, block_size=8, batch_size=3, seed=1)
    for batches in (arrays, text):
        for step in (0, 3, 1):
            x, y = batches.batch(step)
            x_array, y_array = batches.arrays(step)
            np.testing.assert_array_equal(x.numpy(), x_array)
            np.testing.assert_array_equal(y.numpy(), y_array)
    x, y = text.arrays(2)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # targets are the inputs moved one token on


def test_language_model_evaluation_reads_every_window_at_the_end() -> None:
    ids = np.arange(1000) % 5
    model = _Counting()
    evaluate = language_model_evaluation(ids, block_size=10, estimate_windows=7)
    evaluate(model, final=False)
    assert model.windows == 7
    model.windows = 0
    evaluate(model, final=True)
    assert model.windows == 99  # (1000 - 1) // 10: every window whose targets fit


class _Counting(nn.Module):
    """Uniform logits over 5 tokens; counts the windows it is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.windows = 0

    def forward(self, x: gg.Tensor) -> gg.Tensor:
        self.windows += x.shape[0]
        return gg.zeros(*x.shape, 5)


def test_language_model_loss_of_uniform_logits_is_log_vocab() -> None:
    x = gg.tensor(np.zeros((2, 3), dtype=np.int64))
    loss, correct = language_model_loss(_Counting(), x, x)
    assert correct is None and loss.item() == pytest.approx(np.log(5))
