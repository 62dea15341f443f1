"""Monitor: records the right numbers, changes nothing, leaves no hooks behind."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import mlp, train  # noqa: E402

import glassgrad as gg  # noqa: E402
import glassgrad.nn as nn  # noqa: E402
from glassgrad.diagnostics import Monitor  # noqa: E402


def test_records_every_and_hooks_removed(tmp_path):
    gg.manual_seed(0)
    model = mlp()
    monitor = train(model, steps=30, every=10)
    assert [r["step"] for r in monitor.history] == [1, 10, 20, 30]
    rec = monitor.history[-1]
    assert set(rec["layers"]["1"]) >= {"mean", "std", "hist", "dead_fraction"}
    assert sum(rec["layers"]["1"]["hist"]["counts"]) == 32 * 32
    assert -4 < rec["params"]["0.weight"]["log10_update_to_data"] < 0
    assert all(not m._forward_hooks for m in model.modules())
    monitor.save(tmp_path / "health.jsonl")
    lines = (tmp_path / "health.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 10, 20, 30]


def test_does_not_change_the_model():
    gg.manual_seed(0)
    model = mlp()
    x = gg.randn(8, 16)
    before = model(x).detach().numpy().copy()
    with Monitor(model, every=1) as monitor:
        after = model(x).detach().numpy()
        monitor.step(gg.tensor(1.0))
    np.testing.assert_array_equal(before, after)


def test_run_dir_writes_health_jsonl(tmp_path):
    model = mlp()
    with Monitor(model, every=1, run_dir=str(tmp_path)) as monitor:
        model(gg.randn(4, 16))
        monitor.step(gg.tensor(0.5))
        monitor.step(float("nan"))
    rows = [json.loads(line) for line in (tmp_path / "health.jsonl").read_text().splitlines()]
    assert [r["loss_finite"] for r in rows] == [True, False]
    assert monitor.diagnose()[0].kind == "divergence"


def test_no_parameters_names_the_model():
    with pytest.raises(ValueError, match="ReLU has no parameters"):
        Monitor(nn.ReLU())
