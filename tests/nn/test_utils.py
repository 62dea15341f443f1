"""nn.utils: gradient clipping against torch, parameters <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


def _grads(scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(scale * rng.standard_normal(shape)).astype(np.float32) for shape in [(4, 3), (3,), (2, 2, 2)]]


def _params(lib, grads: list[np.ndarray]) -> list:
    params = []
    for g in grads:
        p = lib.zeros(g.shape, requires_grad=True)
        p.grad = lib.tensor(g)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    torch = pytest.importorskip("torch")
    grads = _grads()
    ours, theirs = _params(gg, grads), _params(torch, grads)
    total_ours = clip_grad_norm_(ours, max_norm, norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total_ours, gg.Tensor) and total_ours.shape == () and total_ours.dtype == gg.float32
    assert total_ours.item() == pytest.approx(total_theirs.item(), rel=1e-5)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases() -> None:
    assert clip_grad_norm_([gg.zeros(2, requires_grad=True)], 1.0).item() == 0.0  # no grads
    p = gg.zeros(2, requires_grad=True)
    p.grad = gg.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert math.isinf(get_total_norm([p.grad]).item())


def test_clip_grad_value_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    grads = _grads(scale=3.0)
    ours, theirs = _params(gg, grads), _params(torch, grads)
    assert clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


def test_parameters_to_vector_and_back() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vector = parameters_to_vector(model.parameters())
    assert vector.shape == (3 * 2 + 2 + 2 + 1,)
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vector.detach().numpy(), expected)
    vector.sum().backward()  # differentiable, as torch's
    assert all((p.grad.numpy() == 1).all() for p in model.parameters())

    weight = model[0].weight
    vector_to_parameters(gg.arange(11, dtype=gg.float32), model.parameters())
    assert model[0].weight is weight
    np.testing.assert_array_equal(weight.detach().numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [10.0])
    with pytest.raises(ValueError, match=r"expected shape \(11,\)"):
        vector_to_parameters(gg.zeros(5), model.parameters())
