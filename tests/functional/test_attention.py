"""F.scaled_dot_product_attention: parity with PyTorch (values and gradients) for every mask kind,
gradcheck in float64, the fused op against the readable nanoGPT path, dropout, grouped-query attention and
bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck
from glassgrad.functional.attention import attention_reference

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _qkv(batch=(2, 3), L=5, S=6, E=4, Ev=7, dtype=np.float64):
    shapes = (batch + (L, E), batch + (S, E), batch + (S, Ev))
    return tuple(RNG.standard_normal(shape).astype(dtype) for shape in shapes)


def _masks(L=5, S=6):
    bool_mask = RNG.random((L, S)) > 0.3
    bool_mask[:, 0] = True  # every query sees at least one key (no all-masked row)
    return {
        "none": None,
        "bool": bool_mask,
        "bool_batched": RNG.random((2, 1, L, S)) > 0.2,
        "float": RNG.standard_normal((3, L, S)),
        "float_neg_inf": np.where(bool_mask, 0.0, -np.inf),
    }


def _both(q, k, v, mask, grad_mask=False, **kwargs):
    """(glassgrad output and grads, torch output and grads) for the same inputs."""
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    tm = None if mask is None else torch.tensor(mask, requires_grad=grad_mask)
    out_t = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, **kwargs)
    g = RNG.standard_normal(out_t.shape).astype(q.dtype)  # the cotangent in the output's dtype, as backward() gives
    inputs_t = [tq, tk, tv] + ([tm] if grad_mask else [])
    grads_t = torch.autograd.grad(out_t, inputs_t, torch.tensor(g))

    gq, gk, gv = (gg.tensor(a, requires_grad=True) for a in (q, k, v))
    gm = None if mask is None else gg.tensor(mask, requires_grad=grad_mask)
    out = F.scaled_dot_product_attention(gq, gk, gv, attn_mask=gm, **kwargs)
    out.backward(gg.tensor(g))
    grads = [gq.grad, gk.grad, gv.grad] + ([gm.grad] if grad_mask else [])
    return (out.detach().numpy(), [t.numpy() for t in grads]), (
        out_t.detach().numpy(),
        [t.numpy() for t in grads_t],
    )


@pytest.mark.parametrize("mask_kind", ["none", "bool", "bool_batched", "float", "float_neg_inf"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_parity_with_torch(mask_kind, scale):
    q, k, v = _qkv()
    mask = _masks()[mask_kind]
    grad_mask = mask_kind == "float"
    (out, grads), (out_t, grads_t) = _both(q, k, v, mask, grad_mask=grad_mask, scale=scale)
    np.testing.assert_allclose(out, out_t, atol=1e-12)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("L,S", [(5, 5), (4, 6), (6, 4)])
def test_causal_parity_with_torch(L, S):
    q, k, v = _qkv(L=L, S=S)
    (out, grads), (out_t, grads_t) = _both(q, k, v, None, is_causal=True)
    np.testing.assert_allclose(out, out_t, atol=1e-12)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_float32_parity_and_dtype():
    q, k, v = _qkv(batch=(12, 4), L=64, S=64, E=32, Ev=32, dtype=np.float32)
    (out, grads), (out_t, grads_t) = _both(q, k, v, None, is_causal=True)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(out, out_t, atol=1e-5)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_fully_masked_row_gives_zeros_like_torch():
    q, k, v = _qkv()
    mask = np.ones((5, 6), dtype=bool)
    mask[2] = False
    (out, grads), (out_t, grads_t) = _both(q, k, v, mask)
    assert np.all(out[..., 2, :] == 0) and np.all(grads[0][..., 2, :] == 0)
    np.testing.assert_allclose(out, out_t, atol=1e-12)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "bool_batched", "float", "float_neg_inf", "fully_masked"])
def test_float32_masks_take_the_fast_paths_and_match_torch(monkeypatch, mask_kind):
    """Masked float32 attention runs the softmax kernels too (they take −inf keys and give nan for a row with
    none left, which the op turns into zeros), and the heads' products run as BLAS tasks."""
    from glassgrad.kernels import ENABLED, blas
    from tests.kernels.test_fused_paths import spy_on_fast_paths

    q, k, v = (a.astype(np.float32) for a in _qkv())
    masks = _masks()
    masks["fully_masked"] = np.ones((5, 6), dtype=bool)
    masks["fully_masked"][2] = False
    mask = masks[mask_kind]
    mask = mask.astype(np.float32) if mask is not None and mask.dtype != bool else mask
    called: set = set()
    if ENABLED:
        spy_on_fast_paths(monkeypatch, ["softmax", "softmax_backward", "heads_matmul"], called)
    (out, grads), (out_t, grads_t) = _both(q, k, v, mask, grad_mask=mask_kind == "float")
    np.testing.assert_allclose(out, out_t, atol=1e-5)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    if mask_kind == "fully_masked":
        assert np.all(out[..., 2, :] == 0) and np.all(grads[0][..., 2, :] == 0)
    if ENABLED:
        expected = {"softmax", "softmax_backward"} | ({"heads_matmul"} if blas.available() else set())
        expected -= {"heads_matmul"} if mask_kind == "bool_batched" else set()  # (2, 3) scores, (2, 1) mask:
        assert called >= expected  # the broadcast scores go through NumPy's matmul until the mask widens them


