"""distributions/categorical.py: parity with torch.distributions.Categorical from probs and from logits (values and
gradients), gradcheck, log_prob broadcasting, sampling frequencies, seeding, shapes and validation."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.distributions import Categorical

from .parity import assert_within_standard_errors, run_both

rng = np.random.default_rng(0)
PROBS = rng.uniform(0.1, 2.0, (2, 3, 4))  # unnormalised weights: Categorical normalises them
LOGITS = rng.standard_normal((2, 3, 4)) * 3
VALUE = rng.integers(0, 4, (5, 2, 3))
BROADCAST_VALUE = rng.integers(0, 4, (5, 1, 1))  # broadcast against batch_shape (2, 3), as torch

METHODS = {
    "log_prob": lambda d, t: d.log_prob(t(VALUE)),
    "log_prob_broadcast": lambda d, t: d.log_prob(t(BROADCAST_VALUE)),
    "entropy": lambda d, t: d.entropy(),
    "probs": lambda d, t: d.probs * 1,
    "logits": lambda d, t: d.logits * 1,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("parameter", ["probs", "logits"])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_parity_with_torch(method: str, parameter: str, dtype: str) -> None:
    array = PROBS if parameter == "probs" else LOGITS
    run_both(lambda distributions, p: distributions.Categorical(**p), METHODS[method], {parameter: array}, dtype)


def test_zero_probability_entropy_and_log_prob() -> None:
    # A zero probability contributes 0 to the entropy (0 log 0 = 0), and its category's log_prob is finite
    # (log of the clamped eps), as in PyTorch.
    run_both(lambda distributions, p: distributions.Categorical(**p), lambda d, t: d.entropy(),
             {"probs": np.array([0.0, 0.25, 0.75])})
    run_both(lambda distributions, p: distributions.Categorical(**p), lambda d, t: d.log_prob(t(np.array([0, 2]))),
             {"probs": np.array([0.0, 0.25, 0.75])})


@pytest.mark.parametrize("parameter", ["probs", "logits"])
def test_gradcheck(parameter: str) -> None:
    array = gg.tensor(PROBS if parameter == "probs" else LOGITS, requires_grad=True)
    value = gg.tensor(VALUE)
    assert gradcheck(lambda a: Categorical(**{parameter: a}).log_prob(value), (array,))
    assert gradcheck(lambda a: Categorical(**{parameter: a}).entropy(), (array,))


def test_normalisation() -> None:
    d = Categorical(probs=gg.tensor([1.0, 3.0]))
    np.testing.assert_allclose(d.probs.numpy(), [0.25, 0.75])
    logits = Categorical(logits=gg.tensor([0.0, 1.0, 2.0])).logits.numpy().astype(np.float64)
    assert np.exp(logits).sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(np.diff(logits), [1.0, 1.0], rtol=1e-6)  # a shift, not a rescaling


def test_sample_frequencies() -> None:
    """200k draws per row: each category's frequency within 5 SE = 5·√(p(1 − p)/n) of p."""
    gg.manual_seed(0)
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.0, 0.25, 0.05]])
    n = 200_000
    x = Categorical(probs=gg.tensor(probs)).sample((n,)).numpy()
    assert x.shape == (n, 2) and x.dtype == np.int64
    for row in range(2):
        frequencies = np.bincount(x[:, row], minlength=4) / n
        standard_error = np.sqrt(np.maximum(probs[row] * (1 - probs[row]), 1e-12) / n)
        assert_within_standard_errors(frequencies, probs[row], standard_error)
    assert not np.any(x[:, 1] == 1)  # a zero-probability category is never drawn


def test_sample_is_reproducible() -> None:
    d = Categorical(logits=gg.zeros(3, 5))
    gg.manual_seed(5)
    first = d.sample((10,))
    gg.manual_seed(5)
    second = d.sample((10,))
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert not np.array_equal(second.numpy(), d.sample((10,)).numpy())


def test_shapes() -> None:
    d = Categorical(probs=gg.ones(2, 3, 4))
    assert d.batch_shape == (2, 3) and d.event_shape == () and d.param_shape == (2, 3, 4)
    assert d.sample().shape == (2, 3)
    assert d.sample((6, 5)).shape == (6, 5, 2, 3)
    assert d.sample((0,)).shape == (0, 2, 3)
    assert d.log_prob(gg.zeros(7, 1, 3, dtype=gg.int64)).shape == (7, 2, 3)
    assert d.mode.shape == (2, 3) and np.all(np.isnan(d.mean.numpy())) and d.variance.shape == (2, 3)
    support = d.enumerate_support()
    assert support.shape == (4, 2, 3) and support.numpy()[:, 1, 2].tolist() == [0, 1, 2, 3]
    assert d.enumerate_support(expand=False).shape == (4, 1, 1)
    single = Categorical(logits=gg.zeros(3))
    assert single.batch_shape == () and single.sample((4,)).shape == (4,)


def test_enumerate_support_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = Categorical(probs=gg.ones(2, 3)).enumerate_support()
    theirs = torch.distributions.Categorical(probs=torch.ones(2, 3)).enumerate_support()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match="either `probs` or `logits` must be specified, but not both"):
        Categorical()
    with pytest.raises(ValueError, match="but not both"):
        Categorical(probs=gg.ones(3), logits=gg.ones(3))
    with pytest.raises(ValueError, match=r"`probs` parameter must be at least one-dimensional.*got shape \(\)"):
        Categorical(probs=gg.tensor(1.0))
    with pytest.raises(TypeError, match="Categorical: probs must be a Tensor, got list"):
        Categorical(probs=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"parameter probs .*Simplex.*\[\[-0\.5, 1\.5\]\] at index \[\(1,\)\]"):
        Categorical(probs=gg.tensor([[0.5, 0.5], [-0.5, 1.5]]))
    with pytest.raises(ValueError, match=r"parameter logits .*Independent\(Real\(\), 1\)"):
        Categorical(logits=gg.tensor([0.0, float("nan")]))
    d = Categorical(probs=gg.ones(2, 3))
    with pytest.raises(ValueError, match=r"within the support \(IntegerInterval\(lower_bound=0, upper_bound=2\)\)"
                                         r".*\[3\] at index \[\(1,\)\]"):
        d.log_prob(gg.tensor([0, 3]))
    with pytest.raises(ValueError, match="within the support"):
        d.log_prob(gg.tensor([0.5, 1.0]))  # not a whole number
