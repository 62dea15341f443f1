"""Every fused kernel against the plain NumPy path it replaces: same op, same float32 inputs, kernels on and off.

PyTorch parity of the same ops (tests/functional, tests/optim) runs with the kernels on, so together these pin
the fast path to both the readable reference and PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.kernels import _numba, registry

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")


def run_both(monkeypatch, compute):
    """compute() with the kernels, then with the NumPy path; returns both results."""
    fast = compute()
    with monkeypatch.context() as patch:
        patch.setattr(_numba, "ENABLED", False)
        plain = compute()
    return fast, plain


def spy_on_fast_paths(monkeypatch, names, called: set) -> None:
    """Record in `called` the name of each registered fast path (kernels/registry.py) that runs."""
    for name in names:
        entry = registry.entry(name)
        spy = lambda *args, _f=entry.kernel, _n=name, **kwargs: called.add(_n) or _f(*args, **kwargs)  # noqa: E731
        monkeypatch.setattr(entry, "kernel", spy)


def forward_and_grads(fn, *arrays, seed=1):
    """fn's output and the gradients of (output · a fixed random cotangent) for float32 input arrays."""
    leaves = [gg.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    cotangent = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32)
    out.backward(gg.tensor(cotangent))
    return [out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]


def assert_all_close(fast, plain, rtol=2e-5, atol=2e-6):
    for a, b in zip(fast, plain):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_fits_only_float32_c_order_numpy():
    x = np.zeros((4, 6), dtype=np.float32)
    assert _numba.fits(x, x)
    assert not _numba.fits(x.astype(np.float64))
    assert not _numba.fits(x.T)
    assert not _numba.fits(x, x[:, ::2])


@pytest.mark.parametrize("scale", [1.0, 6.0])  # 6: deep into both tails, where 1 + erf cancels
def test_gelu(monkeypatch, scale):
    x = (np.random.default_rng(0).standard_normal((37, 129)) * scale).astype(np.float32)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(F.gelu, x))
    assert_all_close(fast, plain)


def test_gelu_takes_its_fast_paths(monkeypatch):
    called = set()
    spy_on_fast_paths(monkeypatch, ["gelu_forward", "gelu_backward"], called)
    forward_and_grads(F.gelu, np.random.default_rng(0).standard_normal((4, 33)).astype(np.float32))
    assert called == {"gelu_forward", "gelu_backward"}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("rows", [(3, 50), (1, 3), (1, 1)])  # many row blocks; fewer rows than blocks; one row
def test_layer_norm(monkeypatch, bias, rows):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((*rows, 96)) * 3 + 1).astype(np.float32)
    w = rng.standard_normal(96).astype(np.float32)
    b = rng.standard_normal(96).astype(np.float32)
    if bias:
        fast, plain = run_both(monkeypatch, lambda: forward_and_grads(
            lambda x, w, b: F.layer_norm(x, (96,), w, b), x, w, b))
    else:
        fast, plain = run_both(monkeypatch, lambda: forward_and_grads(
            lambda x, w: F.layer_norm(x, (96,), w, None), x, w))
    assert_all_close(fast, plain, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("lengths", [(16, 16), (7, 12), (12, 5)])  # square, more keys, more queries
def test_attention_softmax(monkeypatch, causal, lengths):
    L, S = lengths
    rng = np.random.default_rng(2)
    q = rng.standard_normal((2, 3, L, 8)).astype(np.float32)
    k = rng.standard_normal((2, 3, S, 8)).astype(np.float32)
    v = rng.standard_normal((2, 3, S, 5)).astype(np.float32)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal), q, k, v))
    assert_all_close(fast, plain)


