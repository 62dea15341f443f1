"""F.linear's fused op: parity with torch and with the composed x @ Wᵀ + b, gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck


@pytest.mark.parametrize("x_shape", [(6, 4), (4,), (2, 3, 4), (2, 1, 3, 4)])
def test_matches_composed_ops(x_shape: tuple) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in (x_shape, (5, 4), (5,))]
    fused = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in arrays]
    composed = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in arrays]
    y_fused = F.linear(*fused)
    y_composed = composed[0] @ composed[1].T + composed[2]
    np.testing.assert_allclose(y_fused.detach().numpy(), y_composed.detach().numpy(), rtol=1e-12)
    g = gg.tensor(rng.standard_normal(y_fused.shape))
    y_fused.backward(g)
    y_composed.backward(g)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_matches_torch_float32() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((3, 7, 16), (8, 16), (8,)))
    ours = [gg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.linear(*ours)
    yt = torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    yt.sum().backward()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_gradcheck_with_and_without_bias() -> None:
    x = gg.randn(2, 3, 4, dtype=gg.float64, requires_grad=True)
    w = gg.randn(5, 4, dtype=gg.float64, requires_grad=True)
    b = gg.randn(5, dtype=gg.float64, requires_grad=True)
    assert gradcheck(F.linear, [x, w, b])
    assert gradcheck(lambda x, w: F.linear(x, w), [x, w])


def test_only_needed_gradients_are_computed() -> None:
    x = gg.randn(3, 4)  # needs no grad, so dL/dx is skipped
    w = gg.randn(2, 4, requires_grad=True)
    y = F.linear(x, w)
    assert y.grad_fn.saved_tensors[1] is None  # W is only needed for dx, which nobody asked for
    y.sum().backward()
    assert w.grad.shape == (2, 4) and x.grad is None


def test_errors() -> None:
    with pytest.raises(ValueError, match="does not fit weight"):
        F.linear(gg.zeros(2, 3), gg.zeros(4, 5))
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(gg.zeros(2, 3), gg.zeros(4, 3), gg.zeros(3))
    with pytest.raises(TypeError, match="one dtype"):
        F.linear(gg.zeros(2, 3), gg.zeros(4, 3, dtype=gg.float64))
    with pytest.raises(TypeError, match="must be tensors"):
        F.linear(np.zeros((2, 3)), gg.zeros(4, 3))
