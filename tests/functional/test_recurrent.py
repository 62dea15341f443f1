"""The recurrent functions against PyTorch, the fused layers (recurrent_fused.py) against the plain layers
(recurrent.py, the cell at every step), and gradcheck in float64."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.functional import recurrent as R
from glassgrad.functional.recurrent_fused import GRULayerOp, LSTMLayerOp, RNNLayerOp
from glassgrad.kernels import registry

torch = pytest.importorskip("torch")

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
SEQUENCE = {"lstm": R.lstm, "gru": R.gru, "rnn_tanh": R.rnn_tanh, "rnn_relu": R.rnn_relu}
TORCH_SEQUENCE = {
    "lstm": torch.lstm,
    "gru": torch.gru,
    "rnn_tanh": torch.rnn_tanh,
    "rnn_relu": torch.rnn_relu,
}


def make_params(rng, mode, input_size, hidden, num_layers, bidirectional, bias):
    """PyTorch's flat weight list as float64 NumPy arrays."""
    directions = 2 if bidirectional else 1
    width = GATES[mode] * hidden
    params = []
    for layer in range(num_layers):
        layer_in = input_size if layer == 0 else hidden * directions
        for _ in range(directions):
            params += [rng.uniform(-0.5, 0.5, (width, layer_in)), rng.uniform(-0.5, 0.5, (width, hidden))]
            if bias:
                params += [rng.uniform(-0.5, 0.5, width), rng.uniform(-0.5, 0.5, width)]
    return params


LAYERS = ("lstm_layer", "gru_layer", "rnn_layer")


@pytest.fixture(params=["fused", "plain"])
def path(request, monkeypatch):
    """Each sequence test twice: the fused layers (what NumPy calls get), and the plain layers (the seam's
    references, with the fast paths unregistered for the test)."""
    if request.param == "plain":
        for name in LAYERS:
            monkeypatch.setattr(registry.entry(name), "kernel", None)
    return request.param


def run_both(mode, num_layers=1, bidirectional=False, batch_first=False, bias=True, initial=True, seed=0,
             dtype=np.float64):
    rng = np.random.default_rng(seed)
    steps, batch, input_size, hidden = 5, 3, 4, 6
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((batch, steps, input_size) if batch_first else (steps, batch, input_size))
    params = make_params(rng, mode, input_size, hidden, num_layers, bidirectional, bias)
    states = [rng.standard_normal((num_layers * directions, batch, hidden)) for _ in range(2 if mode == "lstm" else 1)]
    arrays = [a.astype(dtype) for a in [x, *params, *states]]

    def call(lib, module_fn):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        xt, ps, hs = leaves[0], leaves[1 : 1 + len(params)], leaves[1 + len(params) :]
        hx = (tuple(hs) if mode == "lstm" else hs[0]) if initial else None
        if lib is torch and hx is None:
            zeros = torch.zeros(num_layers * directions, batch, hidden, dtype=xt.dtype)
            hx = (zeros, zeros) if mode == "lstm" else zeros
        outputs = module_fn(xt, hx, ps, bias, num_layers, 0.0, True, bidirectional, batch_first)
        projections = np.random.default_rng(1)
        total = sum((o * lib.tensor(projections.standard_normal(tuple(o.shape)).astype(dtype))).sum()
                    for o in outputs)
        total.backward()
        used = leaves if initial else leaves[: 1 + len(params)]
        return [o.detach().numpy() for o in outputs], [t.grad.numpy() for t in used]

    return call(gg, SEQUENCE[mode]), call(torch, TORCH_SEQUENCE[mode])


CONFIGS = [
    (mode, layers, bidirectional, batch_first, bias, initial)
    for mode in GATES
    for layers, bidirectional, batch_first, bias, initial in [
        (1, False, False, True, True),
        (1, False, True, True, False),
        (2, True, False, True, True),
        (2, True, True, False, True),
        (2, False, True, True, False),
        (1, True, False, False, False),
    ]
]


