"""nn.TransformerDecoderLayer / TransformerDecoder / Transformer against PyTorch's with copied weights (both norm
orders, masks, batch_first, train and eval mode with dropout 0), and generate_square_subsequent_mask."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
D_MODEL, NHEAD, FF, S, T, N = 8, 2, 16, 6, 5, 3


def _copy_weights(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def _check_parity(ours, theirs, inputs, atol=1e-10, **kwargs):
    """Same inputs through both: outputs, input grads and every parameter grad agree."""
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    gs = [gg.tensor(x, requires_grad=True) for x in inputs]
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out_t = theirs(*ts, **t_kwargs)
    out = ours(*gs, **g_kwargs)
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), atol=atol)
    upstream = RNG.standard_normal(out_t.shape).astype(inputs[0].dtype)
    (out_t * torch.tensor(upstream)).sum().backward()
    (out * gg.tensor(upstream)).sum().backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=atol)
    grads_t = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name], atol=atol, err_msg=name)


def _masks():
    causal = np.triu(np.ones((T, T), dtype=bool), k=1)
    tgt_padding = RNG.random((N, T)) > 0.7
    memory_padding = RNG.random((N, S)) > 0.7
    tgt_padding[:, 0] = memory_padding[:, 0] = False
    return dict(tgt_mask=causal, tgt_key_padding_mask=tgt_padding, memory_key_padding_mask=memory_padding)


def _inputs(batch_first, dtype=np.float64):
    shape = (lambda L: (N, L, D_MODEL)) if batch_first else (lambda L: (L, N, D_MODEL))
    return [RNG.standard_normal(shape(T)).astype(dtype), RNG.standard_normal(shape(S)).astype(dtype)]


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_parity(norm_first, activation, batch_first):
    kwargs = dict(dim_feedforward=FF, dropout=0.0, activation=activation, batch_first=batch_first,
                  norm_first=norm_first)
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoderLayer(D_MODEL, NHEAD, **kwargs).double()
    ours = nn.TransformerDecoderLayer(D_MODEL, NHEAD, **kwargs).double()
    _copy_weights(ours, theirs)
    inputs = _inputs(batch_first)
    _check_parity(ours, theirs, inputs)
    _check_parity(ours, theirs, inputs, **_masks())


@pytest.mark.parametrize("train", [False, True])
def test_decoder_stack_parity_in_train_and_eval(train):
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, 0.0, norm_first=True)
    theirs = torch.nn.TransformerDecoder(layer_t, 2, norm=torch.nn.LayerNorm(D_MODEL)).double().train(train)
    layer = nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, 0.0, norm_first=True)
    ours = nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(D_MODEL)).double().train(train)
    _copy_weights(ours, theirs)
    _check_parity(ours, theirs, _inputs(False), **_masks())


@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_parity_float32(train, batch_first):
    kwargs = dict(d_model=D_MODEL, nhead=NHEAD, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF,
                  dropout=0.0, batch_first=batch_first)
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**kwargs).train(train)
    ours = nn.Transformer(**kwargs).train(train)
    _copy_weights(ours, theirs)
    mask = nn.Transformer.generate_square_subsequent_mask(T).numpy()
    src_tgt = _inputs(batch_first, np.float32)[::-1]  # src (S), then tgt (T)
    _check_parity(ours, theirs, src_tgt, atol=2e-5, tgt_mask=mask, tgt_is_causal=True)


def test_generate_square_subsequent_mask_is_torchs():
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_defaults_and_xavier_init():
    model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32)
    theirs = torch.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                  dim_feedforward=32)
    assert list(model.state_dict()) == list(theirs.state_dict())
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound  # Xavier-uniform, as PyTorch's reset
    assert model.d_model == 16 and model.nhead == 4 and model.batch_first is False


def test_transformer_bad_shapes_name_the_shapes():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    with pytest.raises(RuntimeError, match="batch number"):
        model(gg.randn(5, 2, 8), gg.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="d_model=8"):
        model(gg.randn(5, 2, 6), gg.randn(4, 2, 6))
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerDecoderLayer(8, 2, activation="tanh")


def test_docstring_examples_run():
    import doctest
    import importlib

    for name in ["nn.transformer_decoder", "nn.conv_transpose", "optim.adam"]:
        module = importlib.import_module("glassgrad." + name)
        failures, _ = doctest.testmod(module, extraglobs={"gg": gg}, optionflags=doctest.ELLIPSIS)
        assert failures == 0, name
