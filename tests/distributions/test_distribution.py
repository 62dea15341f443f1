"""distributions/distribution.py and constraints.py: the base class's shapes, validation switch, repr, errors
and defaults; the constraints' checks against torch's; and every docstring example of the package runs."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.distributions import Bernoulli, Categorical, Distribution, Normal, Uniform, constraints


class _Pair(Distribution):
    """A test distribution with a vector event: two independent N(0, 1), event_shape (2,)."""

    arg_constraints = {}
    support = constraints.independent(constraints.real, 1)

    def __init__(self, batch_shape=()):
        super().__init__(batch_shape, (2,))

    def log_prob(self, value):
        self._validate_sample(value)
        return (-0.5 * value * value).sum(-1) - np.log(2 * np.pi)


def test_event_shape_checks_of_the_value() -> None:
    d = _Pair((3,))
    assert d.batch_shape == (3,) and d.event_shape == (2,)
    assert d._extended_shape((4,)) == (4, 3, 2)
    assert d.log_prob(gg.zeros(5, 1, 2)).shape == (5, 1)  # passes the checks; this toy does not broadcast
    with pytest.raises(ValueError, match=r"_Pair.log_prob: the right-most size of value must match event_shape: "
                                         r"\(3, 3\) vs \(2,\)"):
        d.log_prob(gg.zeros(3, 3))
    with pytest.raises(ValueError, match=r"not broadcastable with batch_shape\+event_shape: \(4, 2\) vs \(3, 2\)"):
        d.log_prob(gg.zeros(4, 2))


def test_unimplemented_methods_say_what_to_use() -> None:
    with pytest.raises(NotImplementedError, match="Categorical has no reparameterised sampler.*use sample"):
        Categorical(logits=gg.zeros(3)).rsample()
    with pytest.raises(NotImplementedError, match="Bernoulli does not implement cdf"):
        Bernoulli(0.5).cdf(gg.tensor(1.0))
    with pytest.raises(NotImplementedError, match="_Pair does not implement mean"):
        _ = _Pair().mean
    assert not Categorical.has_rsample and not Bernoulli.has_rsample
    assert Normal.has_rsample and Uniform.has_rsample
    assert Categorical.has_enumerate_support and not Normal.has_enumerate_support


def test_default_stddev_and_perplexity() -> None:
    d = Bernoulli(gg.tensor([0.2, 0.5]))
    np.testing.assert_allclose(d.stddev.numpy(), np.sqrt([0.16, 0.25]), rtol=1e-6)  # √variance by default
    np.testing.assert_allclose(d.perplexity().numpy(), np.exp(d.entropy().numpy()), rtol=1e-6)


def test_validation_is_on_by_default_and_can_be_switched_off() -> None:
    assert Distribution._validate_args is True  # torch's default (__debug__)
    try:
        Distribution.set_default_validate_args(False)
        Normal(0.0, -1.0)  # no check
        with pytest.raises(ValueError, match="parameter scale"):
            Normal(0.0, -1.0, validate_args=True)  # the argument overrides the default
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="parameter scale"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="expected True or False, got 'yes'"):
        Distribution.set_default_validate_args("yes")


def test_error_lists_the_first_bad_values_and_counts_the_rest() -> None:
    scale = gg.tensor([-1.0, 1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0])
    with pytest.raises(ValueError, match=r"\[-1\.0, -2\.0, -3\.0, -4\.0, -5\.0\] at index \[\(0,\), \(2,\), \(3,\), "
                                         r"\(4,\), \(5,\)\] \(and 2 more\)"):
        Normal(0.0, scale)


def test_repr_like_torch() -> None:
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Normal(gg.zeros(2, 3), 1.0)) == "Normal(loc: (2, 3), scale: (2, 3))"
    assert repr(Categorical(probs=gg.ones(4))) == "Categorical(probs: (4,))"


CONSTRAINT_CASES = [
    ("real", np.array([0.0, -np.inf, np.nan, 3.0])),
    ("positive", np.array([0.0, 1e-30, -1.0, np.inf])),
    ("unit_interval", np.array([0.0, 1.0, 1.0001, -0.1, 0.5])),
    ("boolean", np.array([0.0, 1.0, 0.5, 2.0])),
    ("simplex", np.array([[0.5, 0.5], [1.0, 0.0], [-0.5, 1.5], [0.5, 0.4]])),
    ("nonnegative_integer", np.array([0.0, 3.0, -1.0, 2.5])),
]


@pytest.mark.parametrize("name, values", CONSTRAINT_CASES, ids=[case[0] for case in CONSTRAINT_CASES])
def test_constraints_match_torch(name: str, values: np.ndarray) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(constraints, name)
    theirs = getattr(torch.distributions.constraints, name)
    np.testing.assert_array_equal(ours.check(gg.tensor(values)).numpy(), theirs.check(torch.tensor(values)).numpy())
    assert repr(ours) == repr(theirs)
    assert ours.event_dim == theirs.event_dim and ours.is_discrete == theirs.is_discrete


def test_parametrised_constraints() -> None:
    values = gg.tensor([0.0, 1.0, 2.0, 2.5, 3.0])
    assert constraints.integer_interval(1, 3).check(values).tolist() == [False, True, True, False, True]
    assert constraints.interval(1.0, 2.5).check(values).tolist() == [False, True, True, True, False]
    assert constraints.greater_than(2.0).check(values).tolist() == [False, False, False, True, True]
    assert constraints.less_than(1.0).check(values).tolist() == [True, False, False, False, False]
    with pytest.raises(ValueError, match="dependent constraint"):
        constraints.dependent.check(values)


@pytest.mark.parametrize("module", ["normal", "categorical", "bernoulli", "uniform", "distribution"])
def test_docstring_examples_run(module: str) -> None:
    failures, _ = doctest.testmod(importlib.import_module(f"glassgrad.distributions.{module}"))
    assert failures == 0


def test_exported_as_gg_distributions() -> None:
    import glassgrad.distributions as distributions

    assert gg.distributions is distributions
    assert gg.distributions.kl.kl_divergence is gg.distributions.kl_divergence
