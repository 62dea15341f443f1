"""nn.init: each initialiser's bounds and statistics against its formula (and torch's gains and fans)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn import init


def _values(tensor: gg.Tensor) -> np.ndarray:
    return tensor.detach().numpy().astype(np.float64)


def test_calculate_gain_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2)
    )
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "x")


def test_fans_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for shape in [(3, 5), (8, 4, 3, 3), (6, 2, 7)]:
        ours = init._calculate_fan_in_and_fan_out(gg.empty(shape))
        assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(gg.empty(4))


def test_fill_in_place_and_return_the_tensor_outside_the_graph() -> None:
    p = nn.Parameter(gg.empty(3, 4))
    array = p.array
    assert init.constant_(p, 0.5) is p and p.array is array and (array == 0.5).all()
    assert p.grad_fn is None and p.requires_grad
    assert (_values(init.zeros_(p)) == 0).all() and (_values(init.ones_(p)) == 1).all()
    np.testing.assert_array_equal(_values(init.eye_(gg.empty(2, 3))), np.eye(2, 3))


def test_uniform_and_normal() -> None:
    gg.manual_seed(0)
    u = _values(init.uniform_(gg.empty(200, 500), -2.0, 3.0))
    assert u.min() >= -2.0 and u.max() < 3.0
    assert u.mean() == pytest.approx(0.5, abs=0.02) and u.var() == pytest.approx(25 / 12, rel=0.02)
    n = _values(init.normal_(gg.empty(200, 500), 1.0, 2.0))
    assert n.mean() == pytest.approx(1.0, abs=0.02) and n.std() == pytest.approx(2.0, rel=0.01)


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(gain: float) -> None:
    shape = (300, 200)
    std = gain * math.sqrt(2.0 / (300 + 200))
    u = _values(init.xavier_uniform_(gg.empty(shape), gain=gain))
    bound = math.sqrt(3.0) * std
    assert np.abs(u).max() <= bound and np.abs(u).max() > 0.99 * bound
    assert u.std() == pytest.approx(std, rel=0.02)
    n = _values(init.xavier_normal_(gg.empty(shape), gain=gain))
    assert n.std() == pytest.approx(std, rel=0.02) and abs(n.mean()) < 0.02 * std * 10


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming(mode: str) -> None:
    shape = (64, 32, 3, 3)  # fan_in 288, fan_out 576
    fan = 288 if mode == "fan_in" else 576
    std = math.sqrt(2.0) / math.sqrt(fan)
    u = _values(init.kaiming_uniform_(gg.empty(shape), mode=mode, nonlinearity="relu"))
    assert np.abs(u).max() <= math.sqrt(3.0) * std
    assert u.std() == pytest.approx(std, rel=0.02)
    n = _values(init.kaiming_normal_(gg.empty(shape), mode=mode, nonlinearity="relu"))
    assert n.std() == pytest.approx(std, rel=0.02)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(gg.empty(shape), mode="fan_avg")


def test_kaiming_uniform_a_sqrt5_is_one_over_sqrt_fan_in() -> None:
    u = _values(init.kaiming_uniform_(gg.empty(50, 400), a=math.sqrt(5)))
    assert np.abs(u).max() <= 1 / math.sqrt(400) and np.abs(u).max() > 0.99 / math.sqrt(400)


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -2.0, 2.0), (1.0, 2.0, 0.0, 5.0), (0.0, 1.0, 1.5, 4.0)],
)
def test_trunc_normal_bounds_and_moments(mean: float, std: float, a: float, b: float) -> None:
    values = _values(init.trunc_normal_(gg.empty(400, 500), mean, std, a, b))
    assert values.min() >= a and values.max() <= b
    # Moments of the truncated normal: α, β standardised bounds, Z = Φ(β) − Φ(α).
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    expected_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    expected_var = std**2 * (
        1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2
    )
    assert values.mean() == pytest.approx(expected_mean, abs=0.01 * std)
    assert values.var() == pytest.approx(expected_var, rel=0.02)


def test_erfinv_accuracy() -> None:
    x = np.linspace(-0.999999, 0.999999, 2001)
    y = init._erfinv(x)
    back = np.array([math.erf(v) for v in y])
    np.testing.assert_allclose(back, x, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (8, 3, 2, 2)])
def test_orthogonal(shape: tuple) -> None:
    w = _values(init.orthogonal_(gg.empty(shape), gain=2.0)).reshape(shape[0], -1) / 2.0
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(gg.empty(3))


def test_seeding_and_generator_argument() -> None:
    gg.manual_seed(7)
    first = _values(init.normal_(gg.empty(5)))
    gg.manual_seed(7)
    np.testing.assert_array_equal(_values(init.normal_(gg.empty(5))), first)
    g1 = gg.Generator().manual_seed(1)
    g2 = gg.Generator().manual_seed(1)
    np.testing.assert_array_equal(
        _values(init.uniform_(gg.empty(5), generator=g1)), _values(init.uniform_(gg.empty(5), generator=g2))
    )


def test_dtype_is_kept() -> None:
    assert init.kaiming_uniform_(gg.empty(3, 4, dtype=gg.float64)).dtype == gg.float64
    assert init.trunc_normal_(gg.empty(3, 4, dtype=gg.float16)).dtype == gg.float16
