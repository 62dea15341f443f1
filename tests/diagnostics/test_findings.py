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