def test_each_head_product_checks_its_fit_once(monkeypatch):
    from glassgrad.kernels import blas, registry

    if not blas.available():
        pytest.skip("Numba or NumPy's OpenBLAS not found")
    entry = registry.entry("heads_matmul")
    counts = {"when": 0, "kernel": 0}

    def counted(key, function):
        return lambda *args: counts.__setitem__(key, counts[key] + 1) or function(*args)

    monkeypatch.setattr(blas, "fits_batched", counted("when", blas.fits_batched))  # a second check would count
    monkeypatch.setattr(entry, "when", counted("when", entry.when))
    monkeypatch.setattr(entry, "kernel", counted("kernel", entry.kernel))
    q, k, v = (gg.tensor(a.astype(np.float32), requires_grad=True) for a in _qkv())
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    out.backward(gg.tensor(RNG.standard_normal(out.shape).astype(np.float32)))
    assert counts == {"when": 6, "kernel": 6}  # Q Kᵀ and P V; then P'ᵀ G, G Vᵀ, dA K and dAᵀ Q


def test_leading_batch_dims_any_number():
    for batch in [(), (3,), (2, 3, 2)]:
        q, k, v = _qkv(batch=batch)
        (out, grads), (out_t, grads_t) = _both(q, k, v, None, is_causal=True)
        assert out.shape == batch + (5, 7)
        np.testing.assert_allclose(out, out_t, atol=1e-12)
        for ours, theirs in zip(grads, grads_t):
            np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_grouped_query_attention():
    q = RNG.standard_normal((2, 6, 5, 4))
    k = RNG.standard_normal((2, 2, 5, 4))
    v = RNG.standard_normal((2, 2, 5, 3))
    (out, grads), (out_t, grads_t) = _both(q, k, v, None, is_causal=True, enable_gqa=True)
    np.testing.assert_allclose(out, out_t, atol=1e-12)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal"])
def test_gradcheck(mask_kind):
    q, k, v = (gg.tensor(a, requires_grad=True) for a in _qkv(batch=(2,), L=3, S=4, E=2, Ev=3))
    bool_mask = np.array([[1, 0, 1, 1], [1, 1, 0, 0], [0, 1, 1, 1]], dtype=bool)
    masks = {"none": None, "bool": gg.tensor(bool_mask),
             "float": gg.tensor(RNG.standard_normal((3, 4)), requires_grad=True), "causal": None}  # fmt: skip
    mask = masks[mask_kind]
    causal = mask_kind == "causal"
    inputs = [q, k, v] + ([mask] if mask_kind == "float" else [])

    def fn(q, k, v, *maybe_mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=maybe_mask[0] if maybe_mask else mask,
                                              is_causal=causal, scale=0.7)  # fmt: skip

    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal"])
