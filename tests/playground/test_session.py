"""Session and network: the builder's shapes and seeds, training lowers the loss, settings restart training,
frames hold what the page draws, the Monitor's findings arrive in the page's words, and inspect's zoom."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassgrad import nn
from glassgrad.playground import network
from glassgrad.playground.session import GRID, NEURON_GRID, Session
from glassgrad.playground.validate import ParameterError, validate


def test_the_builder_follows_the_settings_and_the_seed() -> None:
    config = validate({"features": ["x1", "x2", "x1x2"], "layers": [5, 3], "activation": "relu", "seed": 4})
    net = network.build(config)
    shapes = [tuple(lin.weight.shape) for lin in net.linears]
    assert shapes == [(5, 3), (3, 5), (1, 3)]
    assert [type(m).__name__ for m in net.model.children()] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    again = network.build(config)
    other = network.build(validate({"seed": 5}, base=config))
    w = net.linears[0].weight.detach().numpy()
    assert np.array_equal(w, again.linears[0].weight.detach().numpy())
    assert not np.array_equal(w, other.linears[0].weight.detach().numpy())
    assert np.abs(w).max() <= 1 / np.sqrt(3)  # PyTorch's default U(-1/√fan_in, 1/√fan_in)
    points = np.array([[1.0, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(network.featurize(points, config.features), [[1.0, 2.0, 2.0]])


@pytest.mark.parametrize(("name", "kind"), [("sgd", "SGD"), ("momentum", "SGD"), ("adam", "Adam"), ("adamw", "AdamW")])
def test_optimizers(name: str, kind: str) -> None:
    net = network.build(validate({"optimizer": name, "learning_rate": 0.01}))
    assert type(net.optimizer).__name__ == kind
    assert net.optimizer.param_groups[0]["lr"] == 0.01
    assert net.optimizer.param_groups[0].get("momentum", 0.0) == (0.9 if name == "momentum" else 0.0)


def test_the_penalty_is_l1_plus_l2_of_the_weights_only() -> None:
    net = network.build(validate({"l1": 0.01, "l2": 0.1, "layers": [3]}))
    weights = [lin.weight.detach().numpy().astype(np.float64) for lin in net.linears]
    expected = sum(0.01 * np.abs(w).sum() + 0.1 * (w * w).sum() for w in weights)
    assert float(net.penalty().item()) == pytest.approx(expected, rel=1e-5)
    assert network.build(validate({})).penalty() is None


@pytest.mark.parametrize("schedule", ["step", "cosine", "exponential"])
def test_schedules_lower_the_rate(schedule: str) -> None:
    session = Session({"schedule": schedule, "learning_rate": 0.1})
    session.train(600)
    assert session.net.optimizer.param_groups[0]["lr"] < 0.1


def test_training_lowers_the_loss_and_frames_hold_every_figure() -> None:
    session = Session({"dataset": "circle", "learning_rate": 0.1, "layers": [4, 2]})
    first = session.frame()
    assert session.train(400) == 400
    frame = session.frame()
    assert frame["train_loss"] < 0.5 * first["train_loss"]
    assert len(frame["boundary"]["values"]) == GRID * GRID
    assert [len(layer) for layer in frame["neurons"]] == [4, 2]
    assert all(len(n) == NEURON_GRID**2 for layer in frame["neurons"] for n in layer)
    assert [np.array(w).shape for w in frame["weights"]] == [(4, 2), (2, 4), (1, 2)]
    assert [np.array(g).shape for g in frame["grads"]] == [(4, 2), (2, 4), (1, 2)]
    assert len(frame["grad_norms"]) == 3 and all(g > 0 for g in frame["grad_norms"])
    assert [point[0] for point in frame["curve"]] == [0, 400]
    json.dumps(frame, allow_nan=False)  # valid JSON as sent


def test_new_settings_restart_and_bad_ones_leave_the_session_as_it_was() -> None:
    session = Session()
    session.train(30)
    with pytest.raises(ParameterError):
        session.configure({"layers": [4, 99]})
    assert session.step_count == 30 and session.config.layers == (4, 2)
    session.configure({"activation": "relu"})
    assert session.step_count == 0 and session.frame()["curve"] == [[0, pytest.approx(session.curve[0][1]),
                                                                     pytest.approx(session.curve[0][2])]]
    session.train(5)
    session.reset()
    assert session.step_count == 0


def test_the_monitor_names_dead_units_by_layer() -> None:
    # a learning rate far too high for ReLU kills units; the Monitor (glassgrad.diagnostics) says which
    session = Session({"activation": "relu", "layers": [8, 8], "learning_rate": 3.0, "init": "kaiming"})
    session.train(200)
    session._findings_at = 0.0
    findings = session.findings()
    assert findings, "expected the Monitor to find something at learning rate 3"
    dead = [f for f in findings if f["kind"] == "dead_units"]
    kinds = {f["kind"] for f in findings}
    assert dead or "divergence" in kinds, kinds
    for f in dead:
        assert f["headline"].startswith("layer ") and " of 8 units dead" in f["headline"]


def test_single_step_and_inspect() -> None:
    session = Session({"layers": [3], "batch_size": 4})
    with pytest.raises(LookupError, match="press step first"):
        session.inspect(1, 0)
    before = session.net.linears[0].weight.detach().numpy().copy()
    detail = session.single_step()
    assert detail["step"] == 1 and detail["batch_size"] == 4
    assert not np.array_equal(before, session.net.linears[0].weight.detach().numpy())  # one update
    result = session.inspect(1, 2)
    zoom = result["zoom"]
    x = np.array(detail["point"])
    z = float(before[2] @ x + session.last_step["weights"][0][1][2])
    assert zoom["z"] == pytest.approx(z, abs=1e-5) and result["value"] == pytest.approx(np.tanh(z), abs=1e-5)
    assert zoom["dL_dz"] == pytest.approx(result["grad"] * (1 - np.tanh(z) ** 2), rel=1e-4)
    assert [t["dL_dw"] for t in zoom["terms"]] == pytest.approx([zoom["dL_dz"] * v for v in x], rel=1e-4)
    output = session.inspect(2, 0)
    assert output["zoom"]["activation"] == "linear" and output["zoom"]["da_dz"] == 1.0
    with pytest.raises(IndexError, match="no neuron 5 in layer 1"):
        session.inspect(1, 5)


def test_a_session_only_reads_its_model() -> None:
    session = Session()
    assert all(isinstance(m, (nn.Linear, nn.Tanh)) for m in session.net.model.children())
    session.close()
    assert session.monitor._handles == []
