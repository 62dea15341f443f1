"""models.MLP: structure, parameter names (as the same model in PyTorch), shapes, dropout, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.models import MLP


def test_structure_and_names() -> None:
    model = MLP(784, [64, 32], 10)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias",
    ]  # fmt: skip
    assert [p.shape for p in model.parameters()][::2] == [(64, 784), (32, 64), (10, 32)]


def test_dropout_and_activation_options() -> None:
    model = MLP(8, [4], 2, activation="gelu", dropout=0.2)
    assert [type(m).__name__ for m in model.layers] == ["Linear", "GELU", "Dropout", "Linear"]
    assert isinstance(MLP(8, [4], 2, activation=nn.Tanh).layers[1], nn.Tanh)
    linear = MLP(8, [], 2)
    assert len(linear.layers) == 1
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(8, [4], 2, activation="swish")
    with pytest.raises(ValueError, match="dropout must be in"):
        MLP(8, [4], 2, dropout=1.0)


def test_forward_flattens_images_and_backpropagates() -> None:
    model = MLP(784, [16], 10)
    images = gg.randn(5, 1, 28, 28)
    logits = model(images)
    assert logits.shape == (5, 10)
    np.testing.assert_array_equal(logits.detach().numpy(), model(images.reshape(5, 784)).detach().numpy())
    logits.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_matches_torch_with_loaded_weights() -> None:
    torch = pytest.importorskip("torch")
    ours = MLP(12, [8, 6], 3)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(12, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    )
    ours.layers.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((4, 12)).astype(np.float32)
    np.testing.assert_allclose(
        ours(gg.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_repr() -> None:
    assert repr(MLP(4, [3], 2)) == (
        "MLP(\n  (layers): Sequential(\n    (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "    (1): ReLU()\n    (2): Linear(in_features=3, out_features=2, bias=True)\n  )\n)"
    )
