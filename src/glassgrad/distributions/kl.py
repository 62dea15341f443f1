"""KL divergence KL(p ‖ q) = E_p[log p(X) − log q(X)] in closed form, as `torch.distributions.kl`.

`kl_divergence(p, q)` looks the pair of types up in a registry filled by `@register_kl(TypeP, TypeQ)`, so a
new pair is one decorated function. Each formula is built from tensor ops, so its gradient with respect to
both distributions' parameters comes from autograd (a VAE's KL term to N(0, 1) trains its encoder).
"""

from __future__ import annotations

import math
from typing import Callable

from ..functional.activation import softplus
from ..tensor import Tensor
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .normal import Normal
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], Callable[[Distribution, Distribution], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator: `@register_kl(Normal, Normal)` makes the function kl_divergence's rule for that pair."""
    for argument, given in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(given, type) and issubclass(given, Distribution)):
            raise TypeError(f"register_kl: {argument} must be a subclass of Distribution, got {given!r}")

    def decorator(fn: Callable[[Distribution, Distribution], Tensor]) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p ‖ q), one value per distribution of the broadcast batch.

    The rule is the one registered for the most specific pair of types: the first match walking p's classes
    (its MRO, most derived first) and, for each, q's classes.
    """
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            rule = _KL_REGISTRY.get((type_p, type_q))
            if rule is not None:
                return rule(p, q)
    pairs = ", ".join(f"({a.__name__}, {b.__name__})" for a, b in _KL_REGISTRY)
    raise NotImplementedError(
        f"kl_divergence: no KL({type(p).__name__} || {type(q).__name__}) is implemented; the registered pairs "
        f"are {pairs}. Add one with @register_kl({type(p).__name__}, {type(q).__name__}), or estimate it by "
        "Monte Carlo: (p.log_prob(x) - q.log_prob(x)).mean(0) for x = p.sample((n,))"
    )


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    """½(σp²/σq² + (μp − μq)²/σq² − 1 − log(σp²/σq²))."""
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    """Σ_k p_k (ℓp_k − ℓq_k): a term is +inf where q_k = 0 < p_k, and 0 where p_k = 0 (0 log 0 = 0)."""
    t = p.probs * (p.logits - q.logits)
    t = t.masked_fill(q.probs == 0, math.inf)
    t = t.masked_fill(p.probs == 0, 0.0)
    return t.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    """p log(p/q) + (1 − p) log((1 − p)/(1 − q)), each log ratio from logits as a softplus difference
    (log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)), stable where σ saturates; the terms take the
    same limits as in the categorical case at p, q ∈ {0, 1}."""
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = t1.masked_fill(q.probs == 0, math.inf)
    t1 = t1.masked_fill(p.probs == 0, 0.0)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = t2.masked_fill(q.probs == 1, math.inf)
    t2 = t2.masked_fill(p.probs == 1, 0.0)
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((bq − aq)/(bp − ap)) when [ap, bp] ⊆ [aq, bq], else +inf (p puts mass where q has none)."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return result.masked_fill((q.low > p.low) | (q.high < p.high), math.inf)
