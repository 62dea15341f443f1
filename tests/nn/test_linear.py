"""nn.Linear and nn.Identity: parity with torch (forward and grads), default init statistics, gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.autograd import gradcheck


def _pair(in_features: int, out_features: int, bias: bool = True):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(in_features, out_features, bias=bias)
    ours = nn.Linear(in_features, out_features, bias=bias)
    with gg.no_grad():
        ours.weight.array[...] = theirs.weight.detach().numpy()
        if bias:
            ours.bias.array[...] = theirs.bias.detach().numpy()
    return torch, ours, theirs


@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 5), (2, 0, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_and_grads_match_torch(shape: tuple, bias: bool) -> None:
    torch, ours, theirs = _pair(5, 4, bias)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape[:-1] + (4,)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.tensor(g))
    xg = gg.tensor(x, requires_grad=True)
    yg = ours(xg)
    yg.backward(gg.tensor(g))
    assert yg.shape == tuple(yt.shape) and yg.dtype == gg.float32
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-4)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-4)
    else:
        assert ours.bias is None


def test_gradcheck_float64() -> None:
    layer = nn.Linear(4, 3).double()
    x = gg.randn(2, 3, 4, dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: gg.nn.functional.linear(x, w, b), [x, layer.weight, layer.bias])


def test_default_init_matches_torch_distribution() -> None:
    gg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    weight = layer.weight.detach().numpy()
    bias = layer.bias.detach().numpy()
    assert weight.shape == (300, 400) and weight.dtype == np.float32
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert np.abs(bias).max() <= bound
    # U(-b, b): mean 0, variance b²/3 (120,000 draws: standard errors ~0.3% of b).
    assert abs(weight.mean()) < 0.01 * bound
    assert weight.var() == pytest.approx(bound**2 / 3, rel=0.02)


def test_init_is_seeded() -> None:
    gg.manual_seed(3)
    first = nn.Linear(3, 2).weight.detach().numpy().copy()
    gg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.detach().numpy(), first)


def test_dtype_and_reset_parameters() -> None:
    layer = nn.Linear(3, 2, dtype=gg.float64)
    assert layer.weight.dtype == gg.float64 and layer.bias.dtype == gg.float64
    weight = layer.weight
    before = weight.detach().numpy().copy()
    layer.reset_parameters()
    assert layer.weight is weight and not np.array_equal(before, weight.detach().numpy())


def test_zero_in_features_gives_zero_bias_bound() -> None:
    with pytest.warns(UserWarning, match="zero-element"):
        layer = nn.Linear(0, 3)
    assert (layer.bias.detach().numpy() == 0).all()
    assert layer(gg.zeros(2, 0)).shape == (2, 3)


def test_errors_name_shapes_and_dtypes() -> None:
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"input of shape \(4, 5\) does not fit weight of shape \(2, 3\)"):
        layer(gg.zeros(4, 5))
    with pytest.raises(TypeError, match="one dtype"):
        layer(gg.zeros(4, 3, dtype=gg.float64))


def test_extra_repr_and_identity() -> None:
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    x = gg.zeros(2)
    assert nn.Identity(1, 2, key="v")(x) is x
    assert repr(nn.Identity()) == "Identity()"
