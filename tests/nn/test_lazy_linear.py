"""nn.LazyLinear: placeholders until the first forward, then a Linear of the input's width (in place: the same
Parameter objects), with Linear's initialisation draws; repr and state_dict names as torch's."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.optim as optim


def test_lazy_linear_matches_torch_before_and_after_the_first_forward() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours(gg.zeros(2, 5))
    theirs(torch.zeros(2, 5))
    assert type(ours) is nn.Linear and repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)


def test_lazy_linear_draws_as_linear_and_keeps_its_parameter_objects() -> None:
    x = gg.randn(4, 6)
    gg.manual_seed(0)
    eager = nn.Linear(6, 2)
    gg.manual_seed(0)
    lazy = nn.LazyLinear(2)
    weight, bias = lazy.weight, lazy.bias
    optimizer = optim.SGD(lazy.parameters(), lr=0.1)
    out = lazy(x)
    assert lazy.weight is weight and lazy.bias is bias
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), eager.weight.detach().numpy())
    np.testing.assert_array_equal(lazy.bias.detach().numpy(), eager.bias.detach().numpy())
    out.sum().backward()
    before = lazy.weight.detach().numpy().copy()
    optimizer.step()  # built before the first forward, it updates the materialised weight
    np.testing.assert_allclose(lazy.weight.detach().numpy(), before - 0.1 * lazy.weight.grad.numpy(), rtol=1e-6)


def test_lazy_linear_without_bias() -> None:
    layer = nn.LazyLinear(4, bias=False)
    assert layer(gg.randn(3, 2, 7)).shape == (3, 2, 4)
    assert layer.bias is None and layer.in_features == 7
