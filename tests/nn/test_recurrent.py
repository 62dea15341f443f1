"""nn.RNN/LSTM/GRU and the cells against PyTorch's modules, with the weights copied over through NumPy."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn import recurrent, recurrent_cells

torch = pytest.importorskip("torch")

KINDS = {"rnn_tanh": (nn.RNN, torch.nn.RNN, {}), "rnn_relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTM, torch.nn.LSTM, {}), "gru": (nn.GRU, torch.nn.GRU, {})}  # fmt: skip


def make_pair(kind, *args, **kwargs):
    """The same layer in both frameworks: PyTorch's initial weights, copied into glassgrad's (float64)."""
    ours_cls, theirs_cls, extra = KINDS[kind]
    theirs = theirs_cls(*args, **kwargs, **extra).double()
    ours = ours_cls(*args, **kwargs, **extra, dtype=gg.float64)
    ours.load_state_dict({name: gg.tensor(p.detach().numpy()) for name, p in theirs.state_dict().items()})
    return ours, theirs


def run(module, lib, x, states):
    """Forward, a backward of a fixed random projection of all outputs; returns outputs and gradients."""
    leaves = [lib.tensor(a, requires_grad=True) for a in [x, *states]]
    hx = None
    if states:
        hx = tuple(leaves[1:]) if len(states) == 2 else leaves[1]
    output, final = module(leaves[0], hx) if hx is not None else module(leaves[0])
    outputs = [output, *final] if isinstance(final, tuple) else [output, final]
    projections = np.random.default_rng(1)
    sum((o * lib.tensor(projections.standard_normal(tuple(o.shape)))).sum() for o in outputs).backward()
    grads = [t.grad.numpy() for t in leaves] + [p.grad.numpy() for p in module.parameters()]
    return [o.detach().numpy() for o in outputs], grads


CONFIGS = [
    # layers, bidirectional, batch_first, bias, initial state, batched, dropout (eval mode)
    (1, False, False, True, False, True, 0.0),
    (1, False, True, True, True, True, 0.0),
    (2, False, False, True, True, True, 0.3),
    (1, True, True, True, True, True, 0.0),
    (2, True, False, False, False, True, 0.3),
    (2, True, True, True, True, True, 0.0),
    (1, False, False, True, True, False, 0.0),
    (2, True, True, True, False, False, 0.0),
]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias,initial,batched,dropout", CONFIGS)
def test_module_matches_torch(kind, layers, bidirectional, batch_first, bias, initial, batched, dropout):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = make_pair(kind, 3, 5, layers, bias=bias, batch_first=batch_first, dropout=dropout,
                                 bidirectional=bidirectional)  # fmt: skip
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(0)
    steps, batch, directions = 4, 2, 2 if bidirectional else 1
    shape = ((batch, steps) if batch_first else (steps, batch)) if batched else (steps,)
    x = rng.standard_normal(shape + (3,))
    state_shape = (layers * directions, batch, 5) if batched else (layers * directions, 5)
    states = [rng.standard_normal(state_shape) for _ in range(2 if kind == "lstm" else 1)] if initial else []
    outs, grads = run(ours, gg, x, states)
    touts, tgrads = run(theirs, torch, x, states)
    assert [o.shape for o in outs] == [o.shape for o in touts]
    for a, b in zip(outs + grads, touts + tgrads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", list(KINDS))
def test_float32_training_step_matches_torch(kind):
    """The default dtype: float32 outputs and gradients agree to float32 precision."""
    torch.manual_seed(1)
    ours_cls, theirs_cls, extra = KINDS[kind]
    theirs = theirs_cls(8, 16, 2, batch_first=True, **extra)
    ours = ours_cls(8, 16, 2, batch_first=True, **extra)
    ours.load_state_dict({name: gg.tensor(p.detach().numpy()) for name, p in theirs.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((4, 12, 8)).astype(np.float32)
    out, _ = ours(gg.tensor(x))
    tout, _ = theirs(torch.tensor(x))
    assert out.dtype == gg.float32
    out.square().mean().backward()
    tout.square().mean().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-6, err_msg=name)


def test_parameter_names_shapes_and_order_match_torch():
    for kind in KINDS:
        ours_cls, theirs_cls, extra = KINDS[kind]
        ours = ours_cls(3, 4, 2, bidirectional=True, **extra)
        theirs = theirs_cls(3, 4, 2, bidirectional=True, **extra)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ]
    assert [n for n, _ in nn.GRU(3, 4, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


def test_default_init_is_uniform_within_one_over_sqrt_hidden():
    gg.manual_seed(0)
    lstm = nn.LSTM(10, 64)
    bound = 1 / 8
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound  # spread over the whole interval
    assert lstm.weight_ih_l0.dtype == gg.float32


def test_repr_matches_torch():
    args = dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)
    assert repr(nn.RNN(3, 4, nonlinearity="relu", **args)) == repr(torch.nn.RNN(3, 4, nonlinearity="relu", **args))
    assert repr(nn.LSTM(3, 4)) == repr(torch.nn.LSTM(3, 4))
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu", bias=False)) == repr(
        torch.nn.RNNCell(3, 4, nonlinearity="relu", bias=False)
    )


def test_inter_layer_dropout_in_training_mode():
    gg.manual_seed(0)
    gru = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = gg.randn(6, 2, 3)
    trained, _ = gru(x)
    gru.eval()
    evaluated, _ = gru(x)
    again, _ = gru(x)
    assert not np.allclose(trained.detach().numpy(), evaluated.detach().numpy())
    np.testing.assert_array_equal(evaluated.detach().numpy(), again.detach().numpy())


CELLS = {"rnn_tanh": (nn.RNNCell, torch.nn.RNNCell, {}), "rnn_relu": (nn.RNNCell, torch.nn.RNNCell,
         {"nonlinearity": "relu"}), "lstm": (nn.LSTMCell, torch.nn.LSTMCell, {}),
         "gru": (nn.GRUCell, torch.nn.GRUCell, {})}  # fmt: skip


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("bias,initial,batched", [(True, True, True), (False, False, True), (True, True, False)])
def test_cell_matches_torch(kind, bias, initial, batched):
    ours_cls, theirs_cls, extra = CELLS[kind]
    torch.manual_seed(3)
    theirs = theirs_cls(3, 5, bias=bias, **extra).double()
    ours = ours_cls(3, 5, bias=bias, **extra, dtype=gg.float64)
    ours.load_state_dict({name: gg.tensor(p.detach().numpy()) for name, p in theirs.state_dict().items()})
    rng = np.random.default_rng(4)
    lead = (2,) if batched else ()
    arrays = [rng.standard_normal(lead + (3,))]
    if initial:
        arrays += [rng.standard_normal(lead + (5,)) for _ in range(2 if kind == "lstm" else 1)]

    def call(module, lib):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        hx = (tuple(leaves[1:]) if kind == "lstm" else leaves[1]) if initial else None
        out = module(leaves[0], hx)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum((o * (i + 1.5)).sum() for i, o in enumerate(outs)).backward()
        grads = [t.grad.numpy() for t in leaves] + [p.grad.numpy() for p in module.parameters()]
        return [o.detach().numpy() for o in outs] + grads

    for a, b in zip(call(ours, gg), call(theirs, torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_wrong_feature_size_names_shapes():
    with pytest.raises(ValueError, match=r"LSTM: input.size\(-1\) must be equal to input_size. Expected 4, got 3"):
        nn.LSTM(4, 8)(gg.randn(5, 2, 3))
    with pytest.raises(ValueError, match="GRUCell: input has inconsistent input_size: got 3 expected 4"):
        nn.GRUCell(4, 8)(gg.randn(2, 3))


def test_wrong_initial_state_shapes():
    lstm = nn.LSTM(4, 8, num_layers=2)
    x = gg.randn(5, 3, 4)
    with pytest.raises(ValueError, match=r"Expected hidden size \(2, 3, 8\), got \(1, 3, 8\)"):
        lstm(x, (gg.zeros(1, 3, 8), gg.zeros(2, 3, 8)))
    with pytest.raises(ValueError, match="For batched 3-D input, hx should also be 3-D"):
        lstm(x, (gg.zeros(3, 8), gg.zeros(3, 8)))
    with pytest.raises(ValueError, match="For unbatched 2-D input, hx should also be 2-D"):
        nn.GRU(4, 8)(gg.randn(5, 4), gg.zeros(1, 1, 8))
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\)"):
        lstm(x, gg.zeros(2, 3, 8))
    with pytest.raises(ValueError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        nn.RNNCell(4, 8)(gg.randn(2, 4), gg.zeros(3, 8))
    with pytest.raises(ValueError, match="hidden0 has inconsistent hidden_size: got 7, expected 8"):
        nn.LSTMCell(4, 8)(gg.randn(2, 4), (gg.zeros(2, 7), gg.zeros(2, 7)))


def test_bad_input_rank_dtype_and_arguments():
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        nn.RNN(4, 8)(gg.randn(1, 5, 2, 4))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        nn.RNNCell(4, 8)(gg.randn(1, 2, 4))
    with pytest.raises(TypeError, match="input must have the type glassgrad.float32, got type glassgrad.float64"):
        nn.GRU(4, 8)(gg.randn(5, 2, 4, dtype=gg.float64))
    with pytest.raises(ValueError, match="sequence length to be larger than 0"):
        nn.LSTM(4, 8)(gg.zeros(0, 2, 4))
    with pytest.raises(ValueError, match="proj_size=2 is not supported"):
        nn.LSTM(4, 8, proj_size=2)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(4, 8, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size should be a positive integer"):
        nn.RNN(4, 0)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(4, 8, nonlinearity="sigmoid")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(4, 8, dropout=0.2)


def test_docstring_examples_run():
    for module in (recurrent, recurrent_cells):
        failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0
