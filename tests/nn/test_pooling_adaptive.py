"""nn.AdaptiveAvgPool1d and nn.AdaptiveMaxPool1d/2d (functional/adaptive_pooling.py) against torch's: repr,
values, indices, gradients (overlapping bins, None sizes, unbatched input), the *_with_indices names, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

LAYERS = [
    ("AdaptiveAvgPool1d", (3,), (2, 3, 7)),
    ("AdaptiveAvgPool1d", (4,), (3, 8)),
    ("AdaptiveMaxPool1d", (3,), (2, 3, 7)),
    ("AdaptiveMaxPool1d", (5, True), (2, 3, 7)),
    ("AdaptiveMaxPool2d", ((2, 3),), (2, 3, 5, 7)),
    ("AdaptiveMaxPool2d", ((None, 2),), (3, 5, 7)),
    ("AdaptiveMaxPool2d", (3, True), (2, 2, 7, 5)),
    ("AdaptiveMaxPool2d", (1,), (2, 4, 3, 3)),  # global max
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_adaptive_pooling_matches_torch(name, args, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    values = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    if isinstance(y_theirs, tuple):
        assert y_ours[1].dtype == gg.int64
        np.testing.assert_array_equal(y_ours[1].numpy(), y_theirs[1].numpy())
        y_ours, y_theirs = y_ours[0], y_theirs[0]
    upstream = np.random.default_rng(1).standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_adaptive_max_gives_the_gradient_to_the_first_maximum_of_a_tie() -> None:
    x = gg.tensor([[[1.0, 3.0, 3.0, 0.0]]], requires_grad=True)
    F.adaptive_max_pool1d(x, 1).sum().backward()
    assert x.grad.tolist() == [[[0.0, 1.0, 0.0, 0.0]]]


def test_with_indices_names_match_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(2).standard_normal((2, 3, 6, 6)).astype(np.float32)
    for name, args in [("max_pool2d_with_indices", (2,)), ("adaptive_max_pool2d_with_indices", ((2, 4),))]:
        ours = getattr(F, name)(gg.tensor(values), *args)
        theirs = getattr(torch.nn.functional, name)(torch.tensor(values), *args)
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    ours = F.max_pool1d_with_indices(gg.tensor(values[0]), 3)
    theirs = torch.nn.functional.max_pool1d_with_indices(torch.tensor(values[0]), 3)
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.adaptive_max_pool2d(gg.zeros(2, 3), 2), ValueError, r"3-D \(unbatched\) or 4-D .* shape \(2, 3\)"),
    (lambda: F.adaptive_max_pool1d(gg.zeros(2, 3, 4), 0), ValueError, "positive int"),
    (lambda: F.adaptive_avg_pool1d(gg.zeros(2, 3, 4, dtype=gg.int64), 2), TypeError, "floating-point"),
    (lambda: F.adaptive_max_pool2d(gg.zeros(1, 2, 3, 3), (1, 2, 3)), ValueError, "2 positive int"),
])
def test_adaptive_pooling_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
