"""nn/activation.py: every layer against torch's (repr, values, gradients) over its constructor arguments."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

# (class name, positional args, keyword args), built the same way in both libraries.
LAYERS = [
    ("ReLU", (), {}),
    ("ReLU", (True,), {}),
    ("ReLU6", (), {}),
    ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2, True), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("SiLU", (True,), {}),
    ("Softplus", (), {}),
    ("Softplus", (2.0, 5.0), {}),
    ("ELU", (), {}),
    ("ELU", (0.5,), {"inplace": True}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 3.0), {}),
    ("Hardtanh", (), {"min_value": -0.5, "max_value": 0.5}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (-1,), {}),
    ("LogSoftmax", (), {"dim": 0}),
]


def layer_id(case: tuple) -> str:
    name, args, kwargs = case
    return name + "".join(f"-{a}" for a in args) + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.filterwarnings("ignore:keyword argument `m")  # both warn about Hardtanh's min_value/max_value
@pytest.mark.parametrize("case", LAYERS, ids=layer_id)
def test_layer_matches_torch(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)

    values = np.random.default_rng(0).standard_normal((3, 5)) * 3
    values[0, :4] = [0.0, 1.0, -1.0, 6.0]
    upstream = np.random.default_rng(1).standard_normal((3, 5))
    x_ours = gg.tensor(values, requires_grad=True)
    x_theirs = torch.tensor(values, requires_grad=True)
    # An in-place layer may not overwrite a leaf that requires grad: feed it a computed tensor, as in a model.
    y_ours = ours(x_ours * 1.0)
    y_theirs = theirs(x_theirs * 1.0)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_defaults_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    for name, attributes in [("LeakyReLU", ["negative_slope", "inplace"]), ("GELU", ["approximate"]),
                             ("Softplus", ["beta", "threshold"]), ("ELU", ["alpha", "inplace"]),
                             ("Hardtanh", ["min_val", "max_val", "inplace"]), ("Softmax", ["dim"])]:
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        for attribute in attributes:
            assert getattr(ours, attribute) == getattr(theirs, attribute), f"{name}.{attribute}"


def test_layers_compose_in_sequential_without_parameters() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    out = model(gg.randn(5, 4))
    out.sum().backward()
    assert out.shape == (5, 3) and model[0].weight.grad is not None
    assert list(nn.GELU().parameters()) == [] and nn.Softmax(dim=1).state_dict() == {}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU(approximate="fast")(gg.randn(2))
    with pytest.raises(ValueError, match=r"max_val \(-1.0\) must be greater than min_val \(1.0\)"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.warns(FutureWarning, match="`min_value` is deprecated and renamed to `min_val`"):
        nn.Hardtanh(min_value=-2.0)
