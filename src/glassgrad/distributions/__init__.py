"""glassgrad.distributions: probability distributions with PyTorch's `torch.distributions` names and semantics.

    import glassgrad as gg
    d = gg.distributions.Normal(gg.zeros(3, requires_grad=True), 1.0)
    x = d.rsample((10,))                  # (10, 3), differentiable in loc and scale
    d.log_prob(x).sum().backward()

Each distribution is one file built on `Distribution` (distribution.py: shapes, sampling, validation), from
glassgrad's differentiable tensor ops and its seedable generator (`gg.manual_seed` repeats every draw).
"""

from . import constraints, kl
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Normal",
    "Uniform",
    "constraints",
    "kl",
    "kl_divergence",
    "register_kl",
]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.distributions")  # "glassgrad does not implement torch.distributions.X"
