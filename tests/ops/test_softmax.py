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