def test_attention_heads_come_back_side_by_side(monkeypatch):
    """GPT's layout: Q, K, V are head views of one (B, T, 3C) projection, and the output goes back to (B, T, C)
    by transpose(1, 2).reshape: with and without the kernels the values agree, and that reshape is a view."""
    B, T, H, D = 2, 9, 3, 4
    qkv = np.random.default_rng(5).standard_normal((B, T, 3 * H * D)).astype(np.float32)

    def attend(projection):
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in projection.split(H * D, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        merged = y.transpose(1, 2).reshape(B, T, H * D)
        assert np.shares_memory(merged.array, y.array)  # no copy on the way back
        return merged

    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(attend, qkv))
    assert_all_close(fast, plain)


@pytest.mark.parametrize("optimizer, options", [
    ("AdamW", {"weight_decay": 0.1, "betas": (0.9, 0.99)}),
    ("Adam", {"weight_decay": 0.05}),
    ("Adam", {"maximize": True}),
])
@pytest.mark.parametrize("shape", [(33, 17), (130, 129)])  # a norm-sized and a matrix-sized parameter
def test_adam_update(monkeypatch, optimizer, options, shape):
    rng = np.random.default_rng(3)
    start = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(5)]

    def trajectory():
        w = gg.tensor(start.copy(), requires_grad=True)
        opt = getattr(gg.optim, optimizer)([w], lr=1e-2, **options)
        for g in grads:
            w.grad = gg.tensor(g)
            opt.step()
        state = opt.state[w]
        return [w.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()]

    fast, plain = run_both(monkeypatch, trajectory)
    assert_all_close(fast, plain, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm(monkeypatch, bidirectional, batch_first):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 5, 7) if not batch_first else (5, 6, 7)).astype(np.float32)
    h0 = rng.standard_normal((2 if bidirectional else 1, 5, 9)).astype(np.float32)
    c0 = rng.standard_normal((2 if bidirectional else 1, 5, 9)).astype(np.float32)

    def compute():
        gg.manual_seed(0)
        lstm = gg.nn.LSTM(7, 9, batch_first=batch_first, bidirectional=bidirectional)

        def run(x, h0, c0):
            out, (h, c) = lstm(x, (h0, c0))
            return (out * 1.5).sum() + (h * c).sum()  # gradients reach the output and both final states

        results = forward_and_grads(run, x, h0, c0)
        return results + [p.grad.numpy() for p in lstm.parameters()]

    called: set = set()
    names = ["lstm_layer", "lstm_forward_steps", "lstm_backward_steps", "stacked_matmul", "summed_products"]
    spy_on_fast_paths(monkeypatch, names, called)
    fast, plain = run_both(monkeypatch, compute)  # plain: the fused layer with its NumPy step references
    assert called == set(names)
    assert_all_close(fast, plain, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])  # 2: the units split into blocks, one task each, every step
