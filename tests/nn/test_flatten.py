"""nn.Flatten and nn.Unflatten."""

from __future__ import annotations

import pytest

import glassgrad as gg
import glassgrad.nn as nn


def test_flatten_default_keeps_batch_dim() -> None:
    x = gg.randn(2, 3, 4, 5, requires_grad=True)
    y = nn.Flatten()(x)
    assert y.shape == (2, 60)
    y.sum().backward()
    assert x.grad.shape == (2, 3, 4, 5)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)


def test_unflatten_inverts_flatten() -> None:
    x = gg.randn(2, 12)
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, 6))(x).shape == (2, 2, 6)
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 12)


def test_repr_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
