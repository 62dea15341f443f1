"""models.ConvNet: structure, parameter names and shapes, batch-norm option, parity with the same network in
PyTorch, a short training run that learns, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.models import ConvNet


def test_default_is_the_benchmark_network() -> None:
    model = ConvNet()
    kinds = [type(m).__name__ for m in model.features] + [type(m).__name__ for m in model.classifier]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                     "Flatten", "Linear", "ReLU", "Linear"]  # fmt: skip
    shapes = {name: p.shape for name, p in model.named_parameters()}
    assert shapes == {
        "features.0.weight": (32, 1, 3, 3), "features.0.bias": (32,),
        "features.3.weight": (64, 32, 3, 3), "features.3.bias": (64,),
        "classifier.1.weight": (128, 3136), "classifier.1.bias": (128,),
        "classifier.3.weight": (10, 128), "classifier.3.bias": (10,),
    }  # fmt: skip


def test_batch_norm_and_dropout_options() -> None:
    model = ConvNet(3, 5, channels=(8, 16, 16), hidden=32, image_size=32, batch_norm=True, dropout=0.5)
    assert [type(m).__name__ for m in model.features[:4]] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    assert model.features[0].bias is None  # the norm's beta replaces the conv bias
    assert "Dropout" in [type(m).__name__ for m in model.classifier]
    assert model.classifier[1].in_features == 16 * 4 * 4  # 32 -> 16 -> 8 -> 4
    assert model(gg.randn(2, 3, 32, 32)).shape == (2, 5)
    assert "features.1.running_mean" in model.state_dict()


def test_matches_torch_twin() -> None:
    torch = pytest.importorskip("torch")
    ours = ConvNet(batch_norm=True)
    tn = torch.nn
    twin = tn.Module()
    twin.features = tn.Sequential(tn.Conv2d(1, 32, 3, padding=1, bias=False), tn.BatchNorm2d(32), tn.ReLU(),
                                  tn.MaxPool2d(2), tn.Conv2d(32, 64, 3, padding=1, bias=False), tn.BatchNorm2d(64),
                                  tn.ReLU(), tn.MaxPool2d(2))  # fmt: skip
    twin.classifier = tn.Sequential(tn.Flatten(), tn.Linear(3136, 128), tn.ReLU(), tn.Linear(128, 10))
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    y, yt = ours(gg.tensor(x)), twin.classifier(twin.features(torch.tensor(x)))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-4)


def test_a_few_steps_reduce_the_loss() -> None:
    gg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.standard_normal((16, 1, 12, 12)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 3, 16))
    model = ConvNet(1, 3, channels=(4, 8), hidden=16, image_size=12, batch_norm=True)
    optimizer = gg.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"expected images \(B, C, 28, 28\), got input of shape \(2, 1, 32, 32\)"):
        ConvNet()(gg.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="too small for 3 stages"):
        ConvNet(channels=(4, 4, 4), image_size=4)
    with pytest.raises(ValueError, match="dropout must be in"):
        ConvNet(dropout=1.5)