@pytest.mark.parametrize("mode,layers,bidirectional,batch_first,bias,initial", CONFIGS)
def test_sequence_matches_torch(path, mode, layers, bidirectional, batch_first, bias, initial):
    (outs, grads), (touts, tgrads) = run_both(mode, layers, bidirectional, batch_first, bias, initial)
    for ours, theirs in zip(outs, touts):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert len(grads) == len(tgrads)
    for ours, theirs in zip(grads, tgrads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("mode", list(GATES))
@pytest.mark.parametrize("bidirectional,batch_first,initial", [(False, True, False), (True, False, True)])
def test_sequence_matches_torch_in_float32(path, mode, bidirectional, batch_first, initial):
    """float32, the training dtype: the fused layers run their Numba step kernels and BLAS tasks here."""
    (outs, grads), (touts, tgrads) = run_both(mode, 2, bidirectional, batch_first, True, initial, dtype=np.float32)
    for ours, theirs in zip(outs + grads, touts + tgrads):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", list(GATES))
@pytest.mark.parametrize("reverse,batch_first", [(False, True), (True, False)])
def test_fused_layer_matches_plain_layer_in_float32(mode, reverse, batch_first):
    """The seam's two sides on the same float32 call: the fused Op (its kernels included) and the plain layer,
    outputs and every gradient."""
    name = {"lstm": "lstm_layer", "gru": "gru_layer"}.get(mode, "rnn_layer")
    rng = np.random.default_rng(11)
    steps, batch, input_size, hidden = 7, 4, 5, 6
    x = rng.standard_normal((batch, steps, input_size) if batch_first else (steps, batch, input_size))
    arrays = [x, *make_params(rng, mode, input_size, hidden, 1, False, True)]
    arrays += [rng.standard_normal((batch, hidden)) for _ in range(2 if mode == "lstm" else 1)]
    options = (reverse, batch_first) if mode in ("lstm", "gru") else (mode[4:], reverse, batch_first)
    entry = registry.entry(name)

    def run(layer):
        leaves = [gg.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        outputs = layer(*leaves, *options)
        projections = np.random.default_rng(12)
        sum((o * gg.tensor(projections.standard_normal(o.shape).astype(np.float32))).sum()
            for o in outputs).backward()
        return [o.detach().numpy() for o in outputs] + [t.grad.numpy() for t in leaves]

    assert entry.when(gg.tensor(arrays[0].astype(np.float32)))
    for fused, plain in zip(run(entry.kernel), run(entry.reference)):
        assert fused.dtype == plain.dtype == np.float32
        np.testing.assert_allclose(fused, plain, rtol=2e-5, atol=2e-6)


CELLS = {
    "lstm": (R.lstm_cell, torch.lstm_cell),
    "gru": (R.gru_cell, torch.gru_cell),
    "rnn_tanh": (R.rnn_tanh_cell, torch.rnn_tanh_cell),
    "rnn_relu": (R.rnn_relu_cell, torch.rnn_relu_cell),
}


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(mode, bias):
    rng = np.random.default_rng(2)
    batch, input_size, hidden = 3, 4, 5
    arrays = [rng.standard_normal((batch, input_size))] + [rng.standard_normal((batch, hidden)) for _ in range(2)]
    arrays += make_params(rng, mode, input_size, hidden, 1, False, bias)

    def call(lib, fn):
        x, h, c, *ws = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(x, (h, c) if mode == "lstm" else h, *ws)
        out = out if isinstance(out, tuple) else (out,)
        projections = np.random.default_rng(3)
        sum((o * lib.tensor(projections.standard_normal(tuple(o.shape)))).sum() for o in out).backward()
        used = [x, h, *ws] + ([c] if mode == "lstm" else [])
        return [o.detach().numpy() for o in out], [t.grad.numpy() for t in used]

    (outs, grads), (touts, tgrads) = call(gg, CELLS[mode][0]), call(torch, CELLS[mode][1])
    for ours, theirs in zip(outs + grads, touts + tgrads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_op_equals_cell_loop(mode, reverse):
    """The fused whole-sequence Op and a Python loop of cells agree on outputs and every gradient."""
    rng = np.random.default_rng(4)
    steps, batch, input_size, hidden = 6, 2, 3, 4
    arrays = [
        rng.standard_normal((steps, batch, input_size)),
        *make_params(rng, mode, input_size, hidden, 1, False, True),
    ]
    arrays += [rng.standard_normal((batch, hidden)) for _ in range(2 if mode == "lstm" else 1)]
    projection = rng.standard_normal((steps, batch, hidden))

    def fused():
        x, *rest = leaves = [gg.tensor(a, requires_grad=True) for a in arrays]
        if mode == "lstm":
            out = LSTMLayerOp.apply(x, *rest, reverse, False)[0]
        elif mode == "gru":
            out = GRULayerOp.apply(x, *rest, reverse, False)[0]
        else:
            out = RNNLayerOp.apply(x, *rest, mode[4:], reverse, False)[0]
        (out * gg.tensor(projection)).sum().backward()
        return [out.detach().numpy()] + [t.grad.numpy() for t in leaves]

    def looped():
        x, w_ih, w_hh, b_ih, b_hh, *state = leaves = [gg.tensor(a, requires_grad=True) for a in arrays]
        cell = CELLS[mode][0]
        state = tuple(state) if mode == "lstm" else state[0]
        outs = [None] * steps
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            state = cell(x[t], state, w_ih, w_hh, b_ih, b_hh)
            outs[t] = state[0] if mode == "lstm" else state
        out = gg.stack(outs)
        (out * gg.tensor(projection)).sum().backward()
        return [out.detach().numpy()] + [t.grad.numpy() for t in leaves]

    for ours, theirs in zip(fused(), looped()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_sequence_op_gradcheck(mode, batch_first):
    rng = np.random.default_rng(5)
    steps, batch, input_size, hidden = 3, 2, 2, 3
    shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
    arrays = [rng.standard_normal(shape), *make_params(rng, mode, input_size, hidden, 1, False, True)]
    arrays += [rng.standard_normal((batch, hidden)) for _ in range(2 if mode == "lstm" else 1)]
    inputs = [gg.tensor(a, requires_grad=True) for a in arrays]
    if mode == "lstm":
        fn = lambda *a: LSTMLayerOp.apply(*a, True, batch_first)  # noqa: E731
    elif mode == "gru":
        fn = lambda *a: GRULayerOp.apply(*a, False, batch_first)  # noqa: E731
    else:
        fn = lambda *a: RNNLayerOp.apply(*a, mode[4:], False, batch_first)  # noqa: E731
    assert gradcheck(fn, inputs)


def test_cell_updates_gradcheck():
    rng = np.random.default_rng(6)
    gates, c = (gg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 12), (2, 3)])
    assert gradcheck(R.LSTMCellUpdateOp.apply, [gates, c])
    gi, gh, h = (gg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 9), (2, 9), (2, 3)])
    assert gradcheck(R.GRUCellUpdateOp.apply, [gi, gh, h])


