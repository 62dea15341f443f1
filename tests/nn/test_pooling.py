"""nn pooling layers: torch parity of forward and input gradient, return_indices, and repr."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

LAYERS = [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 9)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (3, 7, 7)),
    ("MaxPool1d", (3,), dict(stride=2, dilation=2), (2, 3, 11)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 8, 9)),
    ("AvgPool2d", ((2, 3),), dict(divisor_override=5), (2, 3, 8, 9)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 11)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 8, 9)),
    ("AdaptiveAvgPool2d", (1,), {}, (3, 5, 5)),
]


@pytest.mark.parametrize("name, args, kwargs, x_shape", LAYERS)
def test_matches_torch(name, args, kwargs, x_shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal(x_shape).astype(np.float32)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xg), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_max_pool_return_indices() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 7)).astype(np.float32)
    y, indices = nn.MaxPool2d(2, return_indices=True)(gg.tensor(x))
    yt, indices_t = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(indices.numpy(), indices_t.numpy())


def test_pooling_layers_have_no_state() -> None:
    for layer in (nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)):
        assert not list(layer.parameters()) and not layer.state_dict()
