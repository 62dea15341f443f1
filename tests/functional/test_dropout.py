"""F.dropout: inverted-dropout statistics, gradient = the same mask, seeding, eval identity, in place."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F


def test_statistics_and_scale() -> None:
    gg.manual_seed(0)
    x = gg.ones(100_000)
    y = F.dropout(x, p=0.3).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], np.float32(1 / 0.7))
    assert y.dtype == np.float32


def test_gradient_uses_the_same_mask() -> None:
    x = gg.randn(50, 40, requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)


def test_seeded() -> None:
    gg.manual_seed(5)
    first = F.dropout(gg.ones(100)).numpy()
    gg.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(gg.ones(100)).numpy(), first)


def test_identity_cases_and_p_one() -> None:
    x = gg.randn(10)
    assert F.dropout(x, training=False) is x
    assert F.dropout(x, p=0.0) is x
    assert (F.dropout(x, p=1.0).numpy() == 0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, p=-0.1)


def test_in_place() -> None:
    x = gg.ones(1000)
    y = F.dropout(x, p=0.5, inplace=True)
    assert y is x and (x.numpy() == 0).any()
    leaf = gg.ones(10, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        F.dropout(leaf, inplace=True)
    h = leaf * 1.0
    F.dropout(h, p=0.5, inplace=True).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), h.detach().numpy())  # grad = mask/(1-p) = h here
