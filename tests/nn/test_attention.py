"""nn.MultiheadAttention against torch.nn.MultiheadAttention with copied weights: outputs, returned weights and
gradients for self- and cross-attention, every mask kind, need_weights both ways, batch_first both ways."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
# torch deprecates mixing a bool key_padding_mask with a float attn_mask; we still check that it agrees.
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
E, H, L, S, N = 8, 2, 4, 5, 3


def _twins(**kwargs):
    """A torch MHA and a glassgrad MHA with the same weights (float64)."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, **kwargs).double()
    ours = nn.MultiheadAttention(E, H, **kwargs).double()
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _padding_mask(batch=N, length=S):
    mask = RNG.random((batch, length)) > 0.6  # True = padding (ignored)
    mask[:, 0] = False  # no query may lose every key (torch gives nan there)
    return mask


def _attn_mask_bool(shape=(L, S)):
    mask = RNG.random(shape) > 0.6  # True = not allowed
    mask[..., 0] = False
    return mask


MASKS = {
    "none": (None, None),
    "attn_bool": (_attn_mask_bool(), None),
    "attn_float": (RNG.standard_normal((L, S)), None),
    "attn_bool_3d": (_attn_mask_bool((N * H, L, S)), None),
    "padding_bool": (None, _padding_mask()),
    "padding_float": (None, np.where(_padding_mask(), -np.inf, 0.0)),
    "both_bool": (_attn_mask_bool(), _padding_mask()),
    "bool_and_float": (RNG.standard_normal((L, S)), _padding_mask()),
}


def _compare(ours, theirs, inputs, batch_first, attn_mask=None, key_padding_mask=None, **kwargs):
    """Run both on the same (seq-first) inputs; compare outputs, weights, input and parameter gradients."""
    arrays = [a.transpose(1, 0, 2) if batch_first and a.ndim == 3 else a for a in inputs]
    t_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    g_inputs = [gg.tensor(a, requires_grad=True) for a in arrays]
    if inputs[0] is inputs[1] is inputs[2]:  # self-attention: the same tensor three times
        t_inputs, g_inputs = [t_inputs[0]] * 3, [g_inputs[0]] * 3
    t_mask = None if attn_mask is None else torch.tensor(attn_mask)
    t_pad = None if key_padding_mask is None else torch.tensor(key_padding_mask)
    out_t, w_t = theirs(*t_inputs, key_padding_mask=t_pad, attn_mask=t_mask, **kwargs)
    g_mask = None if attn_mask is None else gg.tensor(attn_mask)
    g_pad = None if key_padding_mask is None else gg.tensor(key_padding_mask)
    out, w = ours(*g_inputs, key_padding_mask=g_pad, attn_mask=g_mask, **kwargs)

    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), atol=1e-12)
    assert (w is None) == (w_t is None)
    upstream = RNG.standard_normal(out_t.shape)
    loss_t = (out_t * torch.tensor(upstream)).sum()
    loss = (out * gg.tensor(upstream)).sum()
    if w is not None:
        np.testing.assert_allclose(w.detach().numpy(), w_t.detach().numpy(), atol=1e-12)
        w_up = RNG.standard_normal(w_t.shape)
        loss_t = loss_t + (w_t * torch.tensor(w_up)).sum()
        loss = loss + (w * gg.tensor(w_up)).sum()
    loss_t.backward()
    loss.backward()
    for a, b in zip(g_inputs, t_inputs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    grads_t = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name], atol=1e-12, err_msg=name)


