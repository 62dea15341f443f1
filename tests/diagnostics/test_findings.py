"""Calibration: each broken setup is caught with the right kind, and the healthy setup stays silent."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import mlp, train  # noqa: E402

import glassgrad as gg  # noqa: E402
import glassgrad.nn as nn  # noqa: E402


def kinds(monitor):
    return {f.kind for f in monitor.diagnose()}


@pytest.mark.parametrize("act", [nn.ReLU, nn.Tanh])
def test_healthy_is_silent(act):
    gg.manual_seed(0)
    assert kinds(train(mlp(act), lr=0.3)) == set()


def test_dead_relus_from_negative_bias():
    gg.manual_seed(0)
    model = mlp()
    with gg.no_grad():
        model[0].bias.fill_(-20.0)
    found = train(model).diagnose()
    dead = [f for f in found if f.kind == "dead_units"]
    assert dead and dead[0].where == "1" and "dead" in dead[0].message


def test_tanh_saturated_by_large_init():
    gg.manual_seed(0)
    model = mlp(nn.Tanh)
    with gg.no_grad():
        model[0].weight.mul_(20.0)
        model[2].weight.mul_(20.0)
    assert "saturation" in kinds(train(model))


def test_deep_sigmoid_vanishing_gradients():
    gg.manual_seed(0)
    assert "vanishing_gradients" in kinds(train(mlp(nn.Sigmoid, depth=10)))


def test_lr_10x_too_high_diverges():
    gg.manual_seed(0)
    found = train(mlp(), lr=3.0).diagnose()
    assert found[0].kind == "divergence" and found[0].severity == "error"


def test_lr_1000x_too_low():
    gg.manual_seed(0)
    assert kinds(train(mlp(), lr=3e-4)) == {"update_ratio_low"}


def test_adam_family_healthy_is_silent():
    gg.manual_seed(0)
    assert kinds(train(mlp(), lr=1e-3, opt="adam")) == set()
    gg.manual_seed(0)
    assert kinds(train(mlp(nn.GELU), lr=3e-3, opt="adamw")) == set()


def test_update_ratio_high_from_a_100x_learning_rate():
    # AdamW at lr 0.3 (100x the usual 3e-3): each step rewrites about 10^-0.9 of every weight
    gg.manual_seed(0)
    found = train(mlp(nn.GELU), lr=0.3, opt="adamw").diagnose()
    high = [f for f in found if f.kind == "update_ratio_high"]
    assert high and high[0].severity == "warning" and "learning rate" in high[0].message
    assert high[0].headline.startswith("updates too large")


def test_exploding_gradients_from_a_loss_1000x_too_large():
    # a loss summed instead of averaged (here: scaled by 1000) makes every gradient 1000x its weights' scale;
    # Adam's update is scale-free, so training itself stays fine and only the gradient statistics show it
    gg.manual_seed(0)
    monitor = train(mlp(), lr=1e-3, opt="adam", loss_scale=1000.0)
    found = [f for f in monitor.diagnose() if f.kind != "divergence"]  # the loss itself is 1000x: not the point
    assert [f.kind for f in found] == ["exploding_gradients"]
    ratio = monitor.history[-1]["params"][found[0].where]["log10_grad_to_data"]
    assert ratio > 1.0 and "clipping" in found[0].message


def test_findings_have_a_short_headline_and_a_dict():
    gg.manual_seed(0)
    model = mlp()
    with gg.no_grad():
        model[0].bias.fill_(-20.0)
    dead = [f for f in train(model).diagnose() if f.kind == "dead_units"][0]
    assert dead.headline == "layer 1: 32 of 32 units dead"
    assert set(dead.to_dict()) == {"kind", "where", "steps", "severity", "message", "headline"}
