"""nn.TransformerEncoderLayer / TransformerEncoder against PyTorch's with copied weights (both norm orders, relu
and gelu, masks, batch_first), plus nn.LayerNorm and nn.RMSNorm."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
D_MODEL, NHEAD, FF, S, N = 8, 2, 16, 5, 3


def _copy_weights(ours, theirs):
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def _check_parity(ours, theirs, x, **kwargs):
    """Same input through both (dropout off): outputs, input grads and every parameter grad agree."""
    xt = torch.tensor(x, requires_grad=True)
    xg = gg.tensor(x, requires_grad=True)
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out_t = theirs(xt, **t_kwargs)
    out = ours(xg, **g_kwargs)
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), atol=1e-10)
    upstream = RNG.standard_normal(out_t.shape)
    (out_t * torch.tensor(upstream)).sum().backward()
    (out * gg.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    grads_t = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name], atol=1e-10, err_msg=name)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_parity(norm_first, activation, batch_first):
    kwargs = dict(dim_feedforward=FF, dropout=0.0, activation=activation, batch_first=batch_first,
                  norm_first=norm_first)  # fmt: skip
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, **kwargs).double()
    ours = nn.TransformerEncoderLayer(D_MODEL, NHEAD, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_weights(ours, theirs)
    x = RNG.standard_normal((N, S, D_MODEL) if batch_first else (S, N, D_MODEL))
    padding = RNG.random((N, S)) > 0.7
    padding[:, 0] = False
    causal = np.triu(np.ones((S, S), dtype=bool), k=1)
    _check_parity(ours, theirs, x)
    _check_parity(ours, theirs, x, src_mask=causal, src_key_padding_mask=padding)


def test_encoder_layer_callable_activation_and_no_bias():
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, torch.nn.functional.gelu, bias=False).double()
    ours = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, nn.functional.gelu, bias=False).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_weights(ours, theirs)
    _check_parity(ours, theirs, RNG.standard_normal((S, N, D_MODEL)))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_parity(norm_first):
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, norm_first=norm_first, batch_first=True)
    theirs = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(D_MODEL),
                                         enable_nested_tensor=False).double()  # fmt: skip
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, norm_first=norm_first, batch_first=True)
    ours = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D_MODEL)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_weights(ours, theirs)
    causal = np.triu(np.ones((S, S), dtype=bool), k=1)
    _check_parity(ours, theirs, RNG.standard_normal((N, S, D_MODEL)), mask=causal, is_causal=True)


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF)
    stack = nn.TransformerEncoder(layer, 3)
    weights = [m.linear1.weight for m in stack.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight for w in weights)


def test_encoder_layer_dropout_train_vs_eval():
    gg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.5)
    x = gg.randn(S, N, D_MODEL)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_encoder_bad_input():
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")
    with pytest.raises(ValueError, match=r"embed_dim \(8\) must be divisible by num_heads \(3\)"):
        nn.TransformerEncoderLayer(D_MODEL, 3)
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(D_MODEL, NHEAD), 0)


@pytest.mark.parametrize("bias", [True, False])
def test_layer_norm_module_parity(bias):
    theirs = torch.nn.LayerNorm((4, 6), eps=1e-6, bias=bias).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p))
    ours = nn.LayerNorm((4, 6), eps=1e-6, bias=bias).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    _check_parity(ours, theirs, RNG.standard_normal((3, 4, 6)))


def test_layer_norm_without_affine_and_rms_norm():
    ln = nn.LayerNorm(6, elementwise_affine=False)
    assert ln.weight is None and ln.bias is None and not list(ln.parameters())
    theirs = torch.nn.RMSNorm(6).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.randn(6))
    ours = nn.RMSNorm(6).double()
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    _check_parity(ours, theirs, RNG.standard_normal((3, 6)))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(0)


def test_docstring_examples_run():
    import doctest
    import importlib

    import glassgrad.functional as F

    names = ["functional.attention", "functional.normalization", "nn.attention", "nn.layer_norm", "nn.transformer",
             "models.gpt", "models.vit"]  # fmt: skip
    for name in names:
        module = importlib.import_module("glassgrad." + name)
        failures, _ = doctest.testmod(module, extraglobs={"gg": gg, "F": F}, optionflags=doctest.ELLIPSIS)
        assert failures == 0, name