@pytest.mark.parametrize("mask_kind", list(MASKS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_masks_parity(mask_kind, batch_first):
    ours, theirs = _twins(batch_first=batch_first)
    x = RNG.standard_normal((S, N, E))
    attn_mask, padding = MASKS[mask_kind]
    if attn_mask is not None and attn_mask.shape[-2] != S:  # self-attention: L = S
        attn_mask = np.concatenate([attn_mask, attn_mask[..., :1, :]], axis=-2)
    _compare(ours, theirs, [x, x, x], batch_first, attn_mask, padding)


@pytest.mark.parametrize("mask_kind", list(MASKS))
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_cross_attention_parity(mask_kind, need_weights, average):
    ours, theirs = _twins()
    q, k, v = RNG.standard_normal((L, N, E)), RNG.standard_normal((S, N, E)), RNG.standard_normal((S, N, E))
    attn_mask, padding = MASKS[mask_kind]
    _compare(ours, theirs, [q, k, v], False, attn_mask, padding, need_weights=need_weights,
             average_attn_weights=average)  # fmt: skip


@pytest.mark.parametrize("batch_first", [False, True])
def test_kdim_vdim_and_no_bias(batch_first):
    ours, theirs = _twins(kdim=6, vdim=3, bias=False, batch_first=batch_first)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    q, k, v = RNG.standard_normal((L, N, E)), RNG.standard_normal((S, N, 6)), RNG.standard_normal((S, N, 3))
    _compare(ours, theirs, [q, k, v], batch_first, _attn_mask_bool(), _padding_mask())


def test_unbatched_inputs():
    ours, theirs = _twins()
    q, k, v = RNG.standard_normal((L, E)), RNG.standard_normal((S, E)), RNG.standard_normal((S, E))
    _compare(ours, theirs, [q, k, v], False, _attn_mask_bool(), _padding_mask(batch=1)[0],
             average_attn_weights=False)  # fmt: skip


def test_is_causal_with_causal_mask():
    ours, theirs = _twins(batch_first=True)
    x = RNG.standard_normal((S, N, E))
    causal = np.triu(np.ones((S, S), dtype=bool), k=1)
    _compare(ours, theirs, [x, x, x], True, causal, None, is_causal=True, need_weights=False)


def test_parameters_and_init_like_torch():
    ours = nn.MultiheadAttention(E, H)
    theirs = torch.nn.MultiheadAttention(E, H)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(tuple(ours.state_dict()[k].shape) == tuple(v.shape) for k, v in theirs.state_dict().items())
    assert np.all(ours.in_proj_bias.detach().numpy() == 0) and np.all(ours.out_proj.bias.detach().numpy() == 0)
    bound = np.sqrt(6 / (E + 3 * E))  # xavier_uniform_ on (3E, E)
    assert np.abs(ours.in_proj_weight.detach().numpy()).max() <= bound
    assert repr(ours) == repr(theirs)


def test_dropout_on_weights_only_in_training():
    gg.manual_seed(0)
    mha = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True)
    x = gg.randn(N, S, E)
    _, w_train = mha(x, x, x, average_attn_weights=False)
    assert np.any(w_train.detach().numpy() == 0)  # dropped weights are returned, as torch does
    mha.eval()
    out1, w1 = mha(x, x, x)
    out2, w2 = mha(x, x, x)
    np.testing.assert_array_equal(out1.detach().numpy(), out2.detach().numpy())
    np.testing.assert_allclose(w1.detach().numpy().sum(-1), 1, atol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be divisible by num_heads \(3\)"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="add_bias_kv"):
        nn.MultiheadAttention(8, 2, add_bias_kv=True)
    mha = nn.MultiheadAttention(E, H)
    x = gg.randn(S, N, E)
    with pytest.raises(ValueError, match=r"2D attn_mask has shape \(4, 4\).*\(5, 5\)"):
        mha(x, x, x, attn_mask=gg.ones(4, 4, dtype=gg.bool))
    with pytest.raises(ValueError, match=r"3D attn_mask has shape \(3, 5, 5\).*\(6, 5, 5\)"):
        mha(x, x, x, attn_mask=gg.ones(3, 5, 5, dtype=gg.bool))
    with pytest.raises(ValueError, match=r"key_padding_mask has shape \(5, 3\).*\(3, 5\)"):
        mha(x, x, x, key_padding_mask=gg.ones(5, 3, dtype=gg.bool))
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=gg.ones(5, 5, dtype=gg.int64))
    with pytest.raises(ValueError, match="has 6 features"):
        mha(gg.randn(S, N, 6), x, x)
    with pytest.raises(ValueError, match="pass attn_mask too"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="same batch size"):
        mha(gg.randn(S, 2, E), x, x)
