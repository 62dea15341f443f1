"""distributions/kl.py: kl_divergence against torch.distributions.kl_divergence (values and gradients with
respect to both distributions' parameters), gradcheck, a Monte Carlo check of the Normal formula, the limits
at zero probabilities, and the error for an unregistered pair."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.distributions import Bernoulli, Categorical, Normal, Uniform, kl_divergence, register_kl

from .parity import assert_within_standard_errors, run_both

rng = np.random.default_rng(0)

CASES = {
    "normal": (lambda D, p: (D.Normal(p["mu_p"], p["sigma_p"]), D.Normal(p["mu_q"], p["sigma_q"])),
               {"mu_p": rng.standard_normal((2, 3)), "sigma_p": rng.uniform(0.5, 2, (2, 3)),
                "mu_q": rng.standard_normal(3), "sigma_q": rng.uniform(0.5, 2, 3)}),
    "categorical": (lambda D, p: (D.Categorical(probs=p["p"]), D.Categorical(logits=p["q"])),
                    {"p": rng.uniform(0.1, 1, (2, 4)), "q": rng.standard_normal(4)}),
    # torch's Bernoulli rule needs p and q of one shape (test_kl_broadcasts_the_two_batches covers ours)
    "bernoulli": (lambda D, p: (D.Bernoulli(logits=p["p"]), D.Bernoulli(probs=p["q"])),
                  {"p": rng.standard_normal((2, 3)) * 2, "q": rng.uniform(0.05, 0.95, (2, 3))}),
    "uniform": (lambda D, p: (D.Uniform(p["a_p"], p["b_p"]), D.Uniform(p["a_q"], p["b_q"])),
                {"a_p": rng.uniform(-1, 0, 3), "b_p": rng.uniform(1, 2, 3),
                 "a_q": rng.uniform(-3, -1, 3), "b_q": rng.uniform(2, 3, 3)}),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_parity_with_torch(case: str, dtype: str) -> None:
    make, parameters = CASES[case]
    run_both(make, lambda pair, t: _kl(pair), parameters, dtype)


def _kl(pair):
    p, q = pair
    module = type(p).__module__
    if module.startswith("torch"):
        import torch
        return torch.distributions.kl_divergence(p, q)
    return kl_divergence(p, q)


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradcheck(case: str) -> None:
    make, parameters = CASES[case]
    names = sorted(parameters)
    tensors = [gg.tensor(parameters[name], requires_grad=True) for name in names]
    assert gradcheck(lambda *values: _kl(make(gg.distributions, dict(zip(names, values)))), tensors)


def test_normal_kl_against_monte_carlo() -> None:
    """KL(p‖q) = E_p[log p − log q]: the mean over 200k draws within 5 SE (the draws' own spread / √n)."""
    gg.manual_seed(0)
    p = Normal(gg.tensor([0.0, 1.0], dtype=gg.float64), gg.tensor([1.0, 0.5], dtype=gg.float64))
    q = Normal(gg.tensor([0.5, -1.0], dtype=gg.float64), gg.tensor([2.0, 1.5], dtype=gg.float64))
    x = p.sample((200_000,))
    ratio = (p.log_prob(x) - q.log_prob(x)).numpy()
    assert_within_standard_errors(ratio.mean(0), kl_divergence(p, q).numpy(), ratio.std(0) / np.sqrt(len(ratio)))


def test_limits_at_zero_probabilities() -> None:
    torch = pytest.importorskip("torch")
    p_probs, q_probs = [0.0, 0.5, 0.5], [0.5, 0.5, 0.0]
    ours = kl_divergence(Categorical(probs=gg.tensor(p_probs)), Categorical(probs=gg.tensor(q_probs)))
    theirs = torch.distributions.kl_divergence(torch.distributions.Categorical(probs=torch.tensor(p_probs)),
                                               torch.distributions.Categorical(probs=torch.tensor(q_probs)))
    assert ours.item() == theirs.item() == np.inf
    assert kl_divergence(Categorical(probs=gg.tensor(q_probs)), Categorical(probs=gg.tensor([0.25, 0.75, 0.0]))
                         ).item() == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3), rel=1e-6)
    edges = kl_divergence(Bernoulli(gg.tensor([0.0, 1.0, 0.3])), Bernoulli(gg.tensor([0.0, 0.5, 1.0])))
    np.testing.assert_allclose(edges.numpy(), [0.0, np.log(2), np.inf], rtol=1e-6)
    assert kl_divergence(Uniform(0.0, 2.0), Uniform(0.5, 3.0)).item() == np.inf  # p has mass outside q


def test_unregistered_pair_and_register_kl() -> None:
    with pytest.raises(NotImplementedError, match=r"no KL\(Normal \|\| Categorical\) is implemented.*register_kl"):
        kl_divergence(Normal(0.0, 1.0), Categorical(logits=gg.zeros(2)))

    class Standard(Normal):
        pass

    # a subclass uses its parent's rule until it registers its own
    assert kl_divergence(Standard(0.0, 1.0), Normal(0.0, 1.0)).item() == 0.0

    @register_kl(Standard, Normal)
    def _constant(p, q):
        return gg.tensor(42.0)

    assert kl_divergence(Standard(0.0, 1.0), Normal(0.0, 1.0)).item() == 42.0
    with pytest.raises(TypeError, match="register_kl: type_q must be a subclass of Distribution"):
        register_kl(Normal, int)


def test_kl_broadcasts_the_two_batches() -> None:
    # torch's Bernoulli rule refuses batches of different shapes; ours broadcasts them, as its other rules do
    p_logits = gg.tensor(rng.standard_normal((2, 3)))
    q_probs = gg.tensor(rng.uniform(0.1, 0.9, 3))
    broadcast = kl_divergence(Bernoulli(logits=p_logits), Bernoulli(q_probs))
    expanded = kl_divergence(Bernoulli(logits=p_logits), Bernoulli(q_probs.expand(2, 3)))
    assert broadcast.shape == (2, 3)
    np.testing.assert_array_equal(broadcast.numpy(), expanded.numpy())
