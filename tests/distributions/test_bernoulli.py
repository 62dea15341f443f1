"""distributions/bernoulli.py: parity with torch.distributions.Bernoulli from probs and from logits (values and
gradients), stability at saturated logits, gradcheck, sampling frequencies, seeding, shapes and validation."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.distributions import Bernoulli

from .parity import assert_within_standard_errors, run_both

rng = np.random.default_rng(0)
PROBS = rng.uniform(0.02, 0.98, (2, 3))
LOGITS = rng.standard_normal((2, 3)) * 3
VALUE = rng.integers(0, 2, (4, 2, 3)).astype(np.float64)
BROADCAST_VALUE = rng.integers(0, 2, (4, 1, 1)).astype(np.float64)

METHODS = {
    "log_prob": lambda d, t: d.log_prob(t(VALUE)),
    "log_prob_broadcast": lambda d, t: d.log_prob(t(BROADCAST_VALUE)),
    "entropy": lambda d, t: d.entropy(),
    "mean": lambda d, t: d.mean * 1,
    "variance": lambda d, t: d.variance,
    "probs": lambda d, t: d.probs * 1,
    "logits": lambda d, t: d.logits * 1,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("parameter", ["probs", "logits"])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_parity_with_torch(method: str, parameter: str, dtype: str) -> None:
    array = PROBS if parameter == "probs" else LOGITS
    run_both(lambda distributions, p: distributions.Bernoulli(**p), METHODS[method], {parameter: array}, dtype)


def test_saturated_logits_stay_finite() -> None:
    # σ(±40) rounds to 1 or 0 in float32; the softplus form still gives log p(0 | z = 40) = −40 and finite H.
    logits = np.array([-40.0, 40.0, 100.0])
    out = run_both(lambda distributions, p: distributions.Bernoulli(**p),
                   lambda d, t: d.log_prob(t(np.array([1.0, 0.0, 1.0]))), {"logits": logits})
    np.testing.assert_allclose(out.detach().numpy(), [-40.0, -40.0, 0.0], atol=1e-6)
    run_both(lambda distributions, p: distributions.Bernoulli(**p), lambda d, t: d.entropy(), {"logits": logits})


def test_mode_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    probs = [0.2, 0.5, 0.9]
    np.testing.assert_array_equal(Bernoulli(gg.tensor(probs)).mode.numpy(),
                                  torch.distributions.Bernoulli(torch.tensor(probs)).mode.numpy())


@pytest.mark.parametrize("parameter", ["probs", "logits"])
def test_gradcheck(parameter: str) -> None:
    array = gg.tensor(PROBS if parameter == "probs" else LOGITS, requires_grad=True)
    value = gg.tensor(VALUE)
    assert gradcheck(lambda a: Bernoulli(**{parameter: a}).log_prob(value), (array,))
    assert gradcheck(lambda a: Bernoulli(**{parameter: a}).entropy(), (array,))


def test_sample_frequencies() -> None:
    """200k draws: each frequency of 1 within 5 SE = 5·√(p(1 − p)/n) of p; p = 0 and 1 are exact."""
    gg.manual_seed(0)
    probs = np.array([0.0, 0.05, 0.5, 0.9, 1.0])
    n = 200_000
    x = Bernoulli(gg.tensor(probs, dtype=gg.float32)).sample((n,)).numpy()
    assert x.shape == (n, 5) and x.dtype == np.float32 and set(np.unique(x).tolist()) <= {0.0, 1.0}
    standard_error = np.sqrt(np.maximum(probs * (1 - probs), 1e-12) / n)
    assert_within_standard_errors(x.mean(0), probs, standard_error)


def test_sample_is_reproducible() -> None:
    d = Bernoulli(logits=gg.zeros(8, requires_grad=True))
    gg.manual_seed(2)
    first = d.sample((10,))
    gg.manual_seed(2)
    second = d.sample((10,))
    assert not first.requires_grad
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert not np.array_equal(second.numpy(), d.sample((10,)).numpy())


def test_shapes() -> None:
    d = Bernoulli(probs=gg.full((2, 3), 0.5))
    assert d.batch_shape == (2, 3) and d.event_shape == () and d.param_shape == (2, 3)
    assert d.sample((4, 5)).shape == (4, 5, 2, 3)
    assert d.log_prob(gg.zeros(7, 1, 1)).shape == (7, 2, 3)
    support = d.enumerate_support()
    assert support.shape == (2, 2, 3) and support.numpy()[:, 0, 0].tolist() == [0.0, 1.0]
    assert d.enumerate_support(expand=False).shape == (2, 1, 1)
    scalar = Bernoulli(0.3)
    assert scalar.batch_shape == () and scalar.sample((3,)).shape == (3,) and scalar.sample().dtype == gg.float32


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match="Bernoulli: either `probs` or `logits` must be specified, but not both"):
        Bernoulli()
    with pytest.raises(ValueError, match=r"parameter probs .*Interval\(lower_bound=0\.0, upper_bound=1\.0\).*\[1\.5\]"):
        Bernoulli(gg.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"parameter logits .*Real"):
        Bernoulli(logits=float("nan"))
    with pytest.raises(ValueError, match=r"within the support \(Boolean\(\)\).*\[0\.5\] at index \[\(0,\)\]"):
        Bernoulli(0.3).log_prob(gg.tensor([0.5, 1.0]))
    assert Bernoulli(1.5, validate_args=False).probs.item() == 1.5
