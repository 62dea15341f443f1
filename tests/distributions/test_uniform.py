"""distributions/uniform.py: parity with torch.distributions.Uniform (values and gradients), gradcheck, the
reparameterised gradient, sampling statistics, seeding, shapes and validation."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.distributions import Uniform

from .parity import assert_within_standard_errors, run_both

rng = np.random.default_rng(0)
LOW = rng.uniform(-2.0, 0.0, (2, 3))
HIGH = rng.uniform(1.0, 3.0, (3,))
VALUE = rng.uniform(0.0, 0.9, (4, 2, 3))  # inside every interval
QUANTILE = rng.uniform(0.0, 1.0, (2, 3))
PARAMETERS = {"low": LOW, "high": HIGH}

METHODS = {
    "log_prob": lambda d, t: d.log_prob(t(VALUE)),
    "cdf": lambda d, t: d.cdf(t(VALUE)),
    "icdf": lambda d, t: d.icdf(t(QUANTILE)),
    "entropy": lambda d, t: d.entropy(),
    "mean": lambda d, t: d.mean,
    "variance": lambda d, t: d.variance,
    "stddev": lambda d, t: d.stddev,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_parity_with_torch(method: str, dtype: str) -> None:
    run_both(lambda distributions, p: distributions.Uniform(p["low"], p["high"]), METHODS[method], PARAMETERS, dtype)


def test_log_prob_at_the_upper_bound_is_minus_inf() -> None:
    # The support is the closed interval (validation passes) but the density is that of [low, high), as torch
    out = run_both(lambda distributions, p: distributions.Uniform(p["low"], p["high"]),
                   lambda d, t: d.log_prob(t(np.array([0.0, 2.0]))), {"low": np.zeros(2), "high": np.full(2, 2.0)})
    assert out.detach().numpy()[1] == -np.inf


@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf", "entropy"])
def test_gradcheck(method: str) -> None:
    calls = {
        "log_prob": lambda low, high: Uniform(low, high).log_prob(gg.tensor(VALUE)),
        "cdf": lambda low, high: Uniform(low, high).cdf(gg.tensor(VALUE)),
        "icdf": lambda low, high: Uniform(low, high).icdf(gg.tensor(QUANTILE)),
        "entropy": lambda low, high: Uniform(low, high).entropy(),
    }
    assert gradcheck(calls[method], (gg.tensor(LOW, requires_grad=True), gg.tensor(HIGH, requires_grad=True)))


def test_rsample_is_the_reparameterisation() -> None:
    """x = a + u(b − a): ∂Σvx/∂a = Σv(1 − u), ∂Σvx/∂b = Σvu, with u recovered as (x − a)/(b − a)."""
    low = gg.tensor(LOW, dtype=gg.float64, requires_grad=True)
    high = gg.tensor(HIGH, dtype=gg.float64, requires_grad=True)
    x = Uniform(low, high).rsample((5,))
    v = rng.standard_normal(x.shape)
    (x * gg.tensor(v)).sum().backward()
    u = (x.detach().numpy() - LOW) / (HIGH - LOW)
    np.testing.assert_allclose(low.grad.numpy(), (v * (1 - u)).sum(0), rtol=1e-10)
    np.testing.assert_allclose(high.grad.numpy(), (v * u).sum((0, 1)), rtol=1e-10)


def test_sample_statistics() -> None:
    """200k draws in [a, b): mean within 5 SE = 5(b − a)/√(12n); the fraction below the midpoint of [a, b)
    within 5·√(¼/n) of ½."""
    gg.manual_seed(0)
    low = np.array([-1.0, 0.0, 10.0])
    high = np.array([1.0, 0.5, 20.0])
    n = 200_000
    x = Uniform(gg.tensor(low), gg.tensor(high)).sample((n,)).numpy()
    assert np.all(x >= low) and np.all(x < high)
    assert_within_standard_errors(x.mean(0), (low + high) / 2, (high - low) / np.sqrt(12 * n))
    assert_within_standard_errors((x < (low + high) / 2).mean(0), np.full(3, 0.5), np.full(3, np.sqrt(0.25 / n)))


def test_sample_is_reproducible_and_shapes() -> None:
    d = Uniform(gg.zeros(2, 1), gg.ones(3))
    assert d.batch_shape == (2, 3) and d.sample((4,)).shape == (4, 2, 3)
    gg.manual_seed(4)
    first = d.sample((3,))
    gg.manual_seed(4)
    np.testing.assert_array_equal(first.numpy(), d.sample((3,)).numpy())
    assert Uniform(0.0, 1.0).sample((2,)).dtype == gg.float32


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"parameter low .*Uniform.*LessThan.*\[2\.0\] at index \[\(1,\)\]"):
        Uniform(gg.tensor([0.0, 2.0]), gg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"within the support \(Interval.*\[1\.5\]"):
        Uniform(0.0, 1.0).log_prob(gg.tensor([0.5, 1.5]))
    assert Uniform(0.0, 1.0, validate_args=False).log_prob(gg.tensor([1.5])).item() == -np.inf