def test_relu_subgradient_at_zero_is_zero():
    """PyTorch's relu passes no gradient at exactly 0; the fused RNN layer does the same."""
    x = gg.zeros(2, 1, 3, requires_grad=True)
    w_ih, w_hh = gg.zeros(4, 3, requires_grad=True), gg.zeros(4, 4, requires_grad=True)
    out, _ = RNNLayerOp.apply(x, w_ih, w_hh, None, None, None, "relu", False, False)
    out.sum().backward()
    assert not w_ih.grad.numpy().any() and not x.grad.numpy().any()


def test_float32_stays_float32():
    rng = np.random.default_rng(7)
    params = [gg.tensor(a.astype(np.float32)) for a in make_params(rng, "lstm", 3, 4, 2, True, True)]
    x = gg.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32))
    out, h_n, c_n = R.lstm(x, None, params, True, 2, 0.0, False, True, False)
    assert out.dtype == h_n.dtype == c_n.dtype == gg.float32
    assert out.shape == (5, 2, 8) and h_n.shape == c_n.shape == (4, 2, 4)


def test_inter_layer_dropout_only_in_training():
    rng = np.random.default_rng(8)
    params = [gg.tensor(a) for a in make_params(rng, "gru", 3, 4, 2, False, True)]
    x = gg.tensor(rng.standard_normal((5, 2, 3)))
    evaluated = R.gru(x, None, params, True, 2, 0.5, False, False, False)[0].numpy()
    again = R.gru(x, None, params, True, 2, 0.0, False, False, False)[0].numpy()
    np.testing.assert_array_equal(evaluated, again)
    gg.manual_seed(0)
    trained = R.gru(x, None, params, True, 2, 0.5, True, False, False)[0].numpy()
    assert not np.allclose(trained, evaluated)


def test_long_sequence_trains_without_recursion():
    """1,000 steps: one node per layer, so backward neither recurses deeply nor keeps per-step graph nodes."""
    rng = np.random.default_rng(9)
    params = [
        gg.tensor(a.astype(np.float32), requires_grad=True) for a in make_params(rng, "lstm", 4, 8, 1, False, True)
    ]
    x = gg.tensor(rng.standard_normal((1000, 2, 4)).astype(np.float32))
    out, h_n, _ = R.lstm(x, None, params, True, 1, 0.0, True, False, False)
    out.mean().backward()
    assert all(np.isfinite(p.grad.numpy()).all() for p in params)


def test_live_graphs_and_retained_graphs_keep_their_activations():
    """Two live graphs and a retained graph each keep their own saved activations, so their gradients match
    fresh computations."""
    rng = np.random.default_rng(10)
    params = [
        gg.tensor(a.astype(np.float32), requires_grad=True) for a in make_params(rng, "lstm", 3, 5, 1, False, True)
    ]
    xs = [gg.tensor(rng.standard_normal((4, 2, 3)).astype(np.float32)) for _ in range(2)]

    def grads_of(x, times=1):
        for p in params:
            p.grad = None
        out = R.lstm(x, None, params, True, 1, 0.0, True, False, False)[0]
        for _ in range(times):
            out.square().sum().backward(retain_graph=True)
        return [p.grad.numpy().copy() for p in params]

    expected = [grads_of(x) for x in xs]
    outs = [R.lstm(x, None, params, True, 1, 0.0, True, False, False)[0] for x in xs]  # both graphs alive
    for out, want in zip(reversed(outs), reversed(expected)):
        for p in params:
            p.grad = None
        out.square().sum().backward()
        for p, w in zip(params, want):
            np.testing.assert_allclose(p.grad.numpy(), w, rtol=1e-6)
    twice = grads_of(xs[0], times=2)
    for got, want in zip(twice, expected[0]):
        np.testing.assert_allclose(got, 2 * want, rtol=1e-5)
