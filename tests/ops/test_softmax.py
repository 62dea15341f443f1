"""ops/softmax.py: the max shift keeps softmax, log_softmax and logsumexp finite for large and -inf inputs."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

INF = float("inf")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_large_and_minus_infinite_logits_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = [[-INF, 0.0, 1.0], [1000.0, 2.0, -1000.0], [-INF, -INF, 5.0]]
    ours = getattr(gg.tensor(data), name)(1).numpy()
    theirs = getattr(torch.tensor(data), name)(1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:divide by zero")  # log(0) of the all -inf row, as intended
def test_logsumexp_of_an_all_minus_infinite_row_is_minus_infinity() -> None:
    result = gg.tensor([[-INF, -INF], [1.0, 2.0]]).logsumexp(1)
    assert result.tolist()[0] == -INF
    assert result.tolist()[1] == pytest.approx(2.3132617)


def test_softmax_rows_sum_to_one_and_gradient_of_the_sum_is_zero() -> None:
    x = gg.randn(4, 5, dtype=gg.float64, requires_grad=True)
    y = x.softmax(dim=-1)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), np.ones(4))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((4, 5)), atol=1e-15)


def test_softmax_of_ints_computes_in_float32() -> None:
    assert gg.tensor([1, 2]).softmax(0).dtype == gg.float32
    assert gg.tensor([1.0, 2.0]).softmax(0, dtype=gg.float64).dtype == gg.float64


def _edge_rows() -> np.ndarray:
    """Float32 rows of 9 keys: plain, with −inf keys, only −inf, with +inf, with nan (either sign), huge."""
    x = np.random.default_rng(3).standard_normal((8, 9)).astype(np.float32) * 3
    x[1, [0, 4]] = -INF
    x[2] = -INF
    x[3, 5] = INF
    x[4, 2] = np.nan
    x[5, 7] = -np.float32(np.nan)
    x[6] = [1000.0, 2.0, -1000.0, 3e38, -3e38, 0.0, 1.0, 2.0, 3.0]
    x[7, 1:] = -INF  # one key left
    return x


def test_float32_softmax_takes_the_kernel_and_matches_torch_on_every_kind_of_row(monkeypatch) -> None:
    torch = pytest.importorskip("torch")
    from glassgrad.kernels import ENABLED
    from tests.kernels.test_fused_paths import spy_on_fast_paths

    called: set = set()
    if ENABLED:
        spy_on_fast_paths(monkeypatch, ["softmax", "softmax_backward"], called)
    x = _edge_rows()
    g = np.random.default_rng(4).standard_normal(x.shape).astype(np.float32)
    ours = gg.tensor(x, requires_grad=True)
    y = ours.softmax(-1)
    y.backward(gg.tensor(g))
    theirs = torch.tensor(x, requires_grad=True)
    y_t = theirs.softmax(-1)
    y_t.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), y_t.detach().numpy(), rtol=1e-5, atol=1e-7)
    finite = np.isfinite(y_t.detach().numpy()).all(axis=1)  # the gradient of a nan row is nan: compare the rest
    np.testing.assert_allclose(ours.grad.numpy()[finite], theirs.grad.numpy()[finite], rtol=1e-5, atol=1e-6)
    assert np.isnan(ours.grad.numpy()[~finite]).all()
    if ENABLED:
        assert called == {"softmax", "softmax_backward"}


@pytest.mark.parametrize("causal", [False, True])
def test_the_softmax_kernel_matches_its_reference_on_every_kind_of_row(causal: bool) -> None:
    from glassgrad.kernels import ENABLED
    from glassgrad.ops.softmax import softmax_forward

    if not ENABLED:
        pytest.skip("Numba not installed or disabled: only the reference runs")
    x = _edge_rows().reshape(2, 4, 9)  # causal: query i of each 4 × 9 block sees keys 0..i
    entry = softmax_forward.entry
    assert entry.when(x, -1, causal)
    np.testing.assert_allclose(entry.kernel(x, -1, causal), entry.reference(x, -1, causal), rtol=2e-6, atol=1e-7)


def test_softmax_along_a_middle_axis_and_of_a_0d_tensor_take_the_reference() -> None:
    x = np.random.default_rng(5).standard_normal((3, 4, 5)).astype(np.float32)
    y = gg.tensor(x).softmax(1).numpy()
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    assert y.flags.c_contiguous
    assert gg.tensor(2.5).softmax(0).item() == 1.0
