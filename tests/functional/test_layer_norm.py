"""F.layer_norm and F.rms_norm: parity with PyTorch (values and gradients), gradcheck in float64, the fused op
against the same formula written with tensor ops, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _run(fn_gg, fn_torch, x, params, dtype=np.float64):
    """Outputs and grads (input, then each non-None param) of both frameworks on one input."""
    g = RNG.standard_normal(x.shape).astype(dtype)
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    tparams = [None if p is None else torch.tensor(p.astype(dtype), requires_grad=True) for p in params]
    out_t = fn_torch(tx, *tparams)
    out_t.backward(torch.tensor(g))
    gx = gg.tensor(x.astype(dtype), requires_grad=True)
    gparams = [None if p is None else gg.tensor(p.astype(dtype), requires_grad=True) for p in params]
    out = fn_gg(gx, *gparams)
    out.backward(gg.tensor(g))
    ours = [out.detach().numpy(), gx.grad.numpy()] + [p.grad.numpy() for p in gparams if p is not None]
    theirs = [out_t.detach().numpy(), tx.grad.numpy()] + [p.grad.numpy() for p in tparams if p is not None]
    return ours, theirs


@pytest.mark.parametrize("shape,normalized", [((4, 5, 8), (8,)), ((3, 4, 6), (4, 6)), ((7,), 7)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_parity_with_torch(shape, normalized, affine):
    x = RNG.standard_normal(shape) * 3 + 1
    norm_shape = (normalized,) if isinstance(normalized, int) else normalized
    w = RNG.standard_normal(norm_shape) if affine != "none" else None
    b = RNG.standard_normal(norm_shape) if affine == "both" else None
    ours, theirs = _run(
        lambda x, w, b: F.layer_norm(x, normalized, w, b, eps=1e-5),
        lambda x, w, b: torch.nn.functional.layer_norm(x, norm_shape, w, b, eps=1e-5),
        x,
        [w, b],
    )
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, atol=1e-10)


def test_layer_norm_float32_parity():
    x = RNG.standard_normal((12, 64, 128)).astype(np.float32)
    w, b = RNG.standard_normal(128), RNG.standard_normal(128)
    ours, theirs = _run(
        lambda x, w, b: F.layer_norm(x, (128,), w, b),
        lambda x, w, b: torch.nn.functional.layer_norm(x, (128,), w, b),
        x,
        [w, b],
        np.float32,
    )
    assert ours[0].dtype == np.float32 and ours[1].dtype == np.float32
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize("with_weight", [True, False])
def test_rms_norm_parity_with_torch(eps, with_weight):
    x = RNG.standard_normal((3, 4, 6))
    w = RNG.standard_normal(6) if with_weight else None
    ours, theirs = _run(
        lambda x, w: F.rms_norm(x, (6,), w, eps=eps),
        lambda x, w: torch.nn.functional.rms_norm(x, (6,), w, eps=eps),
        x,
        [w],
    )
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, atol=1e-10)


def test_gradcheck_layer_norm_and_rms_norm():
    x = gg.tensor(RNG.standard_normal((3, 2, 5)), requires_grad=True)
    w = gg.tensor(RNG.standard_normal((2, 5)), requires_grad=True)
    b = gg.tensor(RNG.standard_normal((2, 5)), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 5), w, b), [x, w, b])
    assert gradcheck(lambda x: F.layer_norm(x, 5), [x])
    assert gradcheck(lambda x, w: F.rms_norm(x, (2, 5), w, eps=1e-5), [x, w])


def test_fused_layer_norm_matches_composed_formula():
    x_np = RNG.standard_normal((4, 6, 10))
    w_np, b_np = RNG.standard_normal(10), RNG.standard_normal(10)
    results = []
    for fused in (True, False):
        x, w, b = (gg.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
        if fused:
            y = F.layer_norm(x, (10,), w, b)
        else:  # y = (x − μ)/√(σ² + ε) · w + b, one primitive op at a time
            mean = x.mean(dim=-1, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
            y = (x - mean) / (var + 1e-5).sqrt() * w + b
        (y * gg.tensor(np.arange(y.numel()).reshape(y.shape) % 7)).sum().backward()
        results.append([y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for fused, composed in zip(*results):
        np.testing.assert_allclose(fused, composed, atol=1e-10)


def test_layer_norm_statistics_and_constant_rows():
    y = F.layer_norm(gg.randn(5, 32) * 4 + 3, (32,)).numpy()
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-3)
    flat = F.layer_norm(gg.full((2, 8), 3.0), (8,)).numpy()  # zero variance: ε keeps it finite (0)
    assert np.all(flat == 0)


def test_layer_norm_bad_input():
    x = gg.randn(4, 6)
    with pytest.raises(ValueError, match=r"\(4, 6\) does not end in normalized_shape \(5,\)"):
        F.layer_norm(x, (5,))
    with pytest.raises(ValueError, match=r"weight of shape \(5,\).*\(6,\)"):
        F.layer_norm(x, 6, weight=gg.ones(5))
    with pytest.raises(TypeError, match="floating point"):
        F.layer_norm(gg.ones(4, 6, dtype=gg.int64), 6)
    with pytest.raises(TypeError, match="weight is glassgrad.float64 but input is glassgrad.float32"):
        F.layer_norm(x, 6, weight=gg.ones(6, dtype=gg.float64))
    with pytest.raises(ValueError, match="normalized_shape"):
        F.rms_norm(x, (0,))
