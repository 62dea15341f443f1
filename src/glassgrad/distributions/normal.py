"""Normal(loc, scale): the Gaussian N(μ, σ²), as `torch.distributions.Normal`.

    p(x) = e^(−(x − μ)²/2σ²) / (σ√(2π))
    log p(x) = −(x − μ)²/2σ² − log σ − ½ log 2π
    H = ½ + ½ log 2π + log σ
    F(x) = Φ((x − μ)/σ),   F⁻¹(q) = μ + σ√2 · erfinv(2q − 1)

rsample draws x = μ + σ·ε with ε ~ N(0, 1), so ∂x/∂μ = 1 and ∂x/∂σ = ε (the reparameterisation trick that
trains a VAE's encoder, Kingma & Welling 2014, §2.4). The gradients of all the above come from autograd.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..creation import randn
from ..functional.activation import NormalCdfOp
from ..tensor import Tensor
from . import constraints
from ._erfinv import erfinv
from .distribution import Distribution
from .utils import broadcast_parameters

__all__ = ["Normal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """N(loc, scale²), batched over the broadcast shape of `loc` and `scale` (floats or tensors).

    Attributes:
        loc: the mean μ, of shape batch_shape.
        scale: the standard deviation σ > 0, of shape batch_shape.

    Example:
        >>> import glassgrad as gg
        >>> d = gg.distributions.Normal(gg.tensor([0.0, 1.0]), 2.0)
        >>> d.batch_shape, d.sample((5,)).shape
        ((2,), (5, 2))
        >>> round(d.log_prob(gg.tensor([0.0, 1.0]))[0].item(), 4)
        -1.6121
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_parameters("Normal", loc=loc, scale=scale)
        both_numbers = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        batch_shape = () if both_numbers else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """x = loc + scale·ε, ε ~ N(0, 1) from glassgrad's generator (gg.manual_seed repeats it)."""
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """−(x − μ)²/2σ² − log σ − ½ log 2π."""
        if self._validate_args:
            self._validate_sample(value)
        variance = self.scale.pow(2)
        return -((value - self.loc).pow(2)) / (2 * variance) - self.scale.log() - _HALF_LOG_2PI

    def cdf(self, value: Tensor) -> Tensor:
        """Φ((x − μ)/σ): erfc-based, so it keeps its relative precision in the left tail."""
        if self._validate_args:
            self._validate_sample(value, "cdf")
        return NormalCdfOp.apply((value - self.loc) / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        """μ + σ√2 · erfinv(2q − 1) (PyTorch's form; value outside [0, 1] gives nan, unchecked as in PyTorch)."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """½ + ½ log 2π + log σ."""
        return 0.5 + _HALF_LOG_2PI + self.scale.log()