@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_compiled_recurrences(monkeypatch, mode, bidirectional, threads):
    """Two layers of 37 units (at 2 threads blocks of 18 and 19), batch first, with an initial state: the
    compiled loops (kernels/lstm.py, gru.py, rnn.py) against the fused layer's NumPy loops, outputs and every
    gradient."""
    from glassgrad.kernels import blas, recurrence

    if not recurrence.available():
        pytest.skip("NumPy's OpenBLAS is not callable here (kernels/blas.py)")
    monkeypatch.setattr(blas, "SMALL_PRODUCT", 0)  # split even these small products into blocks
    tasks: list = []  # the blocks each compiled loop ran with

    def counted(*args, _count=recurrence.task_count):
        tasks.append(_count(*args))
        return tasks[-1]

    monkeypatch.setattr(recurrence, "task_count", counted)
    rng = np.random.default_rng(6)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((5, 8, 7)).astype(np.float32)
    h0 = rng.standard_normal((2 * directions, 5, 37)).astype(np.float32)
    c0 = rng.standard_normal((2 * directions, 5, 37)).astype(np.float32)
    kind = mode.split("_")[0]

    def compute():
        gg.manual_seed(0)
        if kind == "rnn":
            layer = gg.nn.RNN(7, 37, 2, nonlinearity=mode.split("_")[1], batch_first=True, bidirectional=bidirectional)
        else:
            layer = getattr(gg.nn, kind.upper())(7, 37, 2, batch_first=True, bidirectional=bidirectional)

        def run(x, h0, c0):
            out, state = layer(x, (h0, c0) if kind == "lstm" else h0)
            h = state[0] if kind == "lstm" else state
            return (out * 1.5).sum() + (h * h).sum() + (c0 * 0).sum()  # c0 unused but by the LSTM

        results = forward_and_grads(run, x, h0, c0)
        return results + [p.grad.numpy() for p in layer.parameters()]

    names = [f"{kind}_forward_steps", f"{kind}_backward_steps"]
    called: set = set()
    spy_on_fast_paths(monkeypatch, names, called)
    previous = _numba.threads()
    _numba.set_threads(threads)
    try:
        fast, plain = run_both(monkeypatch, compute)
    finally:
        _numba.set_threads(previous)
    assert called == set(names) and set(tasks) == {threads}
    assert_all_close(fast, plain, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_backward(monkeypatch, padding_idx):
    rng = np.random.default_rng(5)
    ids = gg.tensor(rng.integers(0, 11, (7, 9)))  # ids repeat: rows collect several positions
    weight = rng.standard_normal((11, 6)).astype(np.float32)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(
        lambda w: F.embedding(ids, w, padding_idx=padding_idx), weight))
    assert_all_close(fast, plain, rtol=1e-6, atol=1e-6)  # the same sums, up to the order of the additions


@pytest.mark.parametrize("grad", [False, True])
def test_inference_keeps_rings_not_every_step(monkeypatch, grad):
    """Under no_grad the LSTM keeps c in a ring of 2 and tanh c in 1, the GRU q in 1 (backward's per-step
    arrays are not made), and the outputs are those of a call with gradients."""
    rng = np.random.default_rng(7)
    x = gg.tensor(rng.standard_normal((9, 4, 5)).astype(np.float32))
    kept: dict = {}
    stores = {"lstm_forward_steps": (4, 5), "gru_forward_steps": (4,)}  # argument positions of the per-step stores
    for name, positions in stores.items():
        entry = registry.entry(name)

        def spy(*args, _f=entry.kernel, _name=name, _positions=positions):
            kept[_name] = tuple(args[p].shape[0] for p in _positions)
            return _f(*args)

        monkeypatch.setattr(entry, "kernel", spy)
    gg.manual_seed(0)
    lstm, gru = gg.nn.LSTM(5, 6), gg.nn.GRU(5, 6)
    with gg.set_grad_enabled(grad):
        out_lstm, out_gru = lstm(x)[0].detach().numpy(), gru(x)[0].detach().numpy()
    assert kept == ({"lstm_forward_steps": (9, 9), "gru_forward_steps": (9,)} if grad
                    else {"lstm_forward_steps": (2, 1), "gru_forward_steps": (1,)})
    with gg.set_grad_enabled(not grad):
        np.testing.assert_allclose(out_lstm, lstm(x)[0].detach().numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(out_gru, gru(x)[0].detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("module", ["lstm", "gru", "rnn"])
def test_compiled_recurrences_refuse_arrays_that_do_not_fit(module):
    """Called directly with an array one row short (the LSTM's and GRU's output hs one step short, the RNN's
    W_hh one row short), a compiled loop raises a clear error instead of reading or writing past its end."""
    import importlib

    from glassgrad.kernels import recurrence

    if not recurrence.available():
        pytest.skip("NumPy's OpenBLAS is not callable here (kernels/blas.py)")
    kernels = importlib.import_module(f"glassgrad.kernels.{module}")
    args = list(registry.entry(f"{module}_forward_steps").example())
    short = {"lstm": 6, "gru": 5, "rnn": 1}[module]  # hs; hs; w_hh
    args[short] = args[short][:-1].copy()
    with pytest.raises(ValueError, match=rf"kernels\.{module}\.fitting_forward_steps: the arrays do not fit"):
        kernels.fitting_forward_steps(*args)