def test_fused_matches_readable_path(mask_kind):
    q, k, v = _qkv(L=6, S=6)
    masks = _masks(6, 6)
    mask = masks.get(mask_kind)
    results = []
    for path in (F.scaled_dot_product_attention, attention_reference):
        tensors = [gg.tensor(a, requires_grad=True) for a in (q, k, v)]
        m = None if mask is None else gg.tensor(mask)
        out = path(*tensors, attn_mask=m, is_causal=mask_kind == "causal")
        out.sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for fused, readable in zip(*results):
        np.testing.assert_allclose(fused, readable, atol=1e-12)


def test_dropout_matches_readable_path_under_one_seed():
    q, k, v = _qkv(L=6, S=6)
    results = []
    for path in (F.scaled_dot_product_attention, attention_reference):
        gg.manual_seed(7)
        tensors = [gg.tensor(a, requires_grad=True) for a in (q, k, v)]
        out = path(*tensors, dropout_p=0.4, is_causal=True)
        out.sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for fused, readable in zip(*results):
        np.testing.assert_allclose(fused, readable, atol=1e-12)
    # a different seed drops different weights
    gg.manual_seed(8)
    other = F.scaled_dot_product_attention(*(gg.tensor(a) for a in (q, k, v)), dropout_p=0.4, is_causal=True)
    assert not np.allclose(other.numpy(), results[0][0])


def test_dropout_keeps_expectation():
    q, k, v = (gg.tensor(a) for a in _qkv(batch=(), L=3, S=4, E=2, Ev=3))
    exact = F.scaled_dot_product_attention(q, k, v).numpy()
    gg.manual_seed(0)
    qs, ks, vs = (t.expand(4000, *t.shape) for t in (q, k, v))
    mean = F.scaled_dot_product_attention(qs, ks, vs, dropout_p=0.5).numpy().mean(axis=0)
    np.testing.assert_allclose(mean, exact, atol=0.05)


def test_default_scale_is_inverse_sqrt_of_feature_size():
    q, k, v = (gg.tensor(a) for a in _qkv(E=9))
    default = F.scaled_dot_product_attention(q, k, v).numpy()
    explicit = F.scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(9)).numpy()
    np.testing.assert_array_equal(default, explicit)


def test_no_grad_records_nothing():
    q, k, v = (gg.tensor(a, requires_grad=True) for a in _qkv())
    with gg.no_grad():
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert out.grad_fn is None and not out.requires_grad


def test_bad_input_errors_name_shapes():
    q, k, v = (gg.tensor(a) for a in _qkv())
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 6\).*\(2, 3, 5, 6\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gg.ones(4, 6, dtype=gg.bool))
    with pytest.raises(TypeError, match="bool.*or float.*int64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gg.ones(5, 6, dtype=gg.int64))
    with pytest.raises(ValueError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gg.ones(5, 6, dtype=gg.bool), is_causal=True)
    with pytest.raises(ValueError, match=r"same last dim"):
        F.scaled_dot_product_attention(q, gg.randn(2, 3, 6, 5, dtype=gg.float64), v)
    with pytest.raises(ValueError, match="sequence length"):
        F.scaled_dot_product_attention(q, k, gg.randn(2, 3, 4, 7, dtype=gg.float64))
    with pytest.raises(ValueError, match="enable_gqa"):
        F.scaled_dot_product_attention(
            q, gg.randn(2, 2, 6, 4, dtype=gg.float64), gg.randn(2, 2, 6, 7, dtype=gg.float64)
        )
    with pytest.raises(ValueError, match="multiple of the key heads"):
        F.scaled_dot_product_attention(q, gg.randn(2, 2, 6, 4, dtype=gg.float64),
                                       gg.randn(2, 2, 6, 7, dtype=gg.float64), enable_gqa=True)  # fmt: skip
    with pytest.raises(TypeError, match="share a dtype"):
        F.scaled_dot_product_attention(q.float(), k, v)
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
