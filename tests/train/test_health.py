"""Training health in `glassgrad train`: health.jsonl and findings.json in the run, the bar's few words, the
report's section, resume; and the calibration: every recipe that runs here trains with no warning finding."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from glassgrad.train.config import TrainConfig
from glassgrad.train.health import HealthCallback
from glassgrad.train.recipes import RECIPES
from glassgrad.train.run import train

# short budgets through the real `glassgrad train` path: enough records (every 10 steps) for a finding to persist,
# small enough for a 2-core machine; evaluation on a few examples, since only training is watched.
# cnn-digits gets 150 steps: a shorter run also shortens its warmup (steps // 10), and at 60 steps (6 warmup
# steps) 55% of its head's ReLUs (classifier.2) die, over the 50% line; at 150 steps (15 warmup) 45-48%
BUDGETS = {"mlp-digits": 200, "vit-digits": 80, "cnn-digits": 150, "gpt-shakespeare": 60, "lstm-shakespeare": 60}


def quiet() -> io.StringIO:
    return io.StringIO()


def run_recipe(tmp_path: Path, recipe: str, steps: int, **options) -> Path:
    config = TrainConfig(recipe=recipe, steps=steps, eval_limit=64, out_dir=str(tmp_path), **options)
    return train(config, stream=open(os.devnull, "w")).run_dir


@pytest.mark.parametrize("recipe", sorted(BUDGETS))
def test_recipe_trains_with_no_findings(tmp_path: Path, recipe: str) -> None:
    if not RECIPES[recipe].available():
        pytest.skip(RECIPES[recipe].missing_hint())
    run = run_recipe(tmp_path, recipe, BUDGETS[recipe])
    findings = json.loads((run / "findings.json").read_text())
    assert findings == [], f"{recipe}: {[f['headline'] for f in findings]}"
    records = [json.loads(line) for line in (run / "health.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, *range(10, BUDGETS[recipe] + 1, 10)]
    if RECIPES[recipe].grad_clip:
        assert all(0.0 <= r["clip_fraction"] <= 1.0 for r in records) and records[0]["clip_norm"] == 1.0
    report = (run / "report.html").read_text()
    assert '<ul id="findings"></ul>' in report and "no findings: training looked healthy" in report


def test_a_broken_run_reports_its_findings(tmp_path: Path) -> None:
    # mlp-digits at 30x its learning rate: the loss rises and the updates are far too large
    run = run_recipe(tmp_path, "mlp-digits", 60, lr=0.1, warmup=0)
    findings = json.loads((run / "findings.json").read_text())
    assert findings and set(findings[0]) == {"kind", "where", "steps", "severity", "message", "headline"}
    report = (run / "report.html").read_text()
    assert 'id="findings"><li class="finding' in report and findings[0]["kind"] in report
    assert "no findings" not in report


def test_resume_appends_to_health_jsonl(tmp_path: Path) -> None:
    run = run_recipe(tmp_path, "mlp-digits", 40, checkpoint_every=20, eval_every=20)
    health = run / "health.jsonl"
    assert [json.loads(line)["step"] for line in health.read_text().splitlines()] == [1, 10, 20, 30, 40]
    # as if killed after step 50's record but before its checkpoint: that record must go, the step runs again
    with open(health, "a") as file:
        file.write(json.dumps({"step": 50, "loss": -1.0, "loss_finite": True, "layers": {}, "params": {}}) + "\n")
    config = json.loads((run / "config.json").read_text())
    config["steps"] = 60
    (run / "config.json").write_text(json.dumps(config))
    train(TrainConfig(), resume=run, stream=open(os.devnull, "w"))  # resumes at the checkpoint of step 40
    records = [json.loads(line) for line in health.read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 10, 20, 30, 40, 50, 60]  # kept, then the resumed run's, none twice
    assert records[5]["loss"] > 0 and records[5]["params"]  # step 50 is the resumed run's own record
    assert json.loads((run / "findings.json").read_text()) == []


class _Loop:
    def __init__(self, experiment, step=0):
        self.experiment, self.step = experiment, step


def test_headline_is_health_ok_then_the_top_finding(tmp_path: Path) -> None:
    import glassgrad as gg
    import glassgrad.nn as nn

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with gg.no_grad():
        model[0].bias.fill_(-50.0)  # every ReLU dead
    experiment = type("Experiment", (), {"model": model, "optimizer": None})()
    health = HealthCallback(tmp_path, every=10)
    loop = _Loop(experiment)
    health.on_train_start(loop)
    assert health.headline() == "health ok"
    for step in range(1, 41):
        model(gg.randn(16, 4))
        health.on_after_step(loop, step, 1.0, 0.5)
    assert health.headline() == "layer 1: 8 of 8 units dead"
    health.on_train_end(loop, 40)
    assert not any(m._forward_hooks for m in model.modules())
    saved = json.loads((tmp_path / "findings.json").read_text())
    assert saved[0]["kind"] == "dead_units" and saved[0]["headline"] == "layer 1: 8 of 8 units dead"


def test_progress_shows_the_health_words() -> None:
    from glassgrad.train.callbacks import Progress

    stream = quiet()
    progress = Progress(4, stream, health=lambda: "layer 1: 8 of 8 units dead")
    progress.on_train_start(None)
    progress.on_step(None, 2, {"loss": 1.0, "lr": 1e-3, "samples_per_s": 10.0})
    assert "samples/s  layer 1: 8 of 8 units dead  elapsed" in stream.getvalue()


def test_a_run_stopped_by_a_nan_loss_says_divergence_in_findings_json(tmp_path: Path) -> None:
    from glassgrad.train.loop import TrainingDiverged

    config = TrainConfig(recipe="mlp-digits", steps=40, lr=1e6, warmup=0, eval_limit=64, out_dir=str(tmp_path))
    with pytest.raises(TrainingDiverged):
        train(config, stream=quiet())
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    findings = json.loads((run / "findings.json").read_text())
    assert findings[0]["kind"] == "divergence" and findings[0]["severity"] == "error"
    assert "non-finite" in findings[0]["message"]
