"""distributions/normal.py: parity with torch.distributions.Normal (values and parameter gradients), gradcheck in
float64, the reparameterised gradient, sampling statistics, seeding, shapes and validation."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.distributions import Normal

from .parity import assert_within_standard_errors, run_both

rng = np.random.default_rng(0)
LOC = rng.standard_normal((2, 3))
SCALE = rng.uniform(0.5, 2.0, (3,))
VALUE = rng.standard_normal((4, 2, 3)) * 2
QUANTILE = rng.uniform(0.01, 0.99, (2, 3))
PARAMETERS = {"loc": LOC, "scale": SCALE}


def make(distributions, p):
    return distributions.Normal(p["loc"], p["scale"])


METHODS = {
    "log_prob": lambda d, t: d.log_prob(t(VALUE)),
    "cdf": lambda d, t: d.cdf(t(VALUE)),
    "icdf": lambda d, t: d.icdf(t(QUANTILE)),
    "entropy": lambda d, t: d.entropy(),
    "mean": lambda d, t: d.mean * 1,
    "variance": lambda d, t: d.variance,
    "stddev": lambda d, t: d.stddev * 1,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_parity_with_torch(method: str, dtype: str) -> None:
    run_both(make, METHODS[method], PARAMETERS, dtype)


def test_cdf_keeps_relative_precision_in_the_left_tail() -> None:
    # Φ(−10) = 7.6e-24: 1 + erf(−10/√2) cancels to 0 in float32, the erfc form does not
    value = Normal(0.0, 1.0).cdf(gg.tensor([-10.0])).item()
    assert value == pytest.approx(7.619853024160527e-24, rel=1e-5)


def test_icdf_edges_and_round_trip() -> None:
    d = Normal(gg.tensor([1.0], dtype=gg.float64), gg.tensor([3.0], dtype=gg.float64))
    q = gg.tensor(np.linspace(1e-12, 1 - 1e-12, 101))[:, None]
    np.testing.assert_allclose(d.cdf(d.icdf(q)).numpy(), q.numpy(), rtol=1e-9, atol=1e-12)
    ends = d.icdf(gg.tensor([[0.0], [1.0]], dtype=gg.float64)).numpy().ravel()
    assert ends.tolist() == [-np.inf, np.inf]


@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf", "entropy"])
def test_gradcheck(method: str) -> None:
    loc = gg.tensor(LOC, requires_grad=True)
    scale = gg.tensor(SCALE, requires_grad=True)
    value = gg.tensor(VALUE[0], requires_grad=True)
    quantile = gg.tensor(QUANTILE, requires_grad=True)
    calls = {
        "log_prob": lambda loc, scale, value, quantile: Normal(loc, scale).log_prob(value),
        "cdf": lambda loc, scale, value, quantile: Normal(loc, scale).cdf(value),
        "icdf": lambda loc, scale, value, quantile: Normal(loc, scale).icdf(quantile),
        "entropy": lambda loc, scale, value, quantile: Normal(loc, scale).entropy(),
    }
    assert gradcheck(calls[method], (loc, scale, value, quantile))


def test_rsample_is_the_reparameterisation() -> None:
    """x = μ + σε: ∂Σvx/∂μ = Σv over the sample dims, ∂Σvx/∂σ = Σvε, with ε recovered as (x − μ)/σ."""
    loc = gg.tensor(LOC, dtype=gg.float64, requires_grad=True)
    scale = gg.tensor(SCALE, dtype=gg.float64, requires_grad=True)
    x = Normal(loc, scale).rsample((5,))
    assert x.shape == (5, 2, 3) and x.requires_grad
    v = rng.standard_normal(x.shape)
    (x * gg.tensor(v)).sum().backward()
    eps = (x.detach().numpy() - LOC) / SCALE
    np.testing.assert_allclose(loc.grad.numpy(), v.sum(0), rtol=1e-12)
    np.testing.assert_allclose(scale.grad.numpy(), (v * eps).sum((0, 1)), rtol=1e-12)


def test_rsample_gradcheck_with_fixed_noise() -> None:
    def draw(loc, scale):
        gg.manual_seed(7)  # the same ε on every call, so finite differences see a smooth function
        return Normal(loc, scale).rsample((3,))

    loc = gg.tensor(LOC, requires_grad=True)
    scale = gg.tensor(SCALE, requires_grad=True)
    assert gradcheck(draw, (loc, scale))


def test_sample_statistics() -> None:
    """200k draws: mean within 5 SE = 5σ/√n, standard deviation within 5 SE = 5σ/√(2n) (normal data)."""
    gg.manual_seed(0)
    loc = np.array([-1.0, 0.0, 3.0])
    scale = np.array([0.5, 1.0, 2.0])
    n = 200_000
    x = Normal(gg.tensor(loc), gg.tensor(scale)).sample((n,)).numpy().astype(np.float64)
    assert x.shape == (n, 3)
    assert_within_standard_errors(x.mean(0), loc, scale / np.sqrt(n))
    assert_within_standard_errors(x.std(0, ddof=1), scale, scale / np.sqrt(2 * n))


def test_sample_is_reproducible_and_carries_no_gradient() -> None:
    d = Normal(gg.zeros(3, requires_grad=True), 1.0)
    gg.manual_seed(11)
    first = d.sample((4,))
    gg.manual_seed(11)
    second = d.sample((4,))
    third = d.sample((4,))
    assert not first.requires_grad
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert not np.array_equal(second.numpy(), third.numpy())


def test_shapes_and_dtypes() -> None:
    d = Normal(gg.zeros(2, 1), gg.ones(3))
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    assert d.sample().shape == (2, 3)
    assert d.sample((4, 5)).shape == (4, 5, 2, 3)
    assert d.log_prob(gg.zeros(7, 1, 1)).shape == (7, 2, 3)
    scalar = Normal(0.0, 1.0)
    assert scalar.batch_shape == () and scalar.sample((3,)).shape == (3,)
    assert scalar.sample().dtype == gg.float32  # the default dtype for Python floats
    assert Normal(gg.zeros(2, dtype=gg.float64), 1.0).rsample().dtype == gg.float64


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"parameter scale .*Normal.*GreaterThan.*\[-1\.0\] at index \[\(1,\)\]"):
        Normal(gg.zeros(2), gg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"parameter loc .*Real.*nan"):
        Normal(gg.tensor([float("nan")]), 1.0)
    Normal(0.0, -1.0, validate_args=False)  # the checks are skipped when asked
    with pytest.raises(TypeError, match="Normal: scale must be a float or a Tensor, got list"):
        Normal(0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Normal: the parameters' shapes do not broadcast.*loc \(2,\), scale \(3,\)"):
        Normal(gg.zeros(2), gg.ones(3))
    d = Normal(gg.zeros(3), 1.0)
    with pytest.raises(ValueError, match="Normal.log_prob: the value argument must be a Tensor, got float"):
        d.log_prob(0.5)
    with pytest.raises(ValueError, match=r"not broadcastable with batch_shape\+event_shape: \(2,\) vs \(3,\)"):
        d.log_prob(gg.zeros(2))
    with pytest.raises(TypeError, match=r"sample_shape must be a tuple.*got 5; for n draws pass \(n,\)"):
        d.sample(5)
